package dpop_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/tollgate/tollgate/shared/dpop"
)

// TestInteropJWXProofsAccepted: proofs an independent JOSE library makes
// (jwx: its own header with the jwk it exports, its own claims encoding)
// are accepted, and the thumbprint we return is the one jwx computes.
func TestInteropJWXProofsAccepted(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name string
		alg  jwa.SignatureAlgorithm
		key  crypto.Signer
	}{
		{"ES256", jwa.ES256(), ec},
		{"EdDSA", jwa.EdDSA(), ed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, err := jwk.Import(tc.key.Public())
			if err != nil {
				t.Fatal(err)
			}
			hdr := jws.NewHeaders()
			for k, v := range map[string]any{"typ": "dpop+jwt", "jwk": pub} {
				if err := hdr.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			payload, _ := json.Marshal(map[string]any{"jti": "jwx-1", "htm": "GET", "htu": target, "iat": t0.Unix(), "ath": ath(token)})
			proof, err := jws.Sign(payload, jws.WithKey(tc.alg, tc.key, jws.WithProtectedHeaders(hdr)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := verifyOnce(string(proof), resource, t0)
			if err != nil {
				t.Fatalf("jwx's proof refused: %v", err)
			}
			tp, err := pub.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if got.JKT != b64.EncodeToString(tp) {
				t.Fatalf("JKT %s, jwx thumbprint %s", got.JKT, b64.EncodeToString(tp))
			}
		})
	}
}

// TestInteropProverVerifiedByJWX: the proofs the CLI makes (Prover) verify
// with jwx using the key in their own header, with the typ and claims RFC
// 9449 asks for, and jwx's thumbprint of that key is the Prover's JKT.
func TestInteropProverVerifiedByJWX(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p, err := dpop.NewProver(k)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := p.Proof("GET", target+"?page=2", token, t0)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := jws.Parse([]byte(proof))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	key, ok := h.JWK()
	if typ, _ := h.Type(); !ok || typ != "dpop+jwt" {
		t.Fatalf("header: typ %q, jwk present %v", typ, ok)
	}
	if _, err := jws.Verify([]byte(proof), jws.WithKey(jwa.ES256(), key)); err != nil {
		t.Fatalf("jwx does not verify our proof: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(msg.Payload(), &claims); err != nil {
		t.Fatal(err)
	}
	if claims["htm"] != "GET" || claims["htu"] != target || claims["ath"] != ath(token) || claims["iat"] != float64(t0.Unix()) || claims["jti"] == "" {
		t.Fatalf("claims = %v", claims)
	}
	tp, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if b64.EncodeToString(tp) != p.JKT() {
		t.Fatalf("jwx thumbprint %s, JKT %s", b64.EncodeToString(tp), p.JKT())
	}
	if _, private := key.(jwk.ECDSAPrivateKey); private {
		t.Fatal("the proof's jwk is a private key")
	}
}
