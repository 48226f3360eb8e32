package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
)

const (
	testIssuer   = "https://tollgate.example"
	testEndpoint = testIssuer + "/oauth/token"
	testUser     = "usr_0123456789"
)

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// party is a key and the certificate bound for it.
type party struct {
	name string
	key  crypto.Signer
	cert certbind.Certificate
	algs []string // the algorithms its key takes
}

// parties are generated once per test binary: one per accepted key type,
// plus an attacker's P-256 key and an RSA key for the interop tests.
var parties = sync.OnceValue(func() map[string]*party {
	gen := func(name string, algs ...string) *party {
		var key crypto.Signer
		var err error
		switch name {
		case "RSA", "RSA attacker":
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		case "P-256", "P-256 attacker":
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case "P-384":
			key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		case "P-521":
			key, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		case "Ed25519":
			_, key, err = ed25519.GenerateKey(rand.Reader)
		}
		if err != nil {
			panic(err)
		}
		return &party{name: name, key: key, cert: bind(key, testNow.Add(-time.Hour), testNow.Add(24*time.Hour)), algs: algs}
	}
	return map[string]*party{
		"RSA":            gen("RSA", "RS256", "PS256"),
		"P-256":          gen("P-256", "ES256"),
		"P-384":          gen("P-384", "ES384"),
		"P-521":          gen("P-521", "ES512"),
		"Ed25519":        gen("Ed25519", "EdDSA", "Ed25519"),
		"P-256 attacker": gen("P-256 attacker", "ES256"),
		"RSA attacker":   gen("RSA attacker", "RS256", "PS256"),
	}
})

// keyTypes are the parties a user may bind, in a stable order.
var keyTypes = []string{"RSA", "P-256", "P-384", "P-521", "Ed25519"}

// bind makes a self-signed certificate for key and reads it as the
// certificates API would.
func bind(key crypto.Signer, notBefore, notAfter time.Time) certbind.Certificate {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: testUser},
		NotBefore: notBefore, NotAfter: notAfter, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	c, err := certbind.FromClientCert(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	if err != nil {
		panic(err)
	}
	return c
}

func newVerifier() *AssertionVerifier {
	return &AssertionVerifier{Audiences: []string{testIssuer, testEndpoint}, MaxLifetime: 5 * time.Minute, Clock: clock.NewFake(testNow)}
}

func enc(s string) string  { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
func encB(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// hdrJSON is a header with alg and x5t#S256 (omitted when empty) and typ JWT.
func hdrJSON(alg, x5t string) string {
	m := map[string]string{"alg": alg, "typ": "JWT"}
	if x5t != "" {
		m["x5t#S256"] = x5t
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// claimsJSON is a valid claim set with edit applied (a nil value deletes).
func claimsJSON(edit map[string]any) string {
	m := map[string]any{
		"iss": testUser,
		"sub": testUser,
		"aud": testEndpoint,
		"exp": testNow.Add(4 * time.Minute).Unix(),
		"iat": testNow.Unix(),
		"jti": "4f1c1e2a-d8f4-4c0a-9d7e-2a1b3c4d5e6f",
	}
	for k, v := range edit {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// signJWS signs header and payload JSON with alg and key, as a JWS library
// would (it does not check that they suit each other): RS*, PS* and ES* at
// any of the three sizes, EdDSA/Ed25519, HS256 (key is a []byte) and none.
func signJWS(tb testing.TB, alg string, key any, hdr, payload string) string {
	tb.Helper()
	input := enc(hdr) + "." + enc(payload)
	var hash crypto.Hash
	var digest []byte
	switch {
	case strings.HasSuffix(alg, "256"):
		hash = crypto.SHA256
		d := sha256.Sum256([]byte(input))
		digest = d[:]
	case strings.HasSuffix(alg, "384"):
		hash = crypto.SHA384
		d := sha512.Sum384([]byte(input))
		digest = d[:]
	case strings.HasSuffix(alg, "512"):
		hash = crypto.SHA512
		d := sha512.Sum512([]byte(input))
		digest = d[:]
	}
	var sig []byte
	var err error
	switch {
	case alg == "none":
	case strings.HasPrefix(alg, "HS"):
		m := hmac.New(sha256.New, key.([]byte))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case strings.HasPrefix(alg, "RS"):
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), hash, digest)
	case strings.HasPrefix(alg, "PS"):
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case strings.HasPrefix(alg, "ES"):
		k := key.(*ecdsa.PrivateKey)
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, k, digest); err == nil {
			size := (k.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case alg == "EdDSA" || alg == "Ed25519":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), []byte(input))
	default:
		tb.Fatalf("signJWS: no way to sign %s", alg)
	}
	if err != nil {
		tb.Fatalf("signJWS %s: %v", alg, err)
	}
	return input + "." + encB(sig)
}

// signed signs header and payload JSON as p, with its first algorithm.
func (p *party) signed(tb testing.TB, hdr, payload string) string {
	tb.Helper()
	return signJWS(tb, p.algs[0], p.key, hdr, payload)
}

// assertion is a valid assertion of p, with its first algorithm and its
// certificate's x5t#S256, and edit applied to the claims (as claimsJSON).
func (p *party) assertion(tb testing.TB, edit map[string]any) string {
	tb.Helper()
	return p.signed(tb, hdrJSON(p.algs[0], p.cert.X5tS256), claimsJSON(edit))
}

// signAs signs a valid assertion for p with alg, falling back to a key of
// the algorithm's own type when p's key cannot make that signature.
func signAs(tb testing.TB, p *party, alg, payload string) string {
	tb.Helper()
	key := any(p.key)
	ps := parties()
	switch {
	case alg == "HS256":
		key = p.cert.DER // the classic confusion: the public key as an HMAC secret
	case strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS"):
		if _, ok := p.key.(*rsa.PrivateKey); !ok {
			key = ps["RSA attacker"].key
		}
	case strings.HasPrefix(alg, "ES"):
		if _, ok := p.key.(*ecdsa.PrivateKey); !ok {
			key = ps["P-256 attacker"].key
		}
	case alg == "EdDSA" || alg == "Ed25519":
		if _, ok := p.key.(ed25519.PrivateKey); !ok {
			key = ps["Ed25519"].key
		}
	}
	return signJWS(tb, alg, key, hdrJSON(alg, p.cert.X5tS256), payload)
}

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}
