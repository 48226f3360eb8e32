package sas

import (
	"encoding/base64"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, refuses only with ErrMalformed and a zero
// Token, and anything it accepts is well formed (checked here without the
// package's own helpers), re-serializes to the very header it came from
// (up to the case of the scheme) and re-parses to the same Token.
func FuzzParse(f *testing.F) {
	f.Add(kaHeader)
	f.Add("sharedaccesssignature uid=integration&ex=8/4/2014 12:00 AM&sn=" + sn64)
	f.Add(Scheme + " uid=a.b_c-d&ex=2014-08-05T00:03:00.5+02:00&sn=" + sn64)
	for _, c := range refusals() {
		f.Add(c.header)
	}
	uidShape := regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	snShape := regexp.MustCompile(`^[A-Za-z0-9+/=]{32,}$`) // longer than any word of an error text

	f.Fuzz(func(t *testing.T, header string) {
		tok, err := Parse(header)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			if !reflect.DeepEqual(tok, Token{}) {
				t.Fatalf("refused header returned %#v", tok)
			}
			if _, sn, ok := strings.Cut(header, "&sn="); ok && snShape.MatchString(sn) && strings.Contains(err.Error(), sn) {
				t.Fatalf("error text %q contains the signature", err)
			}
			return
		}
		if len(header) > MaxLen {
			t.Fatalf("accepted a %d-byte header", len(header))
		}
		if !strings.EqualFold(header[:len(Scheme)], Scheme) {
			t.Fatalf("accepted scheme %q", header[:len(Scheme)])
		}
		for i := 0; i < len(Scheme); i++ {
			if header[i] >= 0x80 {
				t.Fatalf("accepted a non-ASCII scheme %q", header[:len(Scheme)])
			}
		}
		if !uidShape.MatchString(tok.Identifier) {
			t.Fatalf("accepted uid %q", tok.Identifier)
		}
		if len(tok.Signature) != SignatureLen {
			t.Fatalf("accepted a %d-byte signature", len(tok.Signature))
		}
		at, err := ParseExpiry(tok.Expiry)
		if err != nil || !at.Equal(tok.ExpiresAt) {
			t.Fatalf("Expiry %q does not give ExpiresAt %v: %v, %v", tok.Expiry, tok.ExpiresAt, at, err)
		}
		again := Scheme + " uid=" + tok.Identifier + "&ex=" + tok.Expiry + "&sn=" + base64.StdEncoding.EncodeToString(tok.Signature)
		if again != Scheme+header[len(Scheme):] {
			t.Fatalf("accepted %q, which re-serializes as %q", header, again)
		}
		tok2, err := Parse(again)
		if err != nil || !reflect.DeepEqual(tok2, tok) {
			t.Fatalf("re-parse = %#v, %v; want %#v", tok2, err, tok)
		}
	})
}
