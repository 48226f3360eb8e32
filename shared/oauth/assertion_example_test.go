package oauth_test

import (
	"encoding/base64"
	"fmt"

	"github.com/tollgate/tollgate/shared/oauth"
)

// The token endpoint reads the thumbprint first, finds the certificate bound
// under it (one store read), then calls Verify with that certificate and
// checks that the returned Subject is the certificate's owner.
func ExampleAssertionThumbprint() {
	b64 := base64.RawURLEncoding.EncodeToString
	header := `{"alg":"ES256","typ":"JWT","x5t#S256":"Tub2B3ofqi91ChrkStJ-FvVtDX8t69HEzpQp-h1ylv0"}`
	token := b64([]byte(header)) + "." + b64([]byte(`{}`)) + "." // not verified here
	x5t, err := oauth.AssertionThumbprint(token)
	fmt.Println(x5t, err)

	_, err = oauth.AssertionThumbprint(b64([]byte(`{"alg":"ES256","jku":"https://evil.example"}`)) + ".e30.")
	fmt.Println(err)
	// Output:
	// Tub2B3ofqi91ChrkStJ-FvVtDX8t69HEzpQp-h1ylv0 <nil>
	// assertion: malformed: header member not allowed (only alg, typ, kid, x5t#S256)
}
