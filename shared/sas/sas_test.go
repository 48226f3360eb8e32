package sas

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The C# sample of the vendor document (reference/azure-apim-sas.txt).
const (
	kaIdentifier = "53d7e14aee681a0034030003"
	kaKey        = "pXeTVcmdbU9XxH6fPcPlq8Y9D9G3Cdo5Eh2nMSgKj/DWqeSFFXDdmpz5Trv+L2hQNM+nGa704Rf8Z22W9O1jdQ=="
	kaExpiry     = "2014-08-04T22:03:00.0000000Z"
)

// kaSignature was computed independently of this package, with OpenSSL 3.0.19
// (and checked with Python's hmac module), keying HMAC-SHA512 with the bytes
// of the base64 key string as C#'s Encoding.UTF8.GetBytes(key) does:
//
//	printf '53d7e14aee681a0034030003\n2014-08-04T22:03:00.0000000Z' |
//	  openssl dgst -sha512 -mac HMAC \
//	  -macopt key:'pXeTVcmdbU9XxH6fPcPlq8Y9D9G3Cdo5Eh2nMSgKj/DWqeSFFXDdmpz5Trv+L2hQNM+nGa704Rf8Z22W9O1jdQ==' \
//	  -binary | base64 -w0
const kaSignature = "jZpVO0S0oAy7QEiuefPUia9l2ijdkFjs2WvnbH68V6LSVEcjwBfyeG/YHdWQyT00LExwhkIrgXWIm3Sj2oYzzw=="

const kaHeader = "SharedAccessSignature uid=" + kaIdentifier + "&ex=" + kaExpiry + "&sn=" + kaSignature

var kaExpiresAt = time.Date(2014, 8, 4, 22, 3, 0, 0, time.UTC)

// signRaw signs a raw expiry string with crypto/hmac directly, not with the
// package's own code.
func signRaw(key, uid, ex string) string {
	h := hmac.New(sha512.New, []byte(key))
	h.Write([]byte(uid + "\n" + ex))
	return Scheme + " uid=" + uid + "&ex=" + ex + "&sn=" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func newKey(t testing.TB) string {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKnownAnswer(t *testing.T) {
	if got := Sign(kaIdentifier, kaKey, kaExpiresAt); got != kaHeader {
		t.Fatalf("Sign =\n%s\nwant\n%s", got, kaHeader)
	}
	if got := signRaw(kaKey, kaIdentifier, kaExpiry); got != kaHeader {
		t.Fatalf("crypto/hmac disagrees with OpenSSL: %s", got)
	}
	tok, err := Parse(kaHeader)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := base64.StdEncoding.DecodeString(kaSignature)
	if tok.Identifier != kaIdentifier || tok.Expiry != kaExpiry || !tok.ExpiresAt.Equal(kaExpiresAt) ||
		tok.ExpiresAt.Location() != time.UTC || string(tok.Signature) != string(want) {
		t.Fatalf("Parse = %#v", tok)
	}
	before := kaExpiresAt.Add(-10 * 24 * time.Hour)
	if err := Verify(tok, before, kaKey); err != nil {
		t.Fatalf("Verify with the sample key: %v", err)
	}
	if err := Verify(tok, before, newKey(t), kaKey); err != nil {
		t.Fatalf("Verify with the sample key second: %v", err)
	}
	// The classic mistake: keying with the decoded key bytes.
	raw, _ := base64.StdEncoding.DecodeString(kaKey)
	h := hmac.New(sha512.New, raw)
	h.Write([]byte(kaIdentifier + "\n" + kaExpiry))
	wrong := tok
	wrong.Signature = h.Sum(nil)
	if err := Verify(wrong, before, kaKey); !errors.Is(err, ErrSignature) {
		t.Fatalf("signature keyed with decoded bytes: Verify = %v, want ErrSignature", err)
	}
}

func TestGenerateKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := newKey(t)
		b, err := base64.StdEncoding.Strict().DecodeString(k)
		if err != nil || len(b) != KeyLen || len(k) != 88 {
			t.Fatalf("GenerateKey = %q (%d bytes, %v)", k, len(b), err)
		}
		if seen[k] {
			t.Fatal("duplicate key")
		}
		seen[k] = true
	}
}

func TestNewIdentifier(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{24}$`)
	seen := map[string]bool{}
	for range 100 {
		id, err := NewIdentifier()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(id) || !validIdentifier(id) {
			t.Fatalf("NewIdentifier = %q", id)
		}
		if seen[id] {
			t.Fatal("duplicate identifier")
		}
		seen[id] = true
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	primary, secondary := newKey(t), newKey(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := now.Add(24 * time.Hour)
	id, _ := NewIdentifier()
	for _, c := range []struct {
		name string
		key  string
	}{{"primary", primary}, {"secondary", secondary}} {
		t.Run(c.name, func(t *testing.T) {
			tok, err := Parse(Sign(id, c.key, exp))
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(tok, now, primary, secondary); err != nil {
				t.Fatalf("Verify(primary, secondary) = %v", err)
			}
			if err := Verify(tok, now, secondary, primary); err != nil {
				t.Fatalf("Verify(secondary, primary) = %v", err)
			}
			if err := Verify(tok, now, c.key); err != nil {
				t.Fatalf("Verify(own key) = %v", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	primary, secondary := newKey(t), newKey(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	id, _ := NewIdentifier()
	parse := func(h string) Token {
		t.Helper()
		tok, err := Parse(h)
		if err != nil {
			t.Fatalf("Parse(%q) = %v", h, err)
		}
		return tok
	}
	byPrimary := parse(Sign(id, primary, exp))
	bySecondary := parse(Sign(id, secondary, exp))
	replaced := newKey(t)
	flipped := parse(Sign(id, primary, exp))
	flipped.Signature[10] ^= 1
	otherID := byPrimary
	otherID.Identifier = "53d7e14aee681a0034030004"
	otherEx := byPrimary
	otherEx.Expiry, otherEx.ExpiresAt = FormatExpiry(exp.Add(time.Hour)), exp.Add(time.Hour)
	sameInstant := byPrimary // same instant, written another way: not what was signed
	sameInstant.Expiry = exp.Format(time.RFC3339)
	mismatch := byPrimary
	mismatch.ExpiresAt = exp.Add(time.Hour)
	newline := byPrimary
	newline.Identifier = id + "\n2026"
	short := byPrimary
	short.Signature = short.Signature[:63]
	offset := parse(signRaw(primary, id, exp.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)))
	portal := parse(signRaw(primary, id, "3/1/2026 1:00 PM"))

	cases := []struct {
		name string
		tok  Token
		now  time.Time
		keys []string
		want error
	}{
		{"primary", byPrimary, now, []string{primary, secondary}, nil},
		{"secondary", bySecondary, now, []string{primary, secondary}, nil},
		{"secondary replaced: its tokens fail", bySecondary, now, []string{primary, replaced}, ErrSignature},
		{"secondary replaced: primary's still pass", byPrimary, now, []string{primary, replaced}, nil},
		{"primary replaced: its tokens fail", byPrimary, now, []string{replaced, secondary}, ErrSignature},
		{"1ns before ex", byPrimary, exp.Add(-time.Nanosecond), []string{primary, secondary}, nil},
		{"exactly at ex", byPrimary, exp, []string{primary, secondary}, ErrExpired},
		{"after ex", byPrimary, exp.Add(time.Second), []string{primary, secondary}, ErrExpired},
		{"now in another zone, before ex", byPrimary, exp.Add(-time.Minute).In(time.FixedZone("", -5*3600)), []string{primary}, nil},
		{"expired and forged: signature first", flipped, exp.Add(time.Hour), []string{primary, secondary}, ErrSignature},
		{"bit flipped", flipped, now, []string{primary, secondary}, ErrSignature},
		{"other identifier", otherID, now, []string{primary, secondary}, ErrSignature},
		{"later ex", otherEx, now, []string{primary, secondary}, ErrSignature},
		{"same instant written as RFC 3339", sameInstant, now, []string{primary, secondary}, ErrSignature},
		{"ex with an offset, signed raw", offset, now, []string{primary}, nil},
		{"ex as the portal writes it, signed raw", portal, now, []string{secondary, primary}, nil},
		{"portal ex passed", portal, time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC), []string{primary}, ErrExpired},
		{"no keys", byPrimary, now, nil, ErrSignature},
		{"zero token", Token{}, now, []string{primary}, ErrMalformed},
		{"ExpiresAt differs from Expiry", mismatch, now, []string{primary}, ErrMalformed},
		{"newline in identifier", newline, now, []string{primary}, ErrMalformed},
		{"63-byte signature", short, now, []string{primary}, ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := NewVerifier(c.keys...)
			for _, verify := range []struct {
				name string
				f    func() error
			}{
				{"Verify", func() error { return Verify(c.tok, c.now, c.keys...) }},
				{"Verifier", func() error { return v.Verify(c.tok, c.now) }},
				{"Verifier again", func() error { return v.Verify(c.tok, c.now) }},
			} {
				err := verify.f()
				if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
					t.Fatalf("%s = %v, want %v", verify.name, err, c.want)
				}
				if err != nil {
					checkErrorText(t, err, c.keys...)
				}
			}
		})
	}
}

// TestVerifierReused: one Verifier, used for many tokens in turn and at
// once, answers each as Verify does: no state carries from one token to
// the next (run with -race).
func TestVerifierReused(t *testing.T) {
	primary, secondary := newKey(t), newKey(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v := NewVerifier(primary, secondary)
	var toks []Token
	var want []error
	for i, key := range []string{primary, newKey(t), secondary, newKey(t)} {
		tok, err := Parse(Sign(fmt.Sprintf("id%d", i), key, now.Add(time.Duration(i+1)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		toks, want = append(toks, tok), append(want, Verify(tok, now, primary, secondary))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				j := (g + i) % len(toks)
				if err := v.Verify(toks[j], now); err != want[j] {
					t.Errorf("token %d: Verifier = %v, Verify = %v", j, err, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
	if want[0] != nil || want[1] == nil || want[2] != nil || want[3] == nil {
		t.Fatalf("Verify = %v: want the tokens of the two keys only", want)
	}
}

func TestEmptyKeyNeverVerifies(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tok, err := Parse(Sign("53d7e14aee681a0034030003", "", now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	for _, keys := range [][]string{{""}, {"", ""}, {newKey(t), ""}} {
		if err := Verify(tok, now, keys...); !errors.Is(err, ErrSignature) {
			t.Fatalf("Verify(%d keys with an empty one) = %v, want ErrSignature", len(keys), err)
		}
		if err := NewVerifier(keys...).Verify(tok, now); !errors.Is(err, ErrSignature) {
			t.Fatalf("Verifier of %d keys with an empty one = %v, want ErrSignature", len(keys), err)
		}
	}
}

func TestTokenStringRedacts(t *testing.T) {
	tok, err := Parse(kaHeader)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(format, tok)
		if strings.Contains(s, kaSignature[:20]) || !strings.Contains(s, kaIdentifier) {
			t.Fatalf("%s of a Token = %q", format, s)
		}
	}
}

// checkErrorText fails if err's text holds any secret: a key or a signature.
func checkErrorText(t *testing.T, err error, secrets ...string) {
	t.Helper()
	msg := err.Error()
	for _, s := range append(secrets, kaKey, kaSignature) {
		if len(s) >= 8 && strings.Contains(msg, s[:8]) {
			t.Fatalf("error text %q contains a secret", msg)
		}
	}
}
