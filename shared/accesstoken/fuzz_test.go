package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// FuzzVerify: Verify never panics, fails only with a sentinel, and accepts
// only tokens whose signature a ring key verifies (checked here without any
// of the package's own decoding).
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	ctx := context.Background()
	valid, err := Issue(ctx, fx.signer, validClaims())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	full := validClaims()
	full.NotBefore, full.ClientID = full.IssuedAt, "cli_1"
	full.Confirmation = &Confirmation{X5tS256: "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}
	if tok, err := Issue(ctx, NewLocalSigner(fx.prev), full); err == nil {
		f.Add(tok)
	}
	f.Add(signJSON(fx.key, hdrJSON("ES256", fx.kid, "application/at+jwt"),
		claimsJSON(map[string]any{"aud": []string{"x", testAudience}, "sub": "\u00e9\\\"<"})))
	for _, c := range attackCases(f, fx) {
		f.Add(c.token)
	}
	sentinels := []error{ErrMalformed, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrExpired, ErrNotYetValid, ErrClaims}
	ring := []*ecdsa.PublicKey{&fx.key.PublicKey, &fx.prev.PublicKey}

	f.Fuzz(func(t *testing.T, tok string) {
		c, err := fx.verifier.Verify(tok)
		if err != nil {
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("error %v is no sentinel", err)
			}
			if c != (Claims{}) {
				t.Fatalf("rejected token returned claims %+v", c)
			}
			if len(tok) > 128 {
				checkErrorText(t, err, tok)
			}
			return
		}
		// Accepted: check it the slow, independent way.
		if len(tok) > MaxTokenLen {
			t.Fatalf("accepted a %d-byte token", len(tok))
		}
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %d segments", len(parts))
		}
		for _, p := range parts {
			b, err := base64.RawURLEncoding.Strict().DecodeString(p)
			if err != nil || base64.RawURLEncoding.EncodeToString(b) != p {
				t.Fatalf("accepted non-canonical base64 %q", p)
			}
		}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		if len(sig) != 64 {
			t.Fatalf("accepted a %d-byte signature", len(sig))
		}
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		ok := false
		for _, pub := range ring {
			ok = ok || ecdsa.Verify(pub, digest[:], r, s)
		}
		if !ok {
			t.Fatal("accepted a token no ring key signed")
		}
		hdrBytes, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var hdr map[string]any
		if err := json.Unmarshal(hdrBytes, &hdr); err != nil || hdr["alg"] != "ES256" || len(hdr) != 3 {
			t.Fatalf("accepted header %s", hdrBytes)
		}
		if c.Issuer != testIssuer || c.Audience != testAudience || c.Subject == "" || c.ID == "" || c.SessionID == "" ||
			c.ExpiresAt <= testNow.Unix() || c.IssuedAt > testNow.Unix() {
			t.Fatalf("accepted claims %+v", c)
		}
	})
}

// FuzzParseClaims: the claims reader (reached in Verify only after a valid
// signature) accepts nothing that encoding/json reads differently.
func FuzzParseClaims(f *testing.F) {
	f.Add(claimsJSON(nil))
	f.Add(claimsJSON(map[string]any{"aud": []string{"x", testAudience}, "nbf": 1, "client_id": "c", "cnf": map[string]string{"x5t#S256": "t"}}))
	f.Add(`{"sub":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t","exp":0}`)
	f.Add(`{"exp":1,"exp":2}`)
	f.Add(`{"aud":[],"cnf":{}}`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseClaims(s, testAudience)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v", err)
		}
		var want struct {
			Claims
			Audience any `json:"aud"`
		}
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatalf("accepted what encoding/json cannot read as Claims: %v", err)
		}
		want.Claims.Audience = got.Audience // compared below
		if !equalClaims(got.Claims, want.Claims) {
			t.Fatalf("scanner %+v, encoding/json %+v", got.Claims, want.Claims)
		}
		switch a := want.Audience.(type) {
		case string:
			if got.Audience != a || got.audOK != (a == testAudience) {
				t.Fatalf("aud %q, ok %v; encoding/json %q", got.Audience, got.audOK, a)
			}
		case []any:
			in := false
			for _, v := range a {
				in = in || v == testAudience
			}
			if got.audOK != in {
				t.Fatalf("aud ok %v; encoding/json %v", got.audOK, a)
			}
		case nil:
			if _, present := m["aud"]; present || got.audOK {
				t.Fatalf("aud %v accepted", a)
			}
		default:
			t.Fatalf("accepted aud %v", a)
		}
		if len(m) != bitsSet(got.present) {
			t.Fatalf("%d members, %d claims noted", len(m), bitsSet(got.present))
		}
	})
}

func equalClaims(a, b Claims) bool {
	ac, bc := a.Confirmation, b.Confirmation
	a.Confirmation, b.Confirmation = nil, nil
	return a == b && (ac == nil) == (bc == nil) && (ac == nil || *ac == *bc)
}

func bitsSet(v uint16) int {
	n := 0
	for ; v != 0; v &= v - 1 {
		n++
	}
	return n
}
