package credential_test

import (
	"testing"

	"github.com/tollgate/tollgate/shared/credential"
)

// TestKindType pins each session kind's credential type, as audit records
// and sweep events spell it, and which kinds the sweep looks after.
func TestKindType(t *testing.T) {
	cases := []struct {
		kind  credential.Kind
		want  string
		swept bool
	}{
		{credential.KindJWT, "jwt", true},
		{credential.KindRefresh, "refresh_token", true},
		{credential.KindClient, "client", false},
		{credential.KindPassword, "pwd", false},
		{credential.KindAssertion, "pkj", false},
		{credential.Kind("key"), "", false},
	}
	for _, c := range cases {
		if got := c.kind.Type(); string(got) != c.want {
			t.Errorf("%s: Type() = %q, want %q", c.kind, got, c.want)
		}
		if got := c.kind.Swept(); got != c.swept {
			t.Errorf("%s: Swept() = %v, want %v", c.kind, got, c.swept)
		}
	}
}
