package accesstoken

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

type attackCase struct {
	name  string
	token string
	want  error
}

// attackCases are tokens Verify must reject with want; they also seed FuzzVerify.
func attackCases(tb testing.TB, f *fixture) []attackCase {
	tb.Helper()
	k := newAttackKit(tb, f)
	return slices.Concat(
		algAttacks(tb, k),
		signatureAttacks(k),
		headerAttacks(tb, k),
		typAndKidAttacks(k),
		claimsAttacks(k),
		encodingAttacks(tb, k),
	)
}

// attackKit is what the attack tables forge from: a valid token of the
// current key, its JSON texts and its three segments.
type attackKit struct {
	f            *fixture
	hdr, payload string // JSON texts of valid's header and claims
	valid        string
	h, p, s      string // valid's segments
	sig          []byte // valid's decoded signature
}

func newAttackKit(tb testing.TB, f *fixture) *attackKit {
	tb.Helper()
	k := &attackKit{f: f, hdr: hdrJSON("ES256", f.kid, "at+jwt"), payload: claimsJSON(nil)}
	k.valid = k.signed(k.hdr, k.payload)
	k.h, k.p, k.s = split3(tb, k.valid)
	sig, err := base64.RawURLEncoding.DecodeString(k.s)
	if err != nil {
		tb.Fatal(err)
	}
	k.sig = sig
	return k
}

// signed signs header and payload JSON text with the current key.
func (k *attackKit) signed(hdr, payload string) string { return signJSON(k.f.key, hdr, payload) }

// withClaims is the valid header over validClaims with edit applied.
func (k *attackKit) withClaims(edit map[string]any) string {
	return k.signed(k.hdr, claimsJSON(edit))
}

// withSig is the valid header and payload with sig as signature.
func (k *attackKit) withSig(sig []byte) string { return k.h + "." + k.p + "." + encB(sig) }

// claimsText is the valid payload with a raw member appended.
func (k *attackKit) claimsText(extra string) string {
	return strings.TrimSuffix(k.payload, "}") + "," + extra + "}"
}

// algAttacks: algorithms other than ES256, and alg values that are no algorithm.
func algAttacks(tb testing.TB, k *attackKit) []attackCase {
	tb.Helper()
	f, p, s, payload, signed := k.f, k.p, k.s, k.payload, k.signed
	// Our public key as an HMAC secret (the RS256/HS256 confusion attack).
	pubDER, err := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubPoint, _ := f.key.PublicKey.Bytes()
	return []attackCase{
		{"alg none with signature", enc(hdrJSON("none", f.kid, "at+jwt")) + "." + p + "." + s, ErrAlgorithm},
		{"alg none without signature", enc(hdrJSON("none", f.kid, "at+jwt")) + "." + p + ".", ErrAlgorithm},
		{"alg None without signature", enc(hdrJSON("None", f.kid, "at+jwt")) + "." + p + ".", ErrAlgorithm},
		{"alg NONE bare header", enc(`{"alg":"NONE"}`) + "." + p + ".", ErrAlgorithm},
		{"alg none typ JWT", enc(`{"alg":"none","typ":"JWT"}`) + "." + p + "." + s, ErrAlgorithm},
		{"alg missing", enc(`{"kid":"`+f.kid+`","typ":"at+jwt"}`) + "." + p + "." + s, ErrAlgorithm},
		{"alg empty", signed(hdrJSON("", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"HS256 keyed with public key PEM", hmacJSON(pubPEM, hdrJSON("HS256", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"HS256 keyed with uncompressed point", hmacJSON(pubPoint, hdrJSON("HS256", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"HS256 keyed with JWKS", hmacJSON(f.ring.JWKS(), hdrJSON("HS256", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"RS256", signed(hdrJSON("RS256", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"ES384", signed(hdrJSON("ES384", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"ES512", signed(hdrJSON("ES512", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"EdDSA", signed(hdrJSON("EdDSA", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"PS256", signed(hdrJSON("PS256", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"es256 lower case", signed(hdrJSON("es256", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"ES256 with space", signed(hdrJSON("ES256 ", f.kid, "at+jwt"), payload), ErrAlgorithm},
		{"alg not a string", enc(`{"alg":["ES256"],"kid":"`+f.kid+`","typ":"at+jwt"}`) + "." + p + "." + s, ErrMalformed},
	}
}

// signatureAttacks: signatures that are cut, padded, out of range or another key's.
func signatureAttacks(k *attackKit) []attackCase {
	f, h, p, s, sig, hdr, payload, withSig := k.f, k.h, k.p, k.s, k.sig, k.hdr, k.payload, k.withSig
	rs := func(r, s []byte) []byte {
		out := make([]byte, 64)
		copy(out[32-len(r):32], r)
		copy(out[64-len(s):], s)
		return out
	}
	n := p256N
	nPlus1 := new(big.Int).Add(new(big.Int).SetBytes(n), big.NewInt(1)).FillBytes(make([]byte, 32))
	ff := []byte(strings.Repeat("\xff", 32))
	validS := sig[32:]
	validR := sig[:32]
	return []attackCase{
		{"stripped signature", h + "." + p + ".", ErrSignature},
		{"signature truncated", withSig(sig[:63]), ErrSignature},
		{"signature truncated to r", withSig(sig[:32]), ErrSignature},
		{"signature extended", withSig(append(append([]byte{}, sig...), 0)), ErrSignature},
		{"signature doubled", withSig(append(append([]byte{}, sig...), sig...)), ErrSignature},
		{"signature DER", withSig(append([]byte{0x30, 0x44, 0x02, 0x20}, sig...)), ErrSignature},
		{"r=s=0", withSig(make([]byte, 64)), ErrSignature},
		{"r=0", withSig(rs(nil, validS)), ErrSignature},
		{"s=0", withSig(rs(validR, nil)), ErrSignature},
		{"s=N", withSig(rs(validR, n)), ErrSignature},
		{"r=N", withSig(rs(n, validS)), ErrSignature},
		{"r=s=N", withSig(rs(n, n)), ErrSignature},
		{"r=N+1", withSig(rs(nPlus1, validS)), ErrSignature},
		{"r=s=2^256-1", withSig(rs(ff, ff)), ErrSignature},
		{"r=s=1", withSig(rs([]byte{1}, []byte{1})), ErrSignature},
		{"r and s swapped", withSig(rs(validS, validR)), ErrSignature},
		{"payload changed", h + "." + enc(claimsJSON(map[string]any{"sub": "usr_admin"})) + "." + s, ErrSignature},
		{"header changed", enc(hdrJSON("ES256", f.kid, "application/at+jwt")) + "." + p + "." + s, ErrSignature},
		{"other P-256 key with our kid", signJSON(f.attacker, hdr, payload), ErrSignature},
		{"previous key's signature under current kid", signJSON(f.prev, hdr, payload), ErrSignature},
	}
}

// headerAttacks: header members outside the allow-list (embedded keys are
// never used) and headers that are no single JSON object.
func headerAttacks(tb testing.TB, k *attackKit) []attackCase {
	tb.Helper()
	f, hdr, p, s, payload, signed := k.f, k.hdr, k.p, k.s, k.payload, k.signed
	// Attacker-controlled key material for embedded-key headers.
	attPoint, _ := f.attacker.PublicKey.Bytes()
	attJWK := fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q}`, encB(attPoint[1:33]), encB(attPoint[33:]))
	certDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour),
	}, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"}}, &f.attacker.PublicKey, f.attacker)
	if err != nil {
		tb.Fatal(err)
	}
	withMember := func(kid, member string) string {
		return `{"alg":"ES256","kid":"` + kid + `","typ":"at+jwt",` + member + `}`
	}
	return []attackCase{
		{"jwk header signed by embedded attacker key", signJSON(f.attacker, withMember(f.attKid, `"jwk":`+attJWK), payload), ErrMalformed},
		{"jwk header with our kid", signJSON(f.attacker, withMember(f.kid, `"jwk":`+attJWK), payload), ErrMalformed},
		{"jku header", signJSON(f.attacker, withMember(f.attKid, `"jku":"https://attacker.example/jwks.json"`), payload), ErrMalformed},
		{"x5u header", signJSON(f.attacker, withMember(f.attKid, `"x5u":"https://attacker.example/cert.pem"`), payload), ErrMalformed},
		{"x5c header", signJSON(f.attacker, withMember(f.attKid, `"x5c":["`+base64.StdEncoding.EncodeToString(certDER)+`"]`), payload), ErrMalformed},
		{"x5t#S256 header", signed(withMember(f.kid, `"x5t#S256":"abc"`), payload), ErrMalformed},
		{"crit header", signed(withMember(f.kid, `"crit":["exp"],"exp":1`), payload), ErrMalformed},
		{"crit empty", signed(withMember(f.kid, `"crit":[]`), payload), ErrMalformed},
		{"b64 header", signed(withMember(f.kid, `"b64":false`), payload), ErrMalformed},
		{"zip header", signed(withMember(f.kid, `"zip":"DEF"`), payload), ErrMalformed},
		{"cty header", signed(withMember(f.kid, `"cty":"JWT"`), payload), ErrMalformed},
		{"extra header member", signed(withMember(f.kid, `"foo":"bar"`), payload), ErrMalformed},
		{"ALG upper-case member", signed(`{"ALG":"ES256","kid":"`+f.kid+`","typ":"at+jwt"}`, payload), ErrMalformed},
		{"duplicate alg none then ES256", signed(`{"alg":"none","alg":"ES256","kid":"`+f.kid+`","typ":"at+jwt"}`, payload), ErrMalformed},
		{"duplicate alg ES256 then none", signed(`{"alg":"ES256","kid":"`+f.kid+`","typ":"at+jwt","alg":"none"}`, payload), ErrMalformed},
		{"duplicate alg via escape", signed(`{"alg":"ES256","\u0061lg":"ES256","kid":"`+f.kid+`","typ":"at+jwt"}`, payload), ErrMalformed},
		{"duplicate kid", signed(`{"alg":"ES256","kid":"`+f.attKid+`","kid":"`+f.kid+`","typ":"at+jwt"}`, payload), ErrMalformed},
		{"header is an array", enc(`["ES256"]`) + "." + p + "." + s, ErrMalformed},
		{"header is a string", enc(`"ES256"`) + "." + p + "." + s, ErrMalformed},
		{"header not JSON", enc(`alg=ES256`) + "." + p + "." + s, ErrMalformed},
		{"header trailing data", signed(hdr+"{}", payload), ErrMalformed},
		{"header unterminated", enc(`{"alg":"ES256"`) + "." + p + "." + s, ErrMalformed},
		{"header nested deeply", enc(strings.Repeat(`{"alg":`, 300)) + "." + p + "." + s, ErrMalformed},
		{"header invalid UTF-8", enc("{\"alg\":\"ES256\",\"kid\":\"\xff\",\"typ\":\"at+jwt\"}") + "." + p + "." + s, ErrMalformed},
		{"header lone surrogate", enc(`{"alg":"ES256","kid":"\ud800","typ":"at+jwt"}`) + "." + p + "." + s, ErrMalformed},
	}
}

// typAndKidAttacks: a typ other than at+jwt, and kids the ring does not hold.
func typAndKidAttacks(k *attackKit) []attackCase {
	f, p, s, payload, signed := k.f, k.p, k.s, k.payload, k.signed
	return []attackCase{
		// typ
		{"typ JWT", signed(hdrJSON("ES256", f.kid, "JWT"), payload), ErrClaims},
		{"typ missing", signed(`{"alg":"ES256","kid":"`+f.kid+`"}`, payload), ErrClaims},
		{"typ empty", signed(hdrJSON("ES256", f.kid, ""), payload), ErrClaims},
		{"typ application/jwt", signed(hdrJSON("ES256", f.kid, "application/jwt"), payload), ErrClaims},
		{"typ at+jwt with space", signed(hdrJSON("ES256", f.kid, "at+jwt "), payload), ErrClaims},

		// kid
		{"unknown kid signed by its key", signJSON(f.attacker, hdrJSON("ES256", f.attKid, "at+jwt"), payload), ErrUnknownKey},
		{"kid missing", signed(`{"alg":"ES256","typ":"at+jwt"}`, payload), ErrUnknownKey},
		{"kid empty", signed(hdrJSON("ES256", "", "at+jwt"), payload), ErrUnknownKey},
		{"kid path traversal", signed(hdrJSON("ES256", "../../../../etc/passwd", "at+jwt"), payload), ErrUnknownKey},
		{"kid SQL", signed(hdrJSON("ES256", "' OR 1=1 --", "at+jwt"), payload), ErrUnknownKey},
		{"kid URL", signed(hdrJSON("ES256", "https://attacker.example/key", "at+jwt"), payload), ErrUnknownKey},
		{"kid NUL", signed(hdrJSON("ES256", f.kid[:20]+"\x00"+f.kid[21:], "at+jwt"), payload), ErrUnknownKey},
		{"kid very long", signed(hdrJSON("ES256", strings.Repeat("k", 2000), "at+jwt"), `{}`), ErrUnknownKey},
		{"kid lower-cased", signed(hdrJSON("ES256", strings.ToLower(f.kid), "at+jwt"), payload), ErrUnknownKey},
		{"kid not a string", enc(`{"alg":"ES256","kid":1,"typ":"at+jwt"}`) + "." + p + "." + s, ErrMalformed},
	}
}

// claimsAttacks: tokens outside their validity window, and claims that are
// missing, wrong, duplicated, unknown or malformed.
func claimsAttacks(k *attackKit) []attackCase {
	hdr, payload, signed, withClaims, claimsText := k.hdr, k.payload, k.signed, k.withClaims, k.claimsText
	exp := validClaims().ExpiresAt
	return []attackCase{
		// time
		{"expired", withClaims(map[string]any{"exp": testNow.Add(-time.Second).Unix()}), ErrExpired},
		{"expires now", withClaims(map[string]any{"exp": testNow.Unix()}), ErrExpired},
		{"nbf in the future", withClaims(map[string]any{"nbf": testNow.Add(time.Minute).Unix()}), ErrNotYetValid},
		{"iat in the future", withClaims(map[string]any{"iat": testNow.Add(time.Minute).Unix()}), ErrNotYetValid},

		// claims
		{"exp missing", withClaims(map[string]any{"exp": nil}), ErrClaims},
		{"iat missing", withClaims(map[string]any{"iat": nil}), ErrClaims},
		{"wrong aud", withClaims(map[string]any{"aud": "https://other.example"}), ErrClaims},
		{"aud array without us", withClaims(map[string]any{"aud": []string{"https://a.example", "https://b.example"}}), ErrClaims},
		{"aud empty array", withClaims(map[string]any{"aud": []string{}}), ErrClaims},
		{"aud prefix of ours", withClaims(map[string]any{"aud": testAudience[:10]}), ErrClaims},
		{"aud missing", withClaims(map[string]any{"aud": nil}), ErrClaims},
		{"wrong iss", withClaims(map[string]any{"iss": "https://attacker.example"}), ErrClaims},
		{"iss missing", withClaims(map[string]any{"iss": nil}), ErrClaims},
		{"sub empty", withClaims(map[string]any{"sub": ""}), ErrClaims},
		{"sub missing", withClaims(map[string]any{"sub": nil}), ErrClaims},
		{"jti missing", withClaims(map[string]any{"jti": nil}), ErrClaims},
		{"sid missing", withClaims(map[string]any{"sid": nil}), ErrClaims},
		{"cnf without thumbprint", withClaims(map[string]any{"cnf": map[string]any{}}), ErrClaims},
		{"duplicate exp", signed(hdr, claimsText(fmt.Sprintf(`"exp":%d`, exp+1e6))), ErrMalformed},
		{"duplicate aud", signed(hdr, claimsText(`"aud":"https://other.example"`)), ErrMalformed},
		{"duplicate sub", signed(hdr, claimsText(`"sub":"usr_admin"`)), ErrMalformed},
		{"unknown claim", withClaims(map[string]any{"admin": true}), ErrMalformed},
		{"cnf with x5t#S256 and jkt", withClaims(map[string]any{"cnf": map[string]any{"x5t#S256": "a", "jkt": "b"}}), ErrClaims},
		{"cnf with empty jkt", withClaims(map[string]any{"cnf": map[string]any{"jkt": ""}}), ErrClaims},
		{"cnf jkt not a string", withClaims(map[string]any{"cnf": map[string]any{"jkt": 1}}), ErrMalformed},
		{"duplicate cnf jkt", signed(hdr, claimsText(`"cnf":{"jkt":"a","jkt":"b"}`)), ErrMalformed},
		{"unknown cnf member", withClaims(map[string]any{"cnf": map[string]any{"x5t": "a"}}), ErrMalformed},
		{"exp as string", withClaims(map[string]any{"exp": fmt.Sprint(exp)}), ErrMalformed},
		{"exp fractional", signed(hdr, strings.Replace(payload, fmt.Sprintf(`"exp":%d`, exp), fmt.Sprintf(`"exp":%d.5`, exp), 1)), ErrMalformed},
		{"exp exponent", signed(hdr, strings.Replace(payload, fmt.Sprintf(`"exp":%d`, exp), `"exp":2e9`, 1)), ErrMalformed},
		{"exp negative", withClaims(map[string]any{"exp": -1}), ErrMalformed},
		{"exp leading zero", signed(hdr, strings.Replace(payload, fmt.Sprintf(`"exp":%d`, exp), fmt.Sprintf(`"exp":0%d`, exp), 1)), ErrMalformed},
		{"exp huge", signed(hdr, strings.Replace(payload, fmt.Sprintf(`"exp":%d`, exp), `"exp":99999999999999999999`, 1)), ErrMalformed},
		{"exp null", withClaims(map[string]any{"exp": jsonNull{}}), ErrMalformed},
		{"sub not a string", withClaims(map[string]any{"sub": 42}), ErrMalformed},
		{"claims an array", signed(hdr, `[`+payload+`]`), ErrMalformed},
		{"claims null", signed(hdr, `null`), ErrMalformed},
		{"claims trailing data", signed(hdr, payload+`{}`), ErrMalformed},
		{"claims invalid UTF-8", signed(hdr, strings.Replace(payload, "usr_", "usr_\xc3", 1)), ErrMalformed},
		{"claims lone surrogate", signed(hdr, strings.Replace(payload, "usr_", `usr_\udc00`, 1)), ErrMalformed},
		{"claims raw control char", signed(hdr, strings.Replace(payload, "usr_", "usr_\n", 1)), ErrMalformed},
		{"claims empty object", signed(hdr, `{}`), ErrClaims},
	}
}

// encodingAttacks: tokens that are no three canonical base64url segments, or too long.
func encodingAttacks(tb testing.TB, k *attackKit) []attackCase {
	tb.Helper()
	hdr, payload, valid, h, p, s, signed := k.hdr, k.payload, k.valid, k.h, k.p, k.s, k.signed
	// Non-canonical base64: set a bit the last character carries beyond the data.
	noncanon := func(seg string) string {
		const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		if len(seg)%4 < 2 {
			tb.Fatalf("segment of length %d has no spare bits", len(seg))
		}
		i := strings.IndexByte(alpha, seg[len(seg)-1])
		return seg[:len(seg)-1] + string(alpha[i|1])
	}
	// A header whose encoding has spare bits (JSON whitespace pads it).
	spareHdr := hdr
	for len(spareHdr)%3 == 0 {
		spareHdr += " "
	}
	sh, sp, ss := split3(tb, signed(spareHdr, payload))
	sparePayload := payload
	for len(sparePayload)%3 == 0 {
		sparePayload += " "
	}
	ph, pp, ps := split3(tb, signed(hdr, sparePayload))

	big10k := signed(hdr, claimsJSON(map[string]any{"scope": strings.Repeat("x", 10<<10)}))
	over := signed(hdr, claimsJSON(map[string]any{"scope": strings.Repeat("y", MaxTokenLen)}))
	over = over[:MaxTokenLen+1]
	return []attackCase{
		{"padded signature", valid + "==", ErrMalformed},
		{"padded header", enc(hdr) + strings.Repeat("=", (4-len(h)%4)%4+4) + "." + p + "." + s, ErrMalformed},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/", ErrMalformed},
		{"non-canonical signature", h + "." + p + "." + noncanon(s), ErrMalformed},
		{"non-canonical header", noncanon(sh) + "." + sp + "." + ss, ErrMalformed},
		{"non-canonical payload", ph + "." + noncanon(pp) + "." + ps, ErrMalformed},
		{"signature one char longer", h + "." + p + "." + s + "A", ErrSignature},
		{"signature length 4n+1", h + "." + p + "." + s + "AAA", ErrMalformed},
		{"newline in signature", h + "." + p + "." + s[:40] + "\r\n" + s[40:], ErrMalformed},
		{"space in payload", h + "." + p[:10] + " " + p[10:] + "." + s, ErrMalformed},
		{"leading space", " " + valid, ErrMalformed},
		{"trailing newline", valid + "\n", ErrMalformed},
		{"Bearer prefix", "Bearer " + valid, ErrMalformed},
		{"non-ASCII", valid[:10] + "é" + valid[10:], ErrMalformed},
		{"NUL byte", valid[:10] + "\x00" + valid[10:], ErrMalformed},
		{"empty", "", ErrMalformed},
		{"one segment", h, ErrMalformed},
		{"two segments", h + "." + p, ErrMalformed},
		{"four segments", valid + "." + s, ErrMalformed},
		{"four segments empty last", valid + ".", ErrMalformed},
		{"JWE-like five segments", h + "." + p + "." + s + "." + s + "." + s, ErrMalformed},
		{"dots only", "..", ErrMalformed},
		{"three dots", "...", ErrMalformed},
		{"empty header", "." + p + "." + s, ErrMalformed},
		{"empty payload", h + ".." + s, ErrMalformed},
		{"empty header and payload", ".." + s, ErrMalformed},
		{"10 KB token", big10k, ErrMalformed},
		{"4097 bytes", over, ErrMalformed},
		{"10 KB of dots", strings.Repeat(".", 10<<10), ErrMalformed},
	}
}

// jsonNull marshals as JSON null.
type jsonNull struct{}

func (jsonNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

func TestVerifyRejectsAttacks(t *testing.T) {
	f := newFixture(t)
	for _, c := range attackCases(t, f) {
		t.Run(c.name, func(t *testing.T) {
			claims, err := verifyNoPanic(t, f.verifier, c.token)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %+v, %v; want %v", claims, err, c.want)
			}
			if claims != (Claims{}) {
				t.Fatalf("rejected token returned claims %+v", claims)
			}
			checkErrorText(t, err, c.token)
			t.Logf("rejected: %v", err)
		})
	}
}

// verifyNoPanic runs Verify and turns a panic into a test failure.
func verifyNoPanic(t testing.TB, v *Verifier, tok string) (c Claims, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Verify panicked: %v", r)
		}
	}()
	return v.Verify(tok)
}

// checkErrorText fails if err's text repeats the token or any part of it.
func checkErrorText(t testing.TB, err error, tok string) {
	t.Helper()
	msg := err.Error()
	if len(msg) > 100 {
		t.Errorf("error text is %d bytes: %q", len(msg), msg)
	}
	for _, part := range append(strings.Split(tok, "."), tok) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("error text %q contains part of the token", msg)
		}
	}
}

// Each sentinel has a distinct meaning; wrapped errors must keep exactly one.
func TestSentinelsDistinct(t *testing.T) {
	f := newFixture(t)
	for _, c := range attackCases(t, f) {
		_, err := f.verifier.Verify(c.token)
		matched := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				matched++
			}
		}
		if matched != 1 {
			t.Errorf("%s: %v matches %d sentinels", c.name, err, matched)
		}
	}
}
