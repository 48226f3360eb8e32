package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/clock"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	f := newFixture(t)
	escaped := validClaims()
	escaped.Subject = "usr_<é\"\\\u2028😀>&"
	escaped.Scope = ""
	dpopBound := validClaims()
	dpopBound.Confirmation = &Confirmation{JKT: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}
	cases := []struct {
		name   string
		signer Signer
		claims Claims
	}{
		{"minimal", f.signer, validClaims()},
		{"all claims", f.signer, fullClaims()},
		{"DPoP-bound (cnf.jkt)", f.signer, dpopBound},
		{"escapes and non-ASCII", f.signer, escaped},
		{"previous key still verifies", NewLocalSigner(f.prev), validClaims()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := issue(t, c.signer, c.claims)
			h, _, _ := split3(t, tok)
			if want := enc(`{"alg":"ES256","kid":"` + c.signer.KeyID() + `","typ":"at+jwt"}`); h != want {
				t.Fatalf("header = %s, want %s", h, want)
			}
			got, err := f.verifier.Verify(tok)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.claims) {
				t.Fatalf("claims = %+v, want %+v", got, c.claims)
			}
		})
	}
}

func TestIssueAudienceIsAString(t *testing.T) {
	f := newFixture(t)
	_, p, _ := split3(t, issue(t, f.signer, validClaims()))
	var m map[string]any
	if err := json.Unmarshal([]byte(mustDecode(t, p)), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["aud"].(string); !ok {
		t.Fatalf("aud = %#v, want a string", m["aud"])
	}
	for _, k := range []string{"nbf", "client_id", "cnf"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s emitted though empty", k)
		}
	}
}

func mustDecode(t testing.TB, seg string) string {
	t.Helper()
	b, err := b64.Strict().DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Tokens Verify accepts beyond what Issue writes: other JSON spellings of our
// own signed tokens and the RFC-allowed variants.
func TestVerifyAccepts(t *testing.T) {
	f := newFixture(t)
	hdr := hdrJSON("ES256", f.kid, "at+jwt")
	signed := func(hdr, payload string) string { return signJSON(f.key, hdr, payload) }
	cases := []struct {
		name   string
		token  string
		leeway time.Duration
		want   func(*Claims)
	}{
		{"aud one-element array", signed(hdr, claimsJSON(map[string]any{"aud": []string{testAudience}})), 0, nil},
		{"aud array containing ours", signed(hdr, claimsJSON(map[string]any{"aud": []string{"https://x.example", testAudience}})), 0, nil},
		{"typ application/at+jwt", signed(hdrJSON("ES256", f.kid, "application/at+jwt"), claimsJSON(nil)), 0, nil},
		{"typ upper case", signed(hdrJSON("ES256", f.kid, "AT+JWT"), claimsJSON(nil)), 0, nil},
		{"header members reordered, whitespace", signed(` { "typ" : "at+jwt" , "kid":"`+f.kid+`","alg":"ES256" } `, claimsJSON(nil)), 0, nil},
		{"escaped member name", signed(`{"\u0061lg":"ES256","kid":"`+f.kid+`","typ":"at\u002bjwt"}`, claimsJSON(nil)), 0, nil},
		{"previous key", signJSON(f.prev, hdrJSON("ES256", f.prevKid, "at+jwt"), claimsJSON(nil)), 0, nil},
		{"nbf now", signed(hdr, claimsJSON(map[string]any{"nbf": testNow.Unix()})), 0, func(c *Claims) { c.NotBefore = testNow.Unix() }},
		{"iat now", signed(hdr, claimsJSON(map[string]any{"iat": testNow.Unix()})), 0, func(c *Claims) { c.IssuedAt = testNow.Unix() }},
		{"expired within leeway", signed(hdr, claimsJSON(map[string]any{"exp": testNow.Add(-20 * time.Second).Unix()})), 30 * time.Second,
			func(c *Claims) { c.ExpiresAt = testNow.Add(-20 * time.Second).Unix() }},
		{"nbf within leeway", signed(hdr, claimsJSON(map[string]any{"nbf": testNow.Add(20 * time.Second).Unix()})), 30 * time.Second,
			func(c *Claims) { c.NotBefore = testNow.Add(20 * time.Second).Unix() }},
		{"iat within leeway", signed(hdr, claimsJSON(map[string]any{"iat": testNow.Add(30 * time.Second).Unix()})), 30 * time.Second,
			func(c *Claims) { c.IssuedAt = testNow.Add(30 * time.Second).Unix() }},
		{"scope missing", signed(hdr, claimsJSON(map[string]any{"scope": nil})), 0, func(c *Claims) { c.Scope = "" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := *f.verifier
			v.Leeway = c.leeway
			got, err := v.Verify(c.token)
			if err != nil {
				t.Fatal(err)
			}
			want := validClaims()
			if c.want != nil {
				c.want(&want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("claims = %+v, want %+v", got, want)
			}
		})
	}
}

func TestVerifyLeewayBounds(t *testing.T) {
	f := newFixture(t)
	hdr := hdrJSON("ES256", f.kid, "at+jwt")
	cases := []struct {
		name   string
		edit   map[string]any
		leeway time.Duration
		want   error
	}{
		{"exp at leeway edge", map[string]any{"exp": testNow.Add(-30 * time.Second).Unix()}, 30 * time.Second, ErrExpired},
		{"exp just inside leeway", map[string]any{"exp": testNow.Add(-29 * time.Second).Unix()}, 30 * time.Second, nil},
		{"nbf past leeway", map[string]any{"nbf": testNow.Add(31 * time.Second).Unix()}, 30 * time.Second, ErrNotYetValid},
		{"iat past leeway", map[string]any{"iat": testNow.Add(31 * time.Second).Unix()}, 30 * time.Second, ErrNotYetValid},
		{"negative leeway is zero", map[string]any{"exp": testNow.Add(time.Second).Unix()}, -time.Hour, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := *f.verifier
			v.Leeway = c.leeway
			_, err := v.Verify(signJSON(f.key, hdr, claimsJSON(c.edit)))
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestVerifyFollowsClock(t *testing.T) {
	f := newFixture(t)
	tok := issue(t, f.signer, validClaims())
	clk := clock.NewFake(testNow)
	v := *f.verifier
	v.Clock = clk
	if _, err := v.Verify(tok); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if _, err := v.Verify(tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("after an hour: %v, want ErrExpired", err)
	}
	v.Clock = nil // the real clock: 2030's token is not yet issued
	if _, err := v.Verify(tok); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("real clock: %v, want ErrNotYetValid", err)
	}
}

func TestVerifierNotConfigured(t *testing.T) {
	f := newFixture(t)
	tok := issue(t, f.signer, validClaims())
	for name, v := range map[string]*Verifier{
		"nil":         nil,
		"no keys":     {Issuer: testIssuer, Audience: testAudience},
		"no issuer":   {Keys: f.ring, Audience: testAudience},
		"no audience": {Keys: f.ring, Issuer: testIssuer},
		"empty ring":  newVerifier(NewKeyring()),
	} {
		if _, err := v.Verify(tok); err == nil {
			t.Errorf("%s: Verify accepted", name)
		}
	}
}

func TestIssueRejects(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	edit := func(fn func(*Claims)) Claims { c := validClaims(); fn(&c); return c }
	cases := []struct {
		name   string
		signer Signer
		claims Claims
	}{
		{"nil signer", nil, validClaims()},
		{"nil key", NewLocalSigner(nil), validClaims()},
		{"P-384 key", NewLocalSigner(mustKey(t, elliptic.P384())), validClaims()},
		{"no issuer", f.signer, edit(func(c *Claims) { c.Issuer = "" })},
		{"no subject", f.signer, edit(func(c *Claims) { c.Subject = "" })},
		{"no audience", f.signer, edit(func(c *Claims) { c.Audience = "" })},
		{"no jti", f.signer, edit(func(c *Claims) { c.ID = "" })},
		{"no sid", f.signer, edit(func(c *Claims) { c.SessionID = "" })},
		{"no exp", f.signer, edit(func(c *Claims) { c.ExpiresAt = 0 })},
		{"no iat", f.signer, edit(func(c *Claims) { c.IssuedAt = 0 })},
		{"exp before iat", f.signer, edit(func(c *Claims) { c.ExpiresAt = c.IssuedAt - 1 })},
		{"exp before nbf", f.signer, edit(func(c *Claims) { c.NotBefore = c.ExpiresAt + 1 })},
		{"negative nbf", f.signer, edit(func(c *Claims) { c.NotBefore = -1 })},
		{"exp too far", f.signer, edit(func(c *Claims) { c.ExpiresAt = 1e15 })},
		{"empty cnf", f.signer, edit(func(c *Claims) { c.Confirmation = &Confirmation{} })},
		{"cnf with x5t#S256 and jkt", f.signer, edit(func(c *Claims) { c.Confirmation = &Confirmation{X5tS256: testX5t, JKT: testX5t} })},
		{"over 4096 bytes", f.signer, edit(func(c *Claims) { c.Scope = strings.Repeat("s ", 1500) })},
		{"short signature", shortSigner{f.signer}, validClaims()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if tok, err := Issue(ctx, c.signer, c.claims); err == nil {
				t.Fatalf("Issue = %q, want an error", tok)
			}
		})
	}
}

type shortSigner struct{ Signer }

func (s shortSigner) Sign(ctx context.Context, in []byte) ([]byte, error) {
	sig, err := s.Signer.Sign(ctx, in)
	return sig[:63], err
}

func mustKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyringJWKS(t *testing.T) {
	f := newFixture(t)
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	dec := json.NewDecoder(strings.NewReader(string(f.ring.JWKS())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("%d keys, want 2", len(set.Keys))
	}
	for i, want := range []*ecdsa.PrivateKey{f.key, f.prev} {
		k := set.Keys[i]
		if len(k) != 7 || k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" {
			t.Fatalf("key %d = %v", i, k)
		}
		pt, _ := want.PublicKey.Bytes()
		if k["x"] != encB(pt[1:33]) || k["y"] != encB(pt[33:]) || k["kid"] != NewLocalSigner(want).KeyID() {
			t.Fatalf("key %d = %v does not match", i, k)
		}
		if got, ok := f.ring.Key(k["kid"]); !ok || !got.Equal(&want.PublicKey) {
			t.Fatalf("Key(%s) = %v, %v", k["kid"], got, ok)
		}
	}
	if string(f.ring.JWKS()) != string(NewKeyring(&f.key.PublicKey, &f.prev.PublicKey, &f.key.PublicKey).JWKS()) {
		t.Fatal("JWKS differs for the same keys (order or duplicates)")
	}
	if j := f.ring.JWKS(); true {
		j[0] = 'x' // callers cannot change the ring's copy
		if f.ring.JWKS()[0] != '{' {
			t.Fatal("JWKS returned the ring's own buffer")
		}
	}
	if got := string(NewKeyring().JWKS()); got != `{"keys":[]}` {
		t.Fatalf("empty JWKS = %s", got)
	}
	if got := f.ring.KeyIDs(); len(got) != 2 || got[0] != f.kid || got[1] != f.prevKid {
		t.Fatalf("KeyIDs = %v", got)
	}
}

// RFC 7638's own example is RSA; this is the EC key of RFC 7517 appendix A.1
// with its published RFC 7638 thumbprint (jwx checks ours independently too).
func TestThumbprintVector(t *testing.T) {
	x, _ := b64.Strict().DecodeString("MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4")
	y, _ := b64.Strict().DecodeString("4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM")
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	kid, _, _, err := thumbprint(pub)
	if err != nil {
		t.Fatal(err)
	}
	if want := "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s"; kid != want {
		t.Fatalf("thumbprint = %s, want %s", kid, want)
	}
}

func TestNewKeyringPanicsOnBadKey(t *testing.T) {
	for name, k := range map[string]*ecdsa.PublicKey{
		"nil":   nil,
		"P-384": &mustKey(t, elliptic.P384()).PublicKey,
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			NewKeyring(k)
		}()
	}
}

func TestKeyLookupHostile(t *testing.T) {
	f := newFixture(t)
	var nilRing *Keyring
	for _, kid := range []string{"", "../../x", "' OR 1=1", strings.Repeat("a", 1<<16), f.kid + "x", f.kid[:42], "\x00"} {
		if _, ok := f.ring.Key(kid); ok {
			t.Errorf("Key(%.20q) found", kid)
		}
		if _, ok := nilRing.Key(kid); ok {
			t.Errorf("nil ring Key(%.20q) found", kid)
		}
	}
}

// Rejecting hostile input must be cheap: no allocation before the header is
// decoded; after it, no more than a bare golang-jwt parse of the same token.
func TestVerifyAllocations(t *testing.T) {
	f := newFixture(t)
	tok := issue(t, f.signer, validClaims())
	h, p, _ := split3(t, tok)
	badSig := h + "." + p + "." + encB(make([]byte, 64))
	parse := golangJWTParse(f)
	library := func(tok string) float64 { return testing.AllocsPerRun(50, func() { _ = parse(tok) }) }
	cases := []struct {
		name  string
		token string
		max   float64
	}{
		{"10 KB", strings.Repeat("A", 10<<10), 0},
		{"4096 bytes of junk", strings.Repeat("A", MaxTokenLen), 0},
		{"4096 bytes of dots", strings.Repeat(".", MaxTokenLen), 0},
		{"bad alphabet", strings.Repeat("A", 100) + "." + "+", 0},
		{"bad signature", badSig, library(badSig)},
		{"valid", tok, library(tok)},
	}
	for _, c := range cases {
		n := testing.AllocsPerRun(50, func() { _, _ = f.verifier.Verify(c.token) })
		if n > c.max {
			t.Errorf("%s: %v allocations, want at most %v", c.name, n, c.max)
		}
		t.Logf("%s: %v allocations", c.name, n)
	}
}
