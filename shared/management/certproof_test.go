package management_test

import (
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/management"
)

// proofRoom is room left in a body for the proof f.proved adds.
const proofRoom = 1024

// validProofClaims are the claims of a valid proof for userID at now.
func validProofClaims(userID string, now time.Time) jwt.MapClaims {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		panic(err)
	}
	return jwt.MapClaims{"sub": userID, "aud": management.ProofAudience(tokIssuer, userID),
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": hex.EncodeToString(jti)}
}

// signCertProof signs claims with key (ES256), naming the certificate der.
func signCertProof(t *testing.T, key crypto.Signer, der []byte, claims jwt.MapClaims) string {
	t.Helper()
	c, err := certbind.Parse(certPEM(der), t0)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["x5t#S256"] = c.X5tS256
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// withProof adds "proof" to a JSON body.
func withProof(t *testing.T, body, proof string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	m["proof"] = proof
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// proved is a PUT body with a valid proof of possession for target, signed
// now with the key of certKeys() its certificate holds; a body whose
// certificate does not parse, or is not one of those keys, is left as it is.
func (f *fixture) proved(t *testing.T, target, body string) string {
	t.Helper()
	var m struct{ Certificate string }
	if json.Unmarshal([]byte(body), &m) != nil {
		return body
	}
	c, err := certbind.Parse(m.Certificate, f.clock.Now())
	if err != nil {
		return body
	}
	pub, err := c.PublicKey()
	if err != nil {
		return body
	}
	for _, k := range []crypto.Signer{certKeys().a, certKeys().b} {
		if k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			return withProof(t, body, signCertProof(t, k, c.DER, validProofClaims(f.expand(target), f.clock.Now())))
		}
	}
	return body
}

// TestPutCertificateProof: a non-admin proves possession of the
// certificate's key with a signed proof or over mutual TLS; an admin may not.
func TestPutCertificateProof(t *testing.T) {
	der, other := makeCert(t, certSpec{}), makeCert(t, certSpec{key: certKeys().b, cn: "another"})
	a := certKeys().a
	signed := func(mod func(f *fixture, c jwt.MapClaims)) func(t *testing.T, f *fixture) string {
		return func(t *testing.T, f *fixture) string {
			c := validProofClaims(f.users["dave"].ID, t0)
			if mod != nil {
				mod(f, c)
			}
			return signCertProof(t, a, der, c)
		}
	}
	replayed := "jti-used-before"
	tests := []struct {
		name   string
		who    string
		proof  func(t *testing.T, f *fixture) string
		mtls   []byte // the certificate presented over mutual TLS
		before func(t *testing.T, f *fixture)
		status int
	}{
		{name: "no proof", who: "dave", status: http.StatusBadRequest},
		{name: "valid proof", who: "dave", proof: signed(nil), status: http.StatusCreated},
		{name: "over mutual TLS with the certificate", who: "dave", mtls: der, status: http.StatusCreated},
		{name: "over mutual TLS with another certificate", who: "dave", mtls: other, status: http.StatusBadRequest},
		{name: "admin without proof", who: "admin", status: http.StatusCreated},
		{name: "proof for another user", who: "dave", status: http.StatusBadRequest,
			proof: signed(func(f *fixture, c jwt.MapClaims) { c["sub"] = f.users["alice"].ID })},
		{name: "proof for another audience", who: "dave", status: http.StatusBadRequest,
			proof: signed(func(f *fixture, c jwt.MapClaims) { c["aud"] = tokIssuer + "/oauth/token" })},
		{name: "expired proof", who: "dave", status: http.StatusBadRequest,
			proof: signed(func(f *fixture, c jwt.MapClaims) {
				c["iat"], c["exp"] = t0.Add(-10*time.Minute).Unix(), t0.Add(-6*time.Minute).Unix()
			})},
		{name: "proof signed with another key", who: "dave", status: http.StatusBadRequest,
			proof: func(t *testing.T, f *fixture) string {
				return signCertProof(t, certKeys().b, der, validProofClaims(f.users["dave"].ID, t0))
			}},
		{name: "malformed proof", who: "dave", status: http.StatusBadRequest,
			proof: func(*testing.T, *fixture) string { return "not.a.jws" }},
		{name: "replayed jti", who: "dave", status: http.StatusBadRequest,
			proof: signed(func(_ *fixture, c jwt.MapClaims) { c["jti"] = replayed }),
			before: func(t *testing.T, f *fixture) {
				c := validProofClaims(f.users["dave"].ID, t0)
				c["jti"] = replayed
				body := withProof(t, certBody(certPEM(other)), signCertProof(t, certKeys().b, other, c))
				f.send(t, "dave", certReq("PUT", "{dave}", body)).want(t, http.StatusCreated, "")
				f.send(t, "dave", certReq("DELETE", "{dave}", "")).want(t, http.StatusNoContent, "")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sasCertUsers)
			if tt.before != nil {
				tt.before(t, f)
			}
			body := certBody(certPEM(der))
			if tt.proof != nil {
				body = withProof(t, body, tt.proof(t, f))
			}
			target := "{dave}"
			if tt.who == "admin" {
				target = "{alice}"
			}
			req := certReq("PUT", target, body)
			if tt.mtls != nil {
				req.clientCert = &events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert{ClientCertPem: certPEM(tt.mtls)}
			}
			r := f.send(t, tt.who, req)
			field := ""
			if tt.status == http.StatusBadRequest {
				field = "proof"
			}
			r.want(t, tt.status, field)
			if _, ok := f.binding(t, f.expand(target)); ok != (tt.status == http.StatusCreated) {
				t.Errorf("answered %d, bound = %v", r.StatusCode, ok)
			}
		})
	}
}
