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
	f.Add(p.assertion(f, map[string]any{"aud": []string{testIssuer, testEndpoint}}))
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
