package accesstoken

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
)

func benchToken(b *testing.B) (*fixture, string) {
	b.Helper()
	f := newFixture(b)
	return f, issue(b, f.signer, validClaims())
}

// BenchmarkVerify is our Verify of a valid token.
func BenchmarkVerify(b *testing.B) {
	f, tok := benchToken(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.verifier.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGolangJWTParse is golang-jwt/v5 checking the same token with the
// same key, ES256 only, with audience, issuer and time checks.
func BenchmarkGolangJWTParse(b *testing.B) {
	f, tok := benchToken(b)
	parse := golangJWTParse(f)
	b.ReportAllocs()
	for b.Loop() {
		if err := parse(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// golangJWTParse is a bare golang-jwt/v5 parse of a token with f's key, ES256
// only, with audience, issuer and time checks: what Verify is measured
// against.
func golangJWTParse(f *fixture) func(tok string) error {
	keyFunc := func(*gjwt.Token) (any, error) { return &f.key.PublicKey, nil }
	opts := []gjwt.ParserOption{
		gjwt.WithValidMethods([]string{"ES256"}),
		gjwt.WithAudience(testAudience),
		gjwt.WithIssuer(testIssuer),
		gjwt.WithTimeFunc(func() time.Time { return testNow }),
		gjwt.WithExpirationRequired(),
		gjwt.WithIssuedAt(),
	}
	return func(tok string) error {
		t, err := gjwt.Parse(tok, keyFunc, opts...)
		if err == nil && !t.Valid {
			err = errors.New("golang-jwt: not valid")
		}
		return err
	}
}

// BenchmarkVerifyReject measures rejecting hostile input before any crypto.
func BenchmarkVerifyReject(b *testing.B) {
	f, tok := benchToken(b)
	h, p, _ := split3(b, tok)
	for name, bad := range map[string]string{
		"10KB":       strings.Repeat("A", 10<<10),
		"alg-none":   enc(hdrJSON("none", f.kid, "at+jwt")) + "." + p + ".",
		"bad-sig":    h + "." + p + "." + encB(make([]byte, 64)),
		"4096-bytes": strings.Repeat("A", 2000) + "." + strings.Repeat("B", 2000) + "." + strings.Repeat("C", 94),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.verifier.Verify(bad); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

// BenchmarkIssueLocal measures Issue with a local key.
func BenchmarkIssueLocal(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	c := validClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Issue(ctx, f.signer, c); err != nil {
			b.Fatal(err)
		}
	}
}
