package oauth_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/oauth"
)

// TestOversizeClientIDs: a client_id or username longer than any can be
// is 401 invalid_client before any store read, whether sent by Basic or in
// the body, as a client or (with password sign-in) a username; one at the
// limit still goes to the store.
func TestOversizeClientIDs(t *testing.T) {
	long := strings.Repeat("a", oauth.MaxClientIDLen+1)
	huge := "cli_" + strings.Repeat("A", 3000)
	for _, tt := range []struct {
		name      string
		opts      []option
		req       events.APIGatewayProxyRequest
		wantReads bool
	}{
		{"client id of 3 KB by Basic", nil, basicGrant(huge, "tgc_x"), false},
		{"client id of 3 KB in the body", nil,
			tokenReq(form("grant_type", "client_credentials", "client_id", huge, "client_secret", "tgc_x")), false},
		{"username one byte too long", []option{passwordSignIn},
			tokenReq(form("grant_type", "client_credentials", "client_id", long, "client_secret", "pw")), false},
		{"username of 3 KB by Basic", []option{passwordSignIn}, basicGrant(strings.Repeat("u", 3000), "pw"), false},
		{"username at the limit", []option{passwordSignIn}, basicGrant(long[1:], "pw"), true},
		{"revocation with a client id of 3 KB", nil, revokeReq(form("token", "tgr_x"), basic(huge, "tgc_x")), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newFixture(t, tt.opts...).call(t, tt.req)
			a.wantError(t, 401, "invalid_client")
			if (a.reads > 0) != tt.wantReads {
				t.Errorf("%d store reads, want reads %v", a.reads, tt.wantReads)
			}
		})
	}
}
