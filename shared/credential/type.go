package credential

// Type is a credential's type as Tollgate spells it everywhere it is seen:
// the authorizer's context (whoami), audit records and sweep events.
type Type string

// Credential types.
const (
	TypeAPIKey       Type = "api_key"
	TypeJWT          Type = "jwt"           // a personal JWT
	TypeAccessToken  Type = "access_token"  // an OAuth access token (of a refresh family, a client or a sign-in)
	TypeRefreshToken Type = "refresh_token" // a refresh-token family
	TypeClient       Type = "client"        // an OAuth client
	TypeCertificate  Type = "certificate"   // a mutual TLS client certificate bound to a user
	TypeSAS          Type = "sas"           // a shared access signature credential
	// TypePasswordSignIn and TypeAssertionSignIn are sign-in sessions (their
	// tokens are access tokens); audit records name them by their id prefix.
	TypePasswordSignIn  Type = "pwd"
	TypeAssertionSignIn Type = "pkj"
)

// Type returns the type of a session of kind k.
func (k Kind) Type() Type {
	switch k {
	case KindJWT:
		return TypeJWT
	case KindRefresh:
		return TypeRefreshToken
	case KindClient:
		return TypeClient
	case KindPassword:
		return TypePasswordSignIn
	case KindAssertion:
		return TypeAssertionSignIn
	}
	return ""
}

// Swept reports whether sessions of kind k are in the expiry index, to be
// marked expired by the sweep: personal JWTs and refresh-token families.
// Sign-in sessions die with their one-hour token; clients never expire.
func (k Kind) Swept() bool { return k == KindJWT || k == KindRefresh }
