package oauth

import (
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

var golangJWTMethods = map[string]gjwt.SigningMethod{
	"RS256": gjwt.SigningMethodRS256,
	"PS256": gjwt.SigningMethodPS256,
	"ES256": gjwt.SigningMethodES256,
	"ES384": gjwt.SigningMethodES384,
	"ES512": gjwt.SigningMethodES512,
	"EdDSA": gjwt.SigningMethodEdDSA,
}

// Assertions made by golang-jwt, for every key type and algorithm it knows,
// verify; and golang-jwt accepts the assertions these tests make by hand,
// which vouches for the test signer (PSS salt length, ECDSA r||s).
func TestInteropGolangJWT(t *testing.T) {
	ps := parties()
	v := newVerifier()
	for _, kt := range keyTypes {
		p := ps[kt]
		for _, alg := range p.algs {
			method, ok := golangJWTMethods[alg]
			if !ok {
				continue // golang-jwt does not know RFC 9864's "Ed25519"
			}
			t.Run(kt+"/"+alg, func(t *testing.T) {
				tok := gjwt.NewWithClaims(method, gjwt.MapClaims{
					"iss": testUser, "sub": testUser, "aud": testIssuer, "jti": "gjwt-" + alg,
					"exp": testNow.Add(5 * time.Minute).Unix(), "iat": testNow.Unix(), "nbf": testNow.Unix(),
				})
				tok.Header["x5t#S256"] = p.cert.X5tS256
				signed, err := tok.SignedString(p.key)
				if err != nil {
					t.Fatal(err)
				}
				c, err := v.Verify(signed, p.cert)
				if err != nil {
					t.Fatalf("golang-jwt's %s assertion refused: %v", alg, err)
				}
				if c.Subject != testUser || c.ID != "gjwt-"+alg || !c.ExpiresAt.Equal(testNow.Add(5*time.Minute)) {
					t.Fatalf("claims %+v", c)
				}

				ours := signAs(t, p, alg, claimsJSON(nil))
				parsed, err := gjwt.Parse(ours, func(*gjwt.Token) (any, error) { return p.key.Public(), nil },
					gjwt.WithValidMethods([]string{alg}), gjwt.WithTimeFunc(func() time.Time { return testNow }),
					gjwt.WithAudience(testEndpoint), gjwt.WithIssuer(testUser), gjwt.WithExpirationRequired())
				if err != nil || !parsed.Valid {
					t.Fatalf("golang-jwt refused the test signer's %s assertion: %v", alg, err)
				}
			})
		}
	}
}

// Assertions made by jwx (RS256 and ES256; jwx writes aud as an array of
// one) verify, and jwx accepts ours.
func TestInteropJWX(t *testing.T) {
	ps := parties()
	v := newVerifier()
	for _, c := range []struct {
		party string
		alg   jwa.SignatureAlgorithm
	}{{"RSA", jwa.RS256()}, {"P-256", jwa.ES256()}} {
		p := ps[c.party]
		t.Run(c.alg.String(), func(t *testing.T) {
			tok, err := jwt.NewBuilder().Issuer(testUser).Subject(testUser).Audience([]string{testIssuer}).
				Expiration(testNow.Add(3 * time.Minute)).IssuedAt(testNow).JwtID("jwx-" + c.alg.String()).Build()
			if err != nil {
				t.Fatal(err)
			}
			hdrs := jws.NewHeaders()
			if err := hdrs.Set(jws.X509CertThumbprintS256Key, p.cert.X5tS256); err != nil {
				t.Fatal(err)
			}
			signed, err := jwt.Sign(tok, jwt.WithKey(c.alg, p.key, jws.WithProtectedHeaders(hdrs)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Verify(string(signed), p.cert)
			if err != nil {
				t.Fatalf("jwx's %s assertion refused: %v", c.alg, err)
			}
			if got.Issuer != testUser || got.ID != "jwx-"+c.alg.String() || !got.IssuedAt.Equal(testNow) {
				t.Fatalf("claims %+v", got)
			}
			if x5t, err := AssertionThumbprint(string(signed)); err != nil || x5t != p.cert.X5tS256 {
				t.Fatalf("AssertionThumbprint = %q, %v", x5t, err)
			}

			ours := signAs(t, p, c.alg.String(), claimsJSON(nil))
			parsed, err := jwt.Parse([]byte(ours), jwt.WithKey(c.alg, p.key.Public()),
				jwt.WithClock(jwt.ClockFunc(func() time.Time { return testNow })), jwt.WithAudience(testEndpoint))
			if err != nil {
				t.Fatalf("jwx refused the test signer's assertion: %v", err)
			}
			if sub, _ := parsed.Subject(); sub != testUser {
				t.Fatalf("jwx read sub %q", sub)
			}
		})
	}
	// And jwx refuses what we refuse for the algorithm: an ES256 token
	// checked with the RSA certificate's key.
	es := signAs(t, ps["P-256"], "ES256", claimsJSON(nil))
	if _, err := jwt.Parse([]byte(es), jwt.WithKey(jwa.RS256(), ps["RSA"].key.Public())); err == nil {
		t.Fatal("jwx accepted an ES256 token with an RSA key")
	}
}
