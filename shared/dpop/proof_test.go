package dpop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

var (
	b64 = base64.RawURLEncoding
	t0  = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
)

const (
	target = "https://api.example.com/prod/v1/whoami"
	token  = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
)

// keys is a client's proof keys, one per algorithm.
type keys struct {
	ec *ecdsa.PrivateKey
	ed ed25519.PrivateKey
}

func newKeys(tb testing.TB) keys {
	tb.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return keys{ec: ec, ed: ed}
}

func ecJWK(k *ecdsa.PublicKey) map[string]any {
	p, _ := k.Bytes()
	return map[string]any{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(p[1:33]), "y": b64.EncodeToString(p[33:])}
}

func edJWK(k ed25519.PublicKey) map[string]any {
	return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k)}
}

// forge signs header and claims as given: ES256 with ec, EdDSA with ed,
// whatever the header says.
func forge(header, claims any, sign func(input string) []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	return input + "." + b64.EncodeToString(sign(input))
}

func es256(k *ecdsa.PrivateKey) func(string) []byte {
	return func(input string) []byte {
		sum := sha256.Sum256([]byte(input))
		r, s, _ := ecdsa.Sign(rand.Reader, k, sum[:])
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig
	}
}

func eddsa(k ed25519.PrivateKey) func(string) []byte {
	return func(input string) []byte { return ed25519.Sign(k, []byte(input)) }
}

func ath(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return b64.EncodeToString(sum[:])
}

func goodHeader(k keys) map[string]any {
	return map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": ecJWK(&k.ec.PublicKey)}
}

func goodClaims() map[string]any {
	return map[string]any{"jti": "e1j3V_bKic8-LAEB", "htm": "GET", "htu": target, "iat": t0.Unix(), "ath": ath(token)}
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for a, b := range m {
		out[a] = b
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func thumbprint(jwk map[string]any) string {
	var s string
	if jwk["kty"] == "EC" {
		s = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, jwk["x"], jwk["y"])
	} else {
		s = fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, jwk["x"])
	}
	sum := sha256.Sum256([]byte(s))
	return b64.EncodeToString(sum[:])
}

var resource = dpop.Request{Method: "GET", URL: target, TokenHash: secret.Sum(token)}

// verifyOnce verifies proof with a Verifier of its own, that has read no
// header before.
func verifyOnce(proof string, r dpop.Request, now time.Time) (dpop.Proof, error) {
	return new(dpop.Verifier).Verify(proof, r, now)
}

func TestVerifyAccepts(t *testing.T) {
	k := newKeys(t)
	edHeader := map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": edJWK(k.ed.Public().(ed25519.PublicKey))}
	cases := []struct {
		name   string
		proof  string
		r      dpop.Request
		jwk    map[string]any
		offset time.Duration // of the verifier's clock
	}{
		{"ES256", forge(goodHeader(k), goodClaims(), es256(k.ec)), resource, ecJWK(&k.ec.PublicKey), 0},
		{"EdDSA", forge(edHeader, goodClaims(), eddsa(k.ed)), resource, edJWK(k.ed.Public().(ed25519.PublicKey)), 0},
		{"token endpoint: ath ignored", forge(goodHeader(k), with(goodClaims(), "ath", "whatever"), es256(k.ec)),
			dpop.Request{Method: "GET", URL: target}, ecJWK(&k.ec.PublicKey), 0},
		{"token endpoint: no ath", forge(goodHeader(k), with(goodClaims(), "ath", nil), es256(k.ec)),
			dpop.Request{Method: "GET", URL: target}, ecJWK(&k.ec.PublicKey), 0},
		{"htu normalised", forge(goodHeader(k), with(goodClaims(), "htu", "HTTPS://API.Example.COM:443/prod/v1/%77hoami?x=1#f"), es256(k.ec)),
			resource, ecJWK(&k.ec.PublicKey), 0},
		{"application/dpop+jwt, jwk with kid", forge(with(with(goodHeader(k), "typ", "application/dpop+jwt"), "jwk",
			with(ecJWK(&k.ec.PublicKey), "kid", "mine")), goodClaims(), es256(k.ec)), resource, ecJWK(&k.ec.PublicKey), 0},
		{"iat 60 s old", forge(goodHeader(k), goodClaims(), es256(k.ec)), resource, ecJWK(&k.ec.PublicKey), 60 * time.Second},
		{"iat 5 s ahead", forge(goodHeader(k), goodClaims(), es256(k.ec)), resource, ecJWK(&k.ec.PublicKey), -5 * time.Second},
		{"fractional iat, other claims", forge(goodHeader(k), with(with(goodClaims(), "iat", 1796558400.5), "exp", 1), es256(k.ec)),
			resource, ecJWK(&k.ec.PublicKey), 0},
	}
	for _, verify := range verifiers() {
		for _, c := range cases {
			t.Run(verify.name+"/"+c.name, func(t *testing.T) {
				p, err := verify.verify(c.proof, c.r, t0.Add(c.offset))
				if err != nil {
					t.Fatal(err)
				}
				if p.JKT != thumbprint(c.jwk) || p.ID != "e1j3V_bKic8-LAEB" || !p.IssuedAt.Equal(t0) {
					t.Fatalf("proof = %+v", p)
				}
			})
		}
	}
}

// verifiers are the ways a proof is verified: alone (a fresh Verifier),
// and twice through one Verifier, the second time with every header that
// verified before remembered.
func verifiers() []struct {
	name   string
	verify func(string, dpop.Request, time.Time) (dpop.Proof, error)
} {
	v := new(dpop.Verifier)
	return []struct {
		name   string
		verify func(string, dpop.Request, time.Time) (dpop.Proof, error)
	}{{"Verify", verifyOnce}, {"Verifier", v.Verify}, {"Verifier again", v.Verify}}
}

// TestVerifyRefuses: each RFC 9449 §4.3 check failing alone, and the strict
// reading, each with its own sentinel.
func TestVerifyRefuses(t *testing.T) {
	k := newKeys(t)
	other := newKeys(t)
	good, hdr := goodClaims(), goodHeader(k)
	sign := es256(k.ec)
	valid := forge(hdr, good, sign)
	parts := strings.Split(valid, ".")
	withPrivate := with(ecJWK(&k.ec.PublicKey), "d", b64.EncodeToString(k.ec.D.FillBytes(make([]byte, 32))))
	cases := []struct {
		name  string
		proof string
		want  error
	}{
		{"wrong htm", forge(hdr, with(good, "htm", "POST"), sign), dpop.ErrMethod},
		{"htm in lower case", forge(hdr, with(good, "htm", "get"), sign), dpop.ErrMethod},
		{"wrong htu path", forge(hdr, with(good, "htu", "https://api.example.com/prod/v1/keys"), sign), dpop.ErrURL},
		{"htu without the stage", forge(hdr, with(good, "htu", "https://api.example.com/v1/whoami"), sign), dpop.ErrURL},
		{"wrong htu host", forge(hdr, with(good, "htu", "https://evil.example.com/prod/v1/whoami"), sign), dpop.ErrURL},
		{"wrong htu scheme", forge(hdr, with(good, "htu", "http://api.example.com/prod/v1/whoami"), sign), dpop.ErrURL},
		{"wrong htu port", forge(hdr, with(good, "htu", "https://api.example.com:8443/prod/v1/whoami"), sign), dpop.ErrURL},
		{"relative htu", forge(hdr, with(good, "htu", "/prod/v1/whoami"), sign), dpop.ErrURL},
		{"no htu", forge(hdr, with(good, "htu", nil), sign), dpop.ErrURL},
		{"stale iat", forge(hdr, with(good, "iat", t0.Add(-61*time.Second).Unix()), sign), dpop.ErrStale},
		{"future iat", forge(hdr, with(good, "iat", t0.Add(6*time.Second).Unix()), sign), dpop.ErrFuture},
		{"no iat", forge(hdr, with(good, "iat", nil), sign), dpop.ErrStale},
		{"string iat", forge(hdr, with(good, "iat", "1796558400"), sign), dpop.ErrStale},
		{"negative iat", forge(hdr, with(good, "iat", -1), sign), dpop.ErrStale},
		{"wrong ath", forge(hdr, with(good, "ath", ath("another token")), sign), dpop.ErrTokenHash},
		{"no ath", forge(hdr, with(good, "ath", nil), sign), dpop.ErrTokenHash},
		{"no jti", forge(hdr, with(good, "jti", nil), sign), dpop.ErrID},
		{"jti of 65 bytes", forge(hdr, with(good, "jti", strings.Repeat("j", 65)), sign), dpop.ErrID},
		{"nonce", forge(hdr, with(good, "nonce", "n"), sign), dpop.ErrNonce},
		{"wrong typ", forge(with(hdr, "typ", "JWT"), good, sign), dpop.ErrType},
		{"no typ", forge(with(hdr, "typ", nil), good, sign), dpop.ErrType},
		{"at+jwt typ", forge(with(hdr, "typ", "at+jwt"), good, sign), dpop.ErrType},
		{"alg none", forge(with(hdr, "alg", "none"), good, func(string) []byte { return nil }), dpop.ErrAlgorithm},
		{"alg HS256", forge(with(hdr, "alg", "HS256"), good, sign), dpop.ErrAlgorithm},
		{"alg ES384", forge(with(hdr, "alg", "ES384"), good, sign), dpop.ErrAlgorithm},
		{"alg RS256", forge(with(hdr, "alg", "RS256"), good, sign), dpop.ErrAlgorithm},
		{"no alg", forge(with(hdr, "alg", nil), good, sign), dpop.ErrAlgorithm},
		{"EdDSA with an EC key", forge(with(hdr, "alg", "EdDSA"), good, sign), dpop.ErrAlgorithm},
		{"ES256 with an Ed25519 key", forge(with(hdr, "jwk", edJWK(k.ed.Public().(ed25519.PublicKey))), good, eddsa(k.ed)), dpop.ErrAlgorithm},
		{"jwk with private key", forge(with(hdr, "jwk", withPrivate), good, sign), dpop.ErrPrivateKey},
		{"Ed25519 jwk with private key", forge(map[string]any{"typ": "dpop+jwt", "alg": "EdDSA",
			"jwk": with(edJWK(k.ed.Public().(ed25519.PublicKey)), "d", b64.EncodeToString(k.ed.Seed()))}, good, eddsa(k.ed)), dpop.ErrPrivateKey},
		{"symmetric jwk", forge(with(hdr, "jwk", map[string]any{"kty": "oct", "k": "c2VjcmV0"}), good, sign), dpop.ErrPrivateKey},
		{"no jwk", forge(with(hdr, "jwk", nil), good, sign), dpop.ErrKey},
		{"jwk of P-384", forge(with(hdr, "jwk", with(ecJWK(&k.ec.PublicKey), "crv", "P-384")), good, sign), dpop.ErrKey},
		{"RSA jwk", forge(with(hdr, "jwk", map[string]any{"kty": "RSA", "n": "AQAB", "e": "AQAB"}), good, sign), dpop.ErrKey},
		{"jwk point off the curve", forge(with(hdr, "jwk", with(ecJWK(&k.ec.PublicKey), "y", ecJWK(&other.ec.PublicKey)["y"])), good, sign), dpop.ErrKey},
		{"jwk x padded", forge(with(hdr, "jwk", with(ecJWK(&k.ec.PublicKey), "x", ecJWK(&k.ec.PublicKey)["x"].(string)+"=")), good, sign), dpop.ErrKey},
		{"jwk x a number", forge(with(hdr, "jwk", with(ecJWK(&k.ec.PublicKey), "x", 1)), good, sign), dpop.ErrKey},
		{"jwk a string", forge(with(hdr, "jwk", "key"), good, sign), dpop.ErrMalformed},
		{"bad signature: other key", forge(hdr, good, es256(other.ec)), dpop.ErrSignature},
		{"bad signature: other key's jwk", forge(with(hdr, "jwk", ecJWK(&other.ec.PublicKey)), good, sign), dpop.ErrSignature},
		{"bad signature: altered claims", parts[0] + "." + b64.EncodeToString([]byte(`{"jti":"x","htm":"GET","htu":"`+target+`","iat":1796558400}`)) + "." + parts[2], dpop.ErrSignature},
		{"r = s = 0", parts[0] + "." + parts[1] + "." + b64.EncodeToString(make([]byte, 64)), dpop.ErrSignature},
		{"DER signature", parts[0] + "." + parts[1] + "." + b64.EncodeToString(make([]byte, 70)), dpop.ErrSignature},
		{"stripped signature", parts[0] + "." + parts[1] + ".", dpop.ErrSignature},
		{"jku header", forge(with(hdr, "jku", "https://evil.example/jwks"), good, sign), dpop.ErrMalformed},
		{"x5u header", forge(with(hdr, "x5u", "https://evil.example/cert"), good, sign), dpop.ErrMalformed},
		{"kid header", forge(with(hdr, "kid", "k1"), good, sign), dpop.ErrMalformed},
		{"crit header", forge(with(hdr, "crit", []string{"exp"}), good, sign), dpop.ErrMalformed},
		{"htm a number", forge(hdr, with(good, "htm", 1), sign), dpop.ErrMalformed},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], dpop.ErrMalformed},
		{"non-canonical base64", parts[0] + "." + parts[1] + "." + parts[2][:85] + string(parts[2][85]^1), dpop.ErrMalformed},
		{"two segments", parts[0] + "." + parts[1], dpop.ErrMalformed},
		{"four segments", valid + "." + parts[2], dpop.ErrMalformed},
		{"5 KB", parts[0] + "." + strings.Repeat("A", 5<<10) + "." + parts[2], dpop.ErrMalformed},
		{"duplicate header member", b64.EncodeToString([]byte(`{"typ":"dpop+jwt","typ":"dpop+jwt"}`)) + "." + parts[1] + "." + parts[2], dpop.ErrMalformed},
		{"empty", "", dpop.ErrMalformed},
	}
	sentinels := []error{dpop.ErrMalformed, dpop.ErrType, dpop.ErrAlgorithm, dpop.ErrKey, dpop.ErrPrivateKey, dpop.ErrSignature,
		dpop.ErrID, dpop.ErrMethod, dpop.ErrURL, dpop.ErrStale, dpop.ErrFuture, dpop.ErrTokenHash, dpop.ErrNonce}
	for _, verify := range verifiers() {
		if _, err := verify.verify(valid, resource, t0); err != nil { // its header known to a Verifier from here
			t.Fatalf("the unaltered proof: %v", err)
		}
		for _, c := range cases {
			t.Run(verify.name+"/"+c.name, func(t *testing.T) {
				p, err := verify.verify(c.proof, resource, t0)
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				for _, s := range sentinels {
					if s != c.want && errors.Is(err, s) {
						t.Fatalf("err = %v is also %v", err, s)
					}
				}
				if p != (dpop.Proof{}) {
					t.Fatalf("refused proof returned %+v", p)
				}
				if len(c.proof) > 20 && strings.Contains(err.Error(), c.proof[len(c.proof)-20:]) {
					t.Fatal("the error names the proof")
				}
			})
		}
	}
}

func TestNormalizeURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://api.example.com/v1/whoami", "https://api.example.com/v1/whoami"},
		{"HTTPS://API.EXAMPLE.COM/v1/whoami", "https://api.example.com/v1/whoami"},
		{"https://api.example.com:443/v1/whoami?a=b#c", "https://api.example.com/v1/whoami"},
		{"http://127.0.0.1:80", "http://127.0.0.1/"},
		{"http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"},
		{"https://[::1]:443/a%2fb%7e", "https://[::1]/a%2Fb~"},
		{"https://api.example.com/V1", "https://api.example.com/V1"},
		{"ftp://api.example.com/", ""},
		{"/v1/whoami", ""},
		{"https://user@api.example.com/", ""},
		{"%zz", ""},
	}
	for _, c := range cases {
		got, ok := dpop.NormalizeURL(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestProver(t *testing.T) {
	k := newKeys(t)
	p, err := dpop.NewProver(k.ec)
	if err != nil {
		t.Fatal(err)
	}
	if p.JKT() != thumbprint(ecJWK(&k.ec.PublicKey)) {
		t.Fatal("JKT is not the RFC 7638 thumbprint")
	}
	proof, err := p.Proof("GET", target+"?q=1", token, t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := verifyOnce(proof, resource, t0)
	if err != nil || got.JKT != p.JKT() {
		t.Fatalf("%+v, %v", got, err)
	}
	again, _ := p.Proof("GET", target, token, t0)
	if again2, _ := verifyOnce(again, resource, t0); again2.ID == got.ID {
		t.Fatal("two proofs share a jti")
	}
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := dpop.NewProver(ec384); err == nil {
		t.Fatal("a P-384 key was taken")
	}
}

// recorder is a store's RecordAssertion: each (project, issuer, jti) once.
type recorder struct {
	seen map[string]time.Time
	err  error
}

func (r *recorder) RecordAssertion(_ context.Context, projectID, issuer, jti string, expires time.Time) error {
	if r.err != nil {
		return r.err
	}
	k := projectID + "\x00" + issuer + "\x00" + jti
	if _, ok := r.seen[k]; ok {
		return fmt.Errorf("assertion: %w", store.ErrConflict)
	}
	r.seen[k] = expires
	return nil
}

func TestSpend(t *testing.T) {
	ctx := context.Background()
	r := &recorder{seen: map[string]time.Time{}}
	p := dpop.Proof{JKT: "abc", ID: "j1", IssuedAt: t0}
	if err := dpop.Spend(ctx, r, "p1", p); err != nil {
		t.Fatal(err)
	}
	if exp := r.seen["p1\x00dpop:abc\x00j1"]; !exp.Equal(t0.Add(dpop.MaxAge)) {
		t.Fatalf("recorded until %v", exp)
	}
	if err := dpop.Spend(ctx, r, "p1", p); !errors.Is(err, dpop.ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	if err := dpop.Spend(ctx, r, "p1", dpop.Proof{JKT: "other", ID: "j1", IssuedAt: t0}); err != nil {
		t.Fatalf("the same jti of another key: %v", err)
	}
	r.err = errors.New("throttled")
	if err := dpop.Spend(ctx, r, "p1", dpop.Proof{JKT: "abc", ID: "j2", IssuedAt: t0}); err == nil || errors.Is(err, dpop.ErrReplay) {
		t.Fatalf("store failure: %v", err)
	}
}

func TestGatewayURL(t *testing.T) {
	cases := []struct {
		headers map[string]string
		path    string
		want    string
	}{
		{map[string]string{"Host": "abc.execute-api.us-east-1.amazonaws.com", "X-Forwarded-Proto": "https"}, "/prod/v1/whoami",
			"https://abc.execute-api.us-east-1.amazonaws.com/prod/v1/whoami"},
		{map[string]string{"host": "127.0.0.1:8080", "x-forwarded-proto": "http"}, "/v1/whoami", "http://127.0.0.1:8080/v1/whoami"},
		{map[string]string{"Host": "api.example.com"}, "/v1/whoami", "https://api.example.com/v1/whoami"},
	}
	for _, c := range cases {
		if got := dpop.GatewayURL(c.headers, c.path); got != c.want {
			t.Errorf("GatewayURL(%v, %q) = %q, want %q", c.headers, c.path, got, c.want)
		}
	}
}
