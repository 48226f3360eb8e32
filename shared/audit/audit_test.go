package audit_test

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
)

// TestTargets pins the target types records are written and read with.
func TestTargets(t *testing.T) {
	cases := []struct {
		target   audit.Target
		wantType string
	}{
		{audit.User("usr_a"), "user"},
		{audit.Credential(credential.TypeAPIKey, "key_a"), "api_key"},
		{audit.Credential(credential.KindRefresh.Type(), "rtf_a"), "refresh_token"},
		{audit.Credential(credential.KindPassword.Type(), "pwd_a"), "pwd"},
	}
	for _, c := range cases {
		r := audit.New("p", "usr_admin", audit.KeyCreate, c.target, "", "", time.Unix(0, 0))
		if r.TargetType != c.wantType || r.TargetID != c.target.ID {
			t.Errorf("%+v: record target %q %q, want %q", c.target, r.TargetType, r.TargetID, c.wantType)
		}
	}
}
