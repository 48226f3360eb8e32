package dpop

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/secret"
)

// The claims and htu are read only after the signature verifies, which a
// fuzzer cannot forge: these targets reach their parsers directly.

// FuzzClaims: readClaims and check never panic, and an accepted claims
// object meets every rule.
func FuzzClaims(f *testing.F) {
	now := time.Unix(1796558400, 0)
	tok := secret.Sum("tok")
	r := Request{Method: "GET", URL: "https://api.example.com/prod/v1/whoami", TokenHash: tok}
	f.Add(`{"jti":"j","htm":"GET","htu":"https://api.example.com/prod/v1/whoami","iat":1796558400,"ath":"JsrGYmSXLY-bRlRHLAWDNvRZVu0UUIYwqEkxLSSLs1M"}`)
	f.Add(`{"jti":"j","htm":"GET","htu":"HTTPS://API.example.com:443/prod/v1/%77hoami?q#f","iat":1796558400.25,"ath":"x","nonce":"n","x":{"y":[1]}}`)
	f.Add(`{"iat":-1,"iat":2}`)
	f.Add(`{"jti":"\ud800"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := readClaims([]byte(raw))
		if err != nil {
			return
		}
		if c.check(r, now) != nil {
			return
		}
		if c.jti == "" || len(c.jti) > MaxIDLen || c.htm != r.Method || c.nonce || !c.hasIat ||
			c.iat < now.Add(-MaxAge).Unix() || c.iat > now.Add(MaxAhead).Unix() || !matchesHash(c.ath, tok) {
			t.Fatalf("accepted %+v", c)
		}
		if !sameURL(c.htu, r.URL) {
			t.Fatalf("accepted htu %q", c.htu)
		}
	})
}

// FuzzNormalizeURL: NormalizeURL never panics; what it returns is an
// absolute http(s) URL with no query or fragment that normalises to
// itself.
func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{"https://api.example.com/v1/whoami", "HTTP://[::1]:80/a%2fb%7e?x#y", "https://h:443", "ftp://x/", "%zz", "https://u@h/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, ok := NormalizeURL(raw)
		if !ok {
			return
		}
		u, err := url.Parse(n)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(n, "?#") {
			t.Fatalf("NormalizeURL(%q) = %q", raw, n)
		}
		if again, ok := NormalizeURL(n); !ok || again != n {
			t.Fatalf("NormalizeURL(%q) = %q, then %q, %v", raw, n, again, ok)
		}
	})
}

// FuzzASN1Signature: asn1Signature writes what encoding/asn1 writes for
// the two INTEGERs of any 64-byte JWS signature (the input cut or padded).
func FuzzASN1Signature(f *testing.F) {
	for _, seed := range [][]byte{
		make([]byte, 64),
		bytes.Repeat([]byte{0xff}, 64),
		append(bytes.Repeat([]byte{0x7f}, 32), append([]byte{0, 0, 1}, bytes.Repeat([]byte{0x80}, 29)...)...),
		append(append(make([]byte, 31), 1), append([]byte{0x80}, make([]byte, 31)...)...),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		sig := make([]byte, 64) // in, cut or padded with zeros
		copy(sig, in)
		want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
		if err != nil {
			t.Fatal(err)
		}
		if got := asn1Signature(nil, sig[:32], sig[32:]); !bytes.Equal(got, want) {
			t.Fatalf("asn1Signature = %x, want %x", got, want)
		}
	})
}
