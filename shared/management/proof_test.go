package management

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"maps"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tollgate/tollgate/shared/certbind"
)

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testKeys are generated once per test binary.
type testKeys struct {
	rsa2048            *rsa.PrivateKey
	p256, p384, caP256 *ecdsa.PrivateKey
}

var keys = sync.OnceValue(func() *testKeys {
	ec := func(c elliptic.Curve) *ecdsa.PrivateKey { return orPanic(ecdsa.GenerateKey(c, rand.Reader)) }
	return &testKeys{rsa2048: orPanic(rsa.GenerateKey(rand.Reader, 2048)), p256: ec(elliptic.P256()), p384: ec(elliptic.P384()), caP256: ec(elliptic.P256())}
})

// orPanic is v, or a panic with err: for test keys made once.
func orPanic[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// certOf is a bound certificate of key, self-signed, valid at testNow.
func certOf(tb testing.TB, key crypto.Signer) certbind.Certificate {
	tb.Helper()
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "usr_a"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour), BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := certbind.Parse(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), testNow)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

const proofAud = "https://tollgate.example/v1/users/usr_a/certificate"

// signProof signs claims with key under alg, naming cert in x5t#S256.
func signProof(tb testing.TB, alg string, key any, x5t string, claims jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(jwt.GetSigningMethod(alg), claims)
	t.Header["x5t#S256"] = x5t
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func proofClaimsAt(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{"sub": "usr_a", "aud": proofAud, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": "j1"}
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := maps.Clone(c)
	out[k] = v
	if v == nil {
		delete(out, k)
	}
	return out
}

func TestVerifyProof(t *testing.T) {
	k := keys()
	cert, other, rsaCert := certOf(t, k.p256), certOf(t, k.p384), certOf(t, k.rsa2048)
	base := proofClaimsAt(testNow)
	tests := []struct {
		name string
		cert certbind.Certificate
		tok  string
		ok   bool
	}{
		{"valid ES256", cert, signProof(t, "ES256", k.p256, cert.X5tS256, base), true},
		{"valid PS256", rsaCert, signProof(t, "PS256", k.rsa2048, rsaCert.X5tS256, base), true},
		{"another user", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "sub", "usr_b")), false},
		{"another aud", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "aud", "https://tollgate.example/oauth/token")), false},
		{"two auds", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "aud", []string{proofAud, proofAud})), false},
		{"expired", cert, signProof(t, "ES256", k.p256, cert.X5tS256, proofClaimsAt(testNow.Add(-10*time.Minute))), false},
		{"iat too old", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "iat", testNow.Add(-6*time.Minute).Unix())), false},
		{"iat ahead", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "iat", testNow.Add(time.Minute).Unix())), false},
		{"no iat", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "iat", nil)), false},
		{"no exp", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "exp", nil)), false},
		{"exp too far", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "exp", testNow.Add(6*time.Minute).Unix())), false},
		{"no jti", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "jti", nil)), false},
		{"long jti", cert, signProof(t, "ES256", k.p256, cert.X5tS256, with(base, "jti", strings.Repeat("j", MaxProofIDLen+1))), false},
		{"wrong key", cert, signProof(t, "ES256", k.caP256, cert.X5tS256, base), false},
		{"another certificate's x5t", cert, signProof(t, "ES384", k.p384, other.X5tS256, base), false},
		{"alg not the key's", rsaCert, signProof(t, "HS256", []byte("0123456789abcdef0123456789abcdef"), rsaCert.X5tS256, base), false},
		{"no x5t", cert, signProof(t, "ES256", k.p256, "", base), false},
		{"not a JWS", cert, "a.b", false},
		{"empty", cert, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := VerifyProof(tt.tok, ProofRequest{Certificate: tt.cert, UserID: "usr_a", Audience: proofAud, Now: testNow})
			if tt.ok {
				if err != nil || p.ID != "j1" || !p.ExpiresAt.Equal(testNow.Add(2*time.Minute)) {
					t.Fatalf("VerifyProof = %+v, %v", p, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("VerifyProof err = %v, want ErrInvalidProof", err)
			}
		})
	}
}

func TestProofAudience(t *testing.T) {
	if got := ProofAudience("https://tollgate.example/", "usr_a"); got != proofAud {
		t.Fatalf("ProofAudience = %q", got)
	}
}

// FuzzVerifyProof: VerifyProof never panics and refuses only with ErrInvalidProof;
// whatever it accepts names the user, the audience and a jti.
func FuzzVerifyProof(f *testing.F) {
	k := keys()
	cert := certOf(f, k.p256)
	base := proofClaimsAt(testNow)
	f.Add(signProof(f, "ES256", k.p256, cert.X5tS256, base))
	f.Add(signProof(f, "ES256", k.p256, cert.X5tS256, with(base, "aud", []any{proofAud, 1})))
	f.Add(signProof(f, "ES256", k.caP256, cert.X5tS256, base))
	f.Add(signProof(f, "ES256", k.p256, cert.X5tS256, with(base, "iat", 1.5)))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := VerifyProof(tok, ProofRequest{Certificate: cert, UserID: "usr_a", Audience: proofAud, Now: testNow})
		if err != nil {
			if !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("refused with %v, not ErrInvalidProof", err)
			}
			if len(tok) >= 16 && strings.Contains(err.Error(), tok) {
				t.Fatal("the error quotes the token")
			}
			return
		}
		if p.ID == "" || len(p.ID) > MaxProofIDLen || p.ExpiresAt.After(testNow.Add(ProofLifetime)) {
			t.Fatalf("accepted %+v", p)
		}
	})
}
