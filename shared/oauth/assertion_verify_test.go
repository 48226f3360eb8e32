package oauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
)

var sentinels = []error{ErrAssertionMalformed, ErrAssertionAlgorithm, ErrAssertionSignature, ErrAssertionExpired, ErrAssertionClaims}

// checkRefusal: err is want (and no other sentinel), no claims come back,
// and the error text holds no part of the token.
func checkRefusal(t *testing.T, token string, c AssertionClaims, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("error %v is also %v", err, s)
		}
	}
	if c != (AssertionClaims{}) {
		t.Fatalf("refused assertion returned %+v", c)
	}
	checkErrorText(t, err, token)
	t.Log(err)
}

func checkErrorText(t testing.TB, err error, token string) {
	t.Helper()
	msg := err.Error()
	for _, part := range strings.FieldsFunc(token, func(r rune) bool { return r == '.' }) {
		for i := 0; i+10 <= len(part); i += 5 {
			if strings.Contains(msg, part[i:i+10]) {
				t.Fatalf("error text %q quotes the token", msg)
			}
		}
	}
}

// Every algorithm against every key type: only the pinned ones verify.
func TestAlgorithmMatrix(t *testing.T) {
	ps := parties()
	v := newVerifier()
	algs := []string{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
		"RS384", "RS512", "PS384", "PS512", "HS256", "none"}
	for _, kt := range keyTypes {
		p := ps[kt]
		for _, alg := range algs {
			t.Run(kt+"/"+alg, func(t *testing.T) {
				tok := signAs(t, p, alg, claimsJSON(nil))
				c, err := v.Verify(tok, p.cert)
				if slices.Contains(p.algs, alg) {
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					want := AssertionClaims{Issuer: testUser, Subject: testUser, ID: "4f1c1e2a-d8f4-4c0a-9d7e-2a1b3c4d5e6f",
						ExpiresAt: testNow.Add(4 * time.Minute), IssuedAt: testNow}
					if c != want {
						t.Fatalf("claims %+v, want %+v", c, want)
					}
					if x5t, err := AssertionThumbprint(tok); err != nil || x5t != p.cert.X5tS256 {
						t.Fatalf("AssertionThumbprint = %q, %v", x5t, err)
					}
					return
				}
				checkRefusal(t, tok, c, err, ErrAssertionAlgorithm)
			})
		}
	}
}

// The same token checked against another key type's certificate with its
// own x5t#S256: the algorithm no longer suits.
func TestAlgorithmOfAnotherKeyType(t *testing.T) {
	ps := parties()
	v := newVerifier()
	for _, signer := range keyTypes {
		for _, holder := range keyTypes {
			if signer == holder || (signer == "P-256" && holder == "P-256 attacker") {
				continue
			}
			p, q := ps[signer], ps[holder]
			tok := signJWS(t, p.algs[0], p.key, hdrJSON(p.algs[0], q.cert.X5tS256), claimsJSON(nil))
			c, err := v.Verify(tok, q.cert)
			t.Run(signer+" token, "+holder+" certificate", func(t *testing.T) {
				checkRefusal(t, tok, c, err, ErrAssertionAlgorithm)
			})
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	k := newRefusalKit(t)
	cases := slices.Concat(
		shapeRefusals(k),
		headerRefusals(k),
		algorithmRefusals(k),
		signatureRefusals(k),
		claimsJSONRefusals(k),
		claimsRefusals(k),
	)
	v := newVerifier()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := v.Verify(c.token, k.p.cert)
			checkRefusal(t, c.token, got, err, c.want)
		})
	}
}

// refusalCase is an assertion Verify must refuse with want.
type refusalCase struct {
	name  string
	token string
	want  error
}

// refusalKit is what the refusal tables forge from: the P-256 party and a
// valid assertion of it.
type refusalKit struct {
	t      testing.TB
	ps     map[string]*party
	p      *party // the P-256 party, whose certificate Verify is given
	x5t    string
	valid  string
	parts  []string // valid's segments
	sig    []byte   // valid's decoded signature
	future int64    // a minute after testNow, in Unix seconds
}

func newRefusalKit(t testing.TB) *refusalKit {
	t.Helper()
	ps := parties()
	p := ps["P-256"]
	k := &refusalKit{t: t, ps: ps, p: p, x5t: p.cert.X5tS256, future: testNow.Unix() + 60}
	k.valid = k.withClaims(nil)
	k.parts = strings.Split(k.valid, ".")
	k.sig, _ = base64.RawURLEncoding.DecodeString(k.parts[2])
	return k
}

// withClaims is a valid assertion with edit applied to the claims.
func (k *refusalKit) withClaims(edit map[string]any) string { return k.p.assertion(k.t, edit) }

// withHeader is the usual claims signed under header JSON hdr.
func (k *refusalKit) withHeader(hdr string) string { return k.p.signed(k.t, hdr, claimsJSON(nil)) }

// withRawClaims is claims JSON text payload signed under the usual header.
func (k *refusalKit) withRawClaims(payload string) string {
	return k.p.signed(k.t, hdrJSON("ES256", k.x5t), payload)
}

// shapeRefusals: tokens that are no three canonical base64url segments, too
// long, or whose header is no JSON object.
func shapeRefusals(k *refusalKit) []refusalCase {
	valid, parts, withClaims := k.valid, k.parts, k.withClaims
	return []refusalCase{
		{"empty", "", ErrAssertionMalformed},
		{"two segments", parts[0] + "." + parts[1], ErrAssertionMalformed},
		{"four segments", valid + ".", ErrAssertionMalformed},
		{"padding", parts[0] + "=." + parts[1] + "." + parts[2], ErrAssertionMalformed},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/", ErrAssertionMalformed},
		{"newline inside", parts[0] + "\n." + parts[1] + "." + parts[2], ErrAssertionMalformed},
		{"space around", " " + valid, ErrAssertionMalformed},
		{"non-zero trailing bits", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + "B", ErrAssertionMalformed},
		{"longer than 8 KiB", withClaims(map[string]any{"pad": strings.Repeat("x", MaxAssertionLen)}), ErrAssertionMalformed},
		{"empty header", "." + parts[1] + "." + parts[2], ErrAssertionMalformed},
		{"header not JSON", enc("alg=ES256") + "." + parts[1] + "." + parts[2], ErrAssertionMalformed},
		{"header JSON array", enc(`["ES256"]`) + "." + parts[1] + "." + parts[2], ErrAssertionMalformed},
	}
}

// headerRefusals: header members outside the allow-list, duplicated, missing
// or of the wrong type.
func headerRefusals(k *refusalKit) []refusalCase {
	p, x5t, withHeader := k.p, k.x5t, k.withHeader
	return []refusalCase{
		{"jku", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","jku":"https://evil.example/jwks"}`), ErrAssertionMalformed},
		{"x5u", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","x5u":"https://evil.example/cert"}`), ErrAssertionMalformed},
		{"jwk", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","jwk":{"kty":"EC"}}`), ErrAssertionMalformed},
		{"x5c", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","x5c":["MIIB"]}`), ErrAssertionMalformed},
		{"crit", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","crit":["exp"]}`), ErrAssertionMalformed},
		{"x5t (SHA-1)", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","x5t":"AAAA"}`), ErrAssertionMalformed},
		{"cty", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","cty":"JWT"}`), ErrAssertionMalformed},
		{"zip", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","zip":"DEF"}`), ErrAssertionMalformed},
		{"duplicate alg", withHeader(`{"alg":"ES256","alg":"none","x5t#S256":"` + x5t + `"}`), ErrAssertionMalformed},
		{"duplicate alg, escaped", withHeader(`{"alg":"ES256","al\u0067":"ES256","x5t#S256":"` + x5t + `"}`), ErrAssertionMalformed},
		{"duplicate x5t#S256", withHeader(`{"alg":"ES256","x5t#S256":"` + x5t + `","x5t#S256":"` + x5t + `"}`), ErrAssertionMalformed},
		{"no alg", withHeader(`{"x5t#S256":"` + x5t + `"}`), ErrAssertionMalformed},
		{"alg not a string", withHeader(`{"alg":null,"x5t#S256":"` + x5t + `"}`), ErrAssertionMalformed},
		{"no x5t#S256", withHeader(`{"alg":"ES256","typ":"JWT","kid":"k"}`), ErrAssertionMalformed},
		{"x5t#S256 not a string", withHeader(`{"alg":"ES256","x5t#S256":["` + x5t + `"]}`), ErrAssertionMalformed},
		{"x5t#S256 too short", withHeader(hdrJSON("ES256", x5t[:42])), ErrAssertionMalformed},
		{"x5t#S256 hex", withHeader(hdrJSON("ES256", p.cert.Thumbprint)), ErrAssertionMalformed},
		{"x5t#S256 padded", withHeader(hdrJSON("ES256", x5t+"=")), ErrAssertionMalformed},
		{"typ at+jwt", withHeader(`{"alg":"ES256","typ":"at+jwt","x5t#S256":"` + x5t + `"}`), ErrAssertionMalformed},
		{"typ empty", withHeader(`{"alg":"ES256","typ":"","x5t#S256":"` + x5t + `"}`), ErrAssertionMalformed},
		{"header with trailing data", withHeader(hdrJSON("ES256", x5t) + "x"), ErrAssertionMalformed},
	}
}

// algorithmRefusals: alg none, and algorithms the key does not take.
func algorithmRefusals(k *refusalKit) []refusalCase {
	t, p, x5t, parts, withHeader := k.t, k.p, k.x5t, k.parts, k.withHeader
	return []refusalCase{
		{"alg none", signJWS(t, "none", nil, hdrJSON("none", x5t), claimsJSON(nil)), ErrAssertionAlgorithm},
		{"alg NONE", signJWS(t, "none", nil, `{"alg":"NONE","x5t#S256":"`+x5t+`"}`, claimsJSON(nil)), ErrAssertionAlgorithm},
		{"alg none with a signature", parts[0][:0] + enc(hdrJSON("none", x5t)) + "." + parts[1] + "." + parts[2], ErrAssertionAlgorithm},
		{"alg HS256 keyed with the certificate", signJWS(t, "HS256", p.cert.DER, hdrJSON("HS256", x5t), claimsJSON(nil)), ErrAssertionAlgorithm},
		{"alg es256 (case)", withHeader(hdrJSON("es256", x5t)), ErrAssertionAlgorithm},
		{"alg empty", withHeader(hdrJSON("", x5t)), ErrAssertionAlgorithm},
	}
}

// signatureRefusals: another key's signatures, and signatures that are
// changed, cut, padded or out of range.
func signatureRefusals(k *refusalKit) []refusalCase {
	t, ps, p, x5t, parts, sig := k.t, k.ps, k.p, k.x5t, k.parts, k.sig
	flipped := append([]byte{}, sig...)
	flipped[10] ^= 1
	zeroRS := make([]byte, 64)
	n := elliptic.P256().Params().N.FillBytes(make([]byte, 32))
	rEqualsN := append(append([]byte{}, n...), sig[32:]...)
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return []refusalCase{
		{"x5t#S256 of another certificate", signJWS(t, "ES256", p.key, hdrJSON("ES256", ps["P-256 attacker"].cert.X5tS256), claimsJSON(nil)), ErrAssertionSignature},
		{"attacker's key, victim's x5t#S256", signJWS(t, "ES256", ps["P-256 attacker"].key, hdrJSON("ES256", x5t), claimsJSON(nil)), ErrAssertionSignature},
		{"another key, right x5t#S256", signJWS(t, "ES256", otherKey, hdrJSON("ES256", x5t), claimsJSON(nil)), ErrAssertionSignature},
		{"flipped signature bit", parts[0] + "." + parts[1] + "." + encB(flipped), ErrAssertionSignature},
		{"changed claims", parts[0] + "." + enc(claimsJSON(map[string]any{"sub": "usr_admin", "iss": "usr_admin"})) + "." + parts[2], ErrAssertionSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", ErrAssertionSignature},
		{"signature too short", parts[0] + "." + parts[1] + "." + encB(sig[:63]), ErrAssertionSignature},
		{"signature too long", parts[0] + "." + parts[1] + "." + encB(append(append([]byte{}, sig...), 0)), ErrAssertionSignature},
		{"ASN.1 DER signature", parts[0] + "." + parts[1] + "." + encB(append([]byte{0x30, 0x44, 0x02, 0x20}, sig[:60]...)), ErrAssertionSignature},
		{"r = s = 0", parts[0] + "." + parts[1] + "." + encB(zeroRS), ErrAssertionSignature},
		{"r = N", parts[0] + "." + parts[1] + "." + encB(rEqualsN), ErrAssertionSignature},
	}
}

// claimsJSONRefusals: claims that are no single well-formed JSON object.
func claimsJSONRefusals(k *refusalKit) []refusalCase {
	future, withClaims, withRawClaims := k.future, k.withClaims, k.withRawClaims
	return []refusalCase{
		{"claims not JSON", withRawClaims("iss=usr"), ErrAssertionMalformed},
		{"claims array", withRawClaims(`[]`), ErrAssertionMalformed},
		{"claims null", withRawClaims(`null`), ErrAssertionMalformed},
		{"duplicate sub", withRawClaims(`{"iss":"u","sub":"u","sub":"v","aud":"` + testEndpoint + `","exp":` + fmt.Sprint(future) + `,"jti":"j"}`), ErrAssertionMalformed},
		{"duplicate unknown claim", withRawClaims(strings.TrimSuffix(claimsJSON(nil), "}") + `,"x":1,"x":2}`), ErrAssertionMalformed},
		{"duplicate nested member", withRawClaims(strings.TrimSuffix(claimsJSON(nil), "}") + `,"x":{"a":1,"b":[{"c":1,"c":2}]}}`), ErrAssertionMalformed},
		{"nested too deeply", withClaims(map[string]any{"x": nest(maxDepth)}), ErrAssertionMalformed},
		{"trailing comma", withRawClaims(strings.TrimSuffix(claimsJSON(nil), "}") + `,}`), ErrAssertionMalformed},
		{"trailing data", withRawClaims(claimsJSON(nil) + `{}`), ErrAssertionMalformed},
		{"invalid UTF-8", withRawClaims(strings.TrimSuffix(claimsJSON(nil), "}") + `,"x":"` + "\xff" + `"}`), ErrAssertionMalformed},
		{"lone surrogate", withRawClaims(strings.TrimSuffix(claimsJSON(nil), "}") + `,"x":"\ud800"}`), ErrAssertionMalformed},
		{"bad number", withRawClaims(strings.TrimSuffix(claimsJSON(nil), "}") + `,"x":01}`), ErrAssertionMalformed},
	}
}

// claimsRefusals: iss, sub, aud, jti, exp, iat and nbf that are missing,
// wrong or of the wrong type, and assertions that have expired.
func claimsRefusals(k *refusalKit) []refusalCase {
	future, withClaims, withRawClaims := k.future, k.withClaims, k.withRawClaims
	return []refusalCase{
		// AssertionClaims.
		{"iss != sub", withClaims(map[string]any{"iss": "usr_other"}), ErrAssertionClaims},
		{"iss missing", withClaims(map[string]any{"iss": nil}), ErrAssertionClaims},
		{"sub missing", withClaims(map[string]any{"sub": nil}), ErrAssertionClaims},
		{"iss and sub empty", withClaims(map[string]any{"iss": "", "sub": ""}), ErrAssertionClaims},
		{"sub a number", withClaims(map[string]any{"sub": 1}), ErrAssertionClaims},
		{"aud missing", withClaims(map[string]any{"aud": nil}), ErrAssertionClaims},
		{"aud another server", withClaims(map[string]any{"aud": "https://other.example"}), ErrAssertionClaims},
		{"aud issuer with a trailing slash", withClaims(map[string]any{"aud": testIssuer + "/"}), ErrAssertionClaims},
		{"aud as an array of two", withClaims(map[string]any{"aud": []string{testIssuer, testEndpoint}}), ErrAssertionClaims},
		{"aud as an array of two, the same", withClaims(map[string]any{"aud": []string{testIssuer, testIssuer}}), ErrAssertionClaims},
		{"aud as an array with another", withClaims(map[string]any{"aud": []string{testEndpoint, "https://other.example"}}), ErrAssertionClaims},
		{"aud as an empty array", withClaims(map[string]any{"aud": []string{}}), ErrAssertionClaims},
		{"aud a number", withClaims(map[string]any{"aud": 1}), ErrAssertionClaims},
		{"aud array of a number", withClaims(map[string]any{"aud": []int{1}}), ErrAssertionClaims},
		{"jti missing", withClaims(map[string]any{"jti": nil}), ErrAssertionClaims},
		{"jti empty", withClaims(map[string]any{"jti": ""}), ErrAssertionClaims},
		{"jti a number", withClaims(map[string]any{"jti": 7}), ErrAssertionClaims},
		{"jti too long", withClaims(map[string]any{"jti": strings.Repeat("j", MaxAssertionIDLen+1)}), ErrAssertionClaims},
		{"exp missing", withClaims(map[string]any{"exp": nil}), ErrAssertionClaims},
		{"exp a string", withClaims(map[string]any{"exp": fmt.Sprint(future)}), ErrAssertionClaims},
		{"exp negative", withClaims(map[string]any{"exp": -1}), ErrAssertionClaims},
		{"exp huge", withRawClaims(strings.Replace(claimsJSON(nil), fmt.Sprint(testNow.Add(4*time.Minute).Unix()), "1e300", 1)), ErrAssertionClaims},
		{"exp more than 5 minutes ahead", withClaims(map[string]any{"exp": testNow.Add(5*time.Minute + time.Second).Unix()}), ErrAssertionClaims},
		{"exp a day ahead", withClaims(map[string]any{"exp": testNow.Add(24 * time.Hour).Unix()}), ErrAssertionClaims},
		{"iat in the future", withClaims(map[string]any{"iat": future}), ErrAssertionClaims},
		{"iat a string", withClaims(map[string]any{"iat": "now"}), ErrAssertionClaims},
		{"nbf in the future", withClaims(map[string]any{"nbf": future}), ErrAssertionClaims},

		// Time.
		{"exp now", withClaims(map[string]any{"exp": testNow.Unix()}), ErrAssertionExpired},
		{"exp passed", withClaims(map[string]any{"exp": testNow.Add(-time.Minute).Unix(), "iat": testNow.Add(-2 * time.Minute).Unix()}), ErrAssertionExpired},
	}
}

// nest returns depth nested arrays.
func nest(depth int) any {
	var v any = 1
	for range depth {
		v = []any{v}
	}
	return v
}

func TestVerifyAccepts(t *testing.T) {
	p := parties()["P-256"]
	x5t := p.cert.X5tS256
	withClaims := func(edit map[string]any) string { return p.assertion(t, edit) }
	withHeader := func(hdr string) string { return p.signed(t, hdr, claimsJSON(nil)) }
	expAt := func(t time.Time) func(*AssertionClaims) { return func(c *AssertionClaims) { c.ExpiresAt = t } }
	cases := []struct {
		name   string
		token  string
		leeway time.Duration
		want   func(*AssertionClaims) // changes to the usual claims
	}{
		{name: "aud is the token endpoint", token: withClaims(nil)},
		{name: "aud is the issuer", token: withClaims(map[string]any{"aud": testIssuer})},
		{name: "aud is an array of one", token: withClaims(map[string]any{"aud": []string{testIssuer}})},
		{name: "no typ, kid ignored", token: withHeader(`{"kid":"whatever","alg":"ES256","x5t#S256":"` + x5t + `"}`)},
		{name: "typ jwt", token: withHeader(`{"alg":"ES256","typ":"jwt","x5t#S256":"` + x5t + `"}`)},
		{name: "typ application/JWT", token: withHeader(`{"alg":"ES256","typ":"application/JWT","x5t#S256":"` + x5t + `"}`)},
		{name: "escaped header names", token: withHeader(`{"\u0061lg":"ES256","x5t\u0023S256":"` + x5t + `"}`)},
		{name: "exp exactly 5 minutes ahead", token: withClaims(map[string]any{"exp": testNow.Add(5 * time.Minute).Unix()}),
			want: expAt(testNow.Add(5 * time.Minute))},
		{name: "exp 1 s ahead", token: withClaims(map[string]any{"exp": testNow.Add(time.Second).Unix()}),
			want: expAt(testNow.Add(time.Second))},
		{name: "exp with a fraction", token: withClaims(map[string]any{"exp": float64(testNow.Add(4*time.Minute).Unix()) + 0.75})},
		{name: "exp passed, within leeway", token: withClaims(map[string]any{"exp": testNow.Add(-10 * time.Second).Unix()}),
			leeway: 30 * time.Second, want: expAt(testNow.Add(-10 * time.Second))},
		{name: "exp 5 min 20 s ahead, within leeway", token: withClaims(map[string]any{"exp": testNow.Add(5*time.Minute + 20*time.Second).Unix()}),
			leeway: 30 * time.Second, want: expAt(testNow.Add(5*time.Minute + 20*time.Second))},
		{name: "iat absent", token: withClaims(map[string]any{"iat": nil}), want: func(c *AssertionClaims) { c.IssuedAt = time.Time{} }},
		{name: "iat in the future, within leeway", token: withClaims(map[string]any{"iat": testNow.Unix() + 20}), leeway: 30 * time.Second,
			want: func(c *AssertionClaims) { c.IssuedAt = testNow.Add(20 * time.Second) }},
		{name: "iat long ago", token: withClaims(map[string]any{"iat": 1}), want: func(c *AssertionClaims) { c.IssuedAt = time.Unix(1, 0).UTC() }},
		{name: "nbf now", token: withClaims(map[string]any{"nbf": testNow.Unix()})},
		{name: "unknown claims, nested", token: withClaims(map[string]any{"client_id": testUser,
			"x": map[string]any{"a": []any{1.5e3, true, false, nil, "s", map[string]any{}}}, "deep": nest(maxDepth - 1)})},
		{name: "escapes and non-ASCII", token: withClaims(map[string]any{"iss": "usr_é\"\\", "sub": "usr_é\"\\"}),
			want: func(c *AssertionClaims) { c.Issuer, c.Subject = "usr_é\"\\", "usr_é\"\\" }},
		{name: "jti of MaxAssertionIDLen", token: withClaims(map[string]any{"jti": strings.Repeat("j", MaxAssertionIDLen)}),
			want: func(c *AssertionClaims) { c.ID = strings.Repeat("j", MaxAssertionIDLen) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVerifier()
			v.Leeway = c.leeway
			got, err := v.Verify(c.token, p.cert)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := AssertionClaims{Issuer: testUser, Subject: testUser, ID: "4f1c1e2a-d8f4-4c0a-9d7e-2a1b3c4d5e6f",
				ExpiresAt: testNow.Add(4 * time.Minute), IssuedAt: testNow}
			if c.want != nil {
				c.want(&want)
			}
			if got != want {
				t.Fatalf("claims %+v\nwant   %+v", got, want)
			}
		})
	}
}

// The certificate's own validity bounds the assertions made with its key.
func TestCertificateDates(t *testing.T) {
	ps := parties()
	key := ps["P-256"].key
	cases := []struct {
		name                string
		notBefore, notAfter time.Time
		leeway              time.Duration
		want                error
	}{
		{"valid", testNow.Add(-time.Hour), testNow.Add(time.Hour), 0, nil},
		{"expired", testNow.Add(-2 * time.Hour), testNow.Add(-time.Second), 0, ErrAssertionExpired},
		{"expired, within leeway", testNow.Add(-2 * time.Hour), testNow.Add(-time.Second), time.Minute, nil},
		{"not yet valid", testNow.Add(time.Minute), testNow.Add(time.Hour), 0, ErrAssertionExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cert := bind(key, c.notBefore, c.notAfter)
			tok := signJWS(t, "ES256", key, hdrJSON("ES256", cert.X5tS256), claimsJSON(nil))
			v := newVerifier()
			v.Leeway = c.leeway
			got, err := v.Verify(tok, cert)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkRefusal(t, tok, got, err, c.want)
		})
	}
}

// A Certificate that certbind did not produce, or a AssertionVerifier left
// unconfigured, is an error, never an acceptance.
func TestMisuse(t *testing.T) {
	ps := parties()
	p := ps["P-256"]
	tok := p.assertion(t, nil)
	wrongX5t := p.cert
	wrongX5t.X5tS256 = ps["P-384"].cert.X5tS256
	swappedDER := p.cert
	swappedDER.DER = ps["P-256 attacker"].cert.DER
	certs := map[string]certbind.Certificate{
		"zero certificate":        {},
		"X5tS256 not of the DER":  wrongX5t,
		"DER of another key":      swappedDER,
		"X5tS256 only":            {X5tS256: p.cert.X5tS256},
		"DER that does not parse": {DER: []byte("x"), X5tS256: encB(sha256Of([]byte("x")))},
	}
	for name, cert := range certs {
		c, err := newVerifier().Verify(tok, cert)
		if err == nil || c != (AssertionClaims{}) {
			t.Errorf("%s: accepted", name)
		}
	}
	verifiers := map[string]*AssertionVerifier{
		"nil":                nil,
		"no audiences":       {MaxLifetime: time.Minute},
		"empty audience":     {Audiences: []string{""}},
		"negative lifetime":  {Audiences: []string{testEndpoint}, MaxLifetime: -1},
		"one empty audience": {Audiences: []string{testEndpoint, ""}},
	}
	for name, v := range verifiers {
		c, err := v.Verify(tok, p.cert)
		if err == nil || c != (AssertionClaims{}) {
			t.Errorf("%s verifier accepted", name)
		}
		for _, s := range sentinels {
			if errors.Is(err, s) {
				t.Errorf("%s verifier: configuration error %v is a sentinel", name, err)
			}
		}
	}
	// Zero MaxLifetime means 5 minutes; Clock nil means the real clock.
	v := &AssertionVerifier{Audiences: []string{testEndpoint}, Clock: clock.NewFake(testNow)}
	if _, err := v.Verify(tok, p.cert); err != nil {
		t.Fatalf("zero MaxLifetime: %v", err)
	}
	far := p.assertion(t, map[string]any{"exp": testNow.Add(6 * time.Minute).Unix()})
	if _, err := v.Verify(far, p.cert); !errors.Is(err, ErrAssertionClaims) {
		t.Fatalf("zero MaxLifetime allowed 6 minutes: %v", err)
	}
	now := time.Now()
	cert := bind(p.key, now.Add(-time.Hour), now.Add(time.Hour))
	live := signJWS(t, "ES256", p.key, hdrJSON("ES256", cert.X5tS256), claimsJSON(map[string]any{"exp": now.Add(time.Minute).Unix(), "iat": nil}))
	realClock := &AssertionVerifier{Audiences: []string{testEndpoint}}
	if _, err := realClock.Verify(live, cert); err != nil {
		t.Fatalf("real clock: %v", err)
	}

}

func TestThumbprint(t *testing.T) {
	ps := parties()
	p := ps["Ed25519"]
	tok := p.assertion(t, nil)
	if got, err := AssertionThumbprint(tok); err != nil || got != p.cert.X5tS256 {
		t.Fatalf("AssertionThumbprint = %q, %v", got, err)
	}
	// Not verified: a wrong signature or expired claims still give it.
	parts := strings.Split(tok, ".")
	for _, s := range []string{parts[0] + "." + parts[1] + ".", parts[0] + "." + enc("{}") + "." + parts[2]} {
		if got, err := AssertionThumbprint(s); err != nil || got != p.cert.X5tS256 {
			t.Fatalf("AssertionThumbprint = %q, %v", got, err)
		}
	}
	for name, s := range map[string]string{
		"empty":          "",
		"two segments":   parts[0] + "." + parts[1],
		"no x5t#S256":    enc(`{"alg":"EdDSA"}`) + "." + parts[1] + "." + parts[2],
		"short x5t#S256": enc(hdrJSON("EdDSA", "abc")) + "." + parts[1] + "." + parts[2],
		"jwk in header":  enc(`{"alg":"EdDSA","x5t#S256":"`+p.cert.X5tS256+`","jwk":{}}`) + "." + parts[1] + "." + parts[2],
		"bad payload":    parts[0] + ".***." + parts[2],
		"too long":       tok + strings.Repeat("A", MaxAssertionLen),
	} {
		got, err := AssertionThumbprint(s)
		if !errors.Is(err, ErrAssertionMalformed) || got != "" {
			t.Errorf("%s: AssertionThumbprint = %q, %v", name, got, err)
		}
		if err != nil {
			checkErrorText(t, err, s)
		}
	}
}
