package sas

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkVerify is Verify of a valid token with both keys (both MACs are
// always computed).
func BenchmarkVerify(b *testing.B) {
	primary, secondary := newKey(b), newKey(b)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tok, err := Parse(Sign("53d7e14aee681a0034030003", secondary, now.Add(time.Hour)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(tok, now, primary, secondary); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifier is BenchmarkVerify with the keys readied once, as the
// authorizer keeps them with a credential.
func BenchmarkVerifier(b *testing.B) {
	primary, secondary := newKey(b), newKey(b)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tok, err := Parse(Sign("53d7e14aee681a0034030003", secondary, now.Add(time.Hour)))
	if err != nil {
		b.Fatal(err)
	}
	v := NewVerifier(primary, secondary)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is Parse of a valid header.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(kaHeader); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseReject is Parse refusing hostile input.
func BenchmarkParseReject(b *testing.B) {
	for name, h := range map[string]string{
		"10KB":        strings.Repeat("A", 10<<10),
		"bad padding": kaHeader[:len(kaHeader)-4] + "zx==",
		"uid newline": Scheme + " uid=a\nb&ex=" + kaExpiry + "&sn=" + kaSignature,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(h); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
