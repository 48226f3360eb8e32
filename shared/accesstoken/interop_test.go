package accesstoken

import (
	"context"
	"crypto"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// An independent library fetches our JWKS by URL and accepts our tokens.
func TestInteropJWX(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(f.ring.JWKS())
	}))
	defer srv.Close()

	set, err := jwk.Fetch(ctx, srv.URL+"/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 2 {
		t.Fatalf("jwx read %d keys", set.Len())
	}
	// jwx computes the same RFC 7638 thumbprints.
	for i, want := range []string{f.kid, f.prevKid} {
		key, _ := set.Key(i)
		tp, err := key.Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if got := encB(tp); got != want {
			t.Errorf("key %d: jwx thumbprint %s, our kid %s", i, got, want)
		}
		if kid, _ := key.KeyID(); kid != want {
			t.Errorf("key %d: kid %s, want %s", i, kid, want)
		}
	}

	claims := validClaims()
	claims.Confirmation = &Confirmation{X5tS256: testX5t}
	for name, s := range map[string]Signer{"current": f.signer, "previous": NewLocalSigner(f.prev)} {
		t.Run(name, func(t *testing.T) {
			tok := issue(t, s, claims)
			parsed, err := jwt.Parse([]byte(tok),
				jwt.WithKeySet(set),
				jwt.WithValidate(true),
				jwt.WithIssuer(testIssuer),
				jwt.WithAudience(testAudience),
				jwt.WithClock(jwt.ClockFunc(func() time.Time { return testNow })),
			)
			if err != nil {
				t.Fatalf("jwx rejected our token: %v", err)
			}
			if sub, _ := parsed.Subject(); sub != claims.Subject {
				t.Errorf("sub = %q", sub)
			}
			if jti, _ := parsed.JwtID(); jti != claims.ID {
				t.Errorf("jti = %q", jti)
			}
			var sid, scope string
			if err := parsed.Get("sid", &sid); err != nil || sid != claims.SessionID {
				t.Errorf("sid = %q, %v", sid, err)
			}
			if err := parsed.Get("scope", &scope); err != nil || scope != claims.Scope {
				t.Errorf("scope = %q, %v", scope, err)
			}
			msg, err := jws.Parse([]byte(tok))
			if err != nil {
				t.Fatal(err)
			}
			hdr := msg.Signatures()[0].ProtectedHeaders()
			if typ, _ := hdr.Type(); typ != "at+jwt" {
				t.Errorf("typ = %q", typ)
			}
			if alg, _ := hdr.Algorithm(); alg != jwa.ES256() {
				t.Errorf("alg = %v", alg)
			}
		})
	}

	// And the other way: a token jwx signs with our key and our header.
	tok, err := jwt.NewBuilder().Issuer(testIssuer).Subject(claims.Subject).Audience([]string{testAudience}).
		Expiration(time.Unix(claims.ExpiresAt, 0)).IssuedAt(time.Unix(claims.IssuedAt, 0)).JwtID(claims.ID).
		Claim("scope", claims.Scope).Claim("sid", claims.SessionID).Build()
	if err != nil {
		t.Fatal(err)
	}
	hdrs := jws.NewHeaders()
	hdrs.Set(jws.KeyIDKey, f.kid)
	hdrs.Set(jws.TypeKey, "at+jwt")
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), f.key, jws.WithProtectedHeaders(hdrs)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.verifier.Verify(string(signed))
	if err != nil {
		t.Fatalf("Verify of a jwx-signed token: %v", err)
	}
	if got.Subject != claims.Subject || got.Audience != testAudience || got.SessionID != claims.SessionID {
		t.Fatalf("claims = %+v", got)
	}
}

func TestInteropGolangJWT(t *testing.T) {
	f := newFixture(t)
	tok := issue(t, f.signer, validClaims())
	parsed, err := gjwt.Parse(tok, func(tk *gjwt.Token) (any, error) { return &f.key.PublicKey, nil },
		gjwt.WithValidMethods([]string{"ES256"}), gjwt.WithAudience(testAudience), gjwt.WithIssuer(testIssuer),
		gjwt.WithTimeFunc(func() time.Time { return testNow }), gjwt.WithExpirationRequired(), gjwt.WithIssuedAt(),
		gjwt.WithStrictDecoding())
	if err != nil || !parsed.Valid {
		t.Fatalf("golang-jwt rejected our token: %v", err)
	}
	mc := parsed.Claims.(gjwt.MapClaims)
	if mc["sub"] != validClaims().Subject || mc["sid"] != validClaims().SessionID || parsed.Header["typ"] != "at+jwt" || parsed.Header["kid"] != f.kid {
		t.Fatalf("golang-jwt read %v %v", parsed.Header, mc)
	}

	// A token golang-jwt signs with our key and header verifies with us.
	c := validClaims()
	gt := gjwt.NewWithClaims(gjwt.SigningMethodES256, gjwt.MapClaims{
		"iss": c.Issuer, "sub": c.Subject, "aud": c.Audience, "exp": c.ExpiresAt, "iat": c.IssuedAt,
		"jti": c.ID, "scope": c.Scope, "sid": c.SessionID,
	})
	gt.Header["kid"] = f.kid
	gt.Header["typ"] = "at+jwt"
	s, err := gt.SignedString(f.key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.verifier.Verify(s)
	if err != nil {
		t.Fatalf("Verify of a golang-jwt token: %v", err)
	}
	if got != c {
		t.Fatalf("claims = %+v, want %+v", got, c)
	}
	// golang-jwt's default header carries typ JWT: refused by RFC 9068's rule.
	gt = gjwt.NewWithClaims(gjwt.SigningMethodES256, gt.Claims)
	gt.Header["kid"] = f.kid
	s, _ = gt.SignedString(f.key)
	if _, err := f.verifier.Verify(s); err == nil {
		t.Fatal("accepted typ JWT")
	}
}
