package oauth

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
)

// FuzzVerify: AssertionThumbprint and Verify never panic and fail only with a
// sentinel (AssertionThumbprint only with ErrAssertionMalformed); an accepted assertion is
// checked again the slow way, with encoding/json and golang-jwt or
// crypto/ed25519 rather than the package's own decoding.
func FuzzVerify(f *testing.F) {
	ps := parties()
	for _, kt := range keyTypes {
		p := ps[kt]
		for _, alg := range p.algs {
			f.Add(signAs(f, p, alg, claimsJSON(nil)))
		}
	}
	p := ps["P-256"]
	x5t := p.cert.X5tS256
	f.Add(signJWS(f, "ES256", p.key, `{"alg":"ES256","typ":"jwt","kid":"k","x5t\u0023S256":"`+x5t+`"}`,
		claimsJSON(map[string]any{"aud": []string{testIssuer}, "nbf": testNow.Unix(), "x": map[string]any{"y": []any{1.5, "\u00e9"}}})))
	f.Add(signJWS(f, "ES256", p.key, hdrJSON("ES256", x5t), `{"iss":"u","sub":"u","aud":"`+testEndpoint+`","exp":1,"exp":2,"jti":"j"}`))
	f.Add(signJWS(f, "ES256", p.key, `{"alg":"ES256","x5t#S256":"`+x5t+`","jwk":{}}`, claimsJSON(nil)))
	f.Add(signJWS(f, "none", nil, hdrJSON("none", x5t), claimsJSON(nil)))
	f.Add(signJWS(f, "HS256", p.cert.DER, hdrJSON("HS256", x5t), claimsJSON(nil)))
	f.Add(signJWS(f, "ES256", p.key, hdrJSON("ES256", x5t), claimsJSON(map[string]any{"aud": []string{testIssuer, testEndpoint}})))
	f.Add("")
	f.Add("..")
	f.Add("e30.e30.")

	v := newVerifier()
	f.Fuzz(func(t *testing.T, tok string) {
		x5t, terr := AssertionThumbprint(tok)
		if terr != nil {
			if !errors.Is(terr, ErrAssertionMalformed) || x5t != "" {
				t.Fatalf("AssertionThumbprint = %q, %v", x5t, terr)
			}
		} else if raw, err := base64.RawURLEncoding.Strict().DecodeString(x5t); err != nil || len(raw) != 32 {
			t.Fatalf("AssertionThumbprint returned %q", x5t)
		}
		for _, kt := range []string{"P-256", "Ed25519", "RSA"} {
			p := ps[kt]
			c, err := v.Verify(tok, p.cert)
			if err != nil {
				known := false
				for _, s := range sentinels {
					known = known || errors.Is(err, s)
				}
				if !known {
					t.Fatalf("error %v is no sentinel", err)
				}
				if terr != nil && !errors.Is(err, ErrAssertionMalformed) {
					t.Fatalf("AssertionThumbprint says malformed, Verify %v", err)
				}
				if c != (AssertionClaims{}) {
					t.Fatalf("refused assertion returned %+v", c)
				}
				if len(tok) >= 16 && strings.Contains(err.Error(), tok) {
					t.Fatalf("error %q quotes the token", err)
				}
				continue
			}
			if terr != nil || x5t != p.cert.X5tS256 {
				t.Fatalf("accepted, but AssertionThumbprint = %q, %v", x5t, terr)
			}
			checkAccepted(t, tok, p, c)
		}
	})
}

// checkAccepted verifies an accepted assertion independently.
func checkAccepted(t *testing.T, tok string, p *party, c AssertionClaims) {
	t.Helper()
	if len(tok) > MaxAssertionLen {
		t.Fatalf("accepted %d bytes", len(tok))
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("accepted %d segments", len(parts))
	}
	var seg [3][]byte
	for i, s := range parts {
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil || base64.RawURLEncoding.EncodeToString(b) != s {
			t.Fatalf("accepted non-canonical base64url %q", s)
		}
		seg[i] = b
	}
	var hdr map[string]any
	if err := json.Unmarshal(seg[0], &hdr); err != nil {
		t.Fatalf("accepted header %s: %v", seg[0], err)
	}
	for k := range hdr {
		if !slices.Contains([]string{"alg", "typ", "kid", "x5t#S256"}, k) {
			t.Fatalf("accepted header member %q", k)
		}
	}
	alg, _ := hdr["alg"].(string)
	if !slices.Contains(p.algs, alg) || hdr["x5t#S256"] != p.cert.X5tS256 {
		t.Fatalf("accepted header %s for a %s key", seg[0], p.name)
	}
	if typ, ok := hdr["typ"]; ok && !strings.EqualFold(typ.(string), "JWT") && !strings.EqualFold(typ.(string), "application/JWT") {
		t.Fatalf("accepted typ %v", typ)
	}
	if alg == "Ed25519" {
		if !ed25519.Verify(p.key.Public().(ed25519.PublicKey), []byte(parts[0]+"."+parts[1]), seg[2]) {
			t.Fatal("accepted a bad Ed25519 signature")
		}
	} else if _, err := gjwt.NewParser(gjwt.WithValidMethods([]string{alg}), gjwt.WithoutClaimsValidation()).Parse(tok,
		func(*gjwt.Token) (any, error) { return p.key.Public(), nil }); err != nil {
		t.Fatalf("golang-jwt refuses the signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(seg[1], &claims); err != nil {
		t.Fatalf("accepted claims %s: %v", seg[1], err)
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	jti, _ := claims["jti"].(string)
	if iss == "" || iss != sub || jti == "" || c.Issuer != iss || c.Subject != sub || c.ID != jti {
		t.Fatalf("accepted claims %s as %+v", seg[1], c)
	}
	switch aud := claims["aud"].(type) {
	case string:
		if aud != testIssuer && aud != testEndpoint {
			t.Fatalf("accepted aud %q", aud)
		}
	case []any:
		if len(aud) != 1 || (aud[0] != testIssuer && aud[0] != testEndpoint) {
			t.Fatalf("accepted aud %v", aud)
		}
	default:
		t.Fatalf("accepted aud %v", aud)
	}
	exp, ok := claims["exp"].(float64)
	if !ok || !time.Unix(int64(math.Floor(exp)), 0).Equal(c.ExpiresAt) ||
		!testNow.Before(c.ExpiresAt) || c.ExpiresAt.After(testNow.Add(5*time.Minute)) {
		t.Fatalf("accepted exp %v (%v)", claims["exp"], c.ExpiresAt)
	}
	if iat, ok := claims["iat"].(float64); ok && time.Unix(int64(iat), 0).After(testNow) {
		t.Fatalf("accepted iat %v", iat)
	}
}

// FuzzParseClaims: the claims reader accepts nothing encoding/json refuses,
// and reads the registered claims as encoding/json does.
func FuzzParseClaims(f *testing.F) {
	f.Add(claimsJSON(nil))
	f.Add(claimsJSON(map[string]any{"aud": []string{"a", "b"}, "nbf": 1.5, "x": map[string]any{"y": []any{nil, true, -1e-3}}}))
	f.Add(`{"sub":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t","exp":0}`)
	f.Add(`{"exp":1,"exp":2}`)
	f.Add(`{"x":{"a":1,"\u0061":2}}`)
	f.Add(`{"aud":[],"iat":1e3}`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseClaims(s)
		if err != nil {
			if !errors.Is(err, ErrAssertionMalformed) && !errors.Is(err, ErrAssertionClaims) {
				t.Fatalf("error %v is neither ErrAssertionMalformed nor ErrAssertionClaims", err)
			}
			if !json.Valid([]byte(s)) && !errors.Is(err, ErrAssertionMalformed) && !errors.Is(err, errClaimType) {
				t.Fatalf("invalid JSON refused with %v", err)
			}
			return
		}
		if !json.Valid([]byte(s)) {
			t.Fatal("accepted invalid JSON")
		}
		// Exact member names (encoding/json matches struct fields without
		// regard to case, RFC 7519 names are case-sensitive).
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("encoding/json cannot read the object: %v", err)
		}
		var want struct {
			Iss, Sub, Jti *string
			Exp, Iat, Nbf *float64
			Aud           any
		}
		for name, dst := range map[string]any{"iss": &want.Iss, "sub": &want.Sub, "jti": &want.Jti,
			"exp": &want.Exp, "iat": &want.Iat, "nbf": &want.Nbf, "aud": &want.Aud} {
			if raw, ok := m[name]; ok {
				if err := json.Unmarshal(raw, dst); err != nil {
					t.Fatalf("encoding/json cannot read %s: %v", name, err)
				}
			}
		}
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		if got.iss != str(want.Iss) || got.sub != str(want.Sub) || got.jti != str(want.Jti) {
			t.Fatalf("scanner %+v, encoding/json %+v", got, want)
		}
		for _, d := range []struct {
			got  int64
			bit  uint8
			want *float64
		}{{got.exp, cExp, want.Exp}, {got.iat, cIat, want.Iat}, {got.nbf, cNbf, want.Nbf}} {
			if (got.present&d.bit != 0) != (d.want != nil) || (d.want != nil && d.got != int64(math.Floor(*d.want))) {
				t.Fatalf("date %d (present %v), encoding/json %v", d.got, got.present&d.bit != 0, d.want)
			}
		}
		switch a := want.Aud.(type) {
		case nil:
			if got.present&cAud != 0 && got.aud != nil {
				t.Fatalf("aud %v, encoding/json null", got.aud)
			}
		case string:
			if len(got.aud) != 1 || got.aud[0] != a || got.audIsArray {
				t.Fatalf("aud %v, encoding/json %q", got.aud, a)
			}
		case []any:
			if len(got.aud) != len(a) || !got.audIsArray {
				t.Fatalf("aud %v, encoding/json %v", got.aud, a)
			}
			for i := range a {
				if a[i] != got.aud[i] {
					t.Fatalf("aud %v, encoding/json %v", got.aud, a)
				}
			}
		default:
			t.Fatalf("accepted aud %v", a)
		}
	})
}
