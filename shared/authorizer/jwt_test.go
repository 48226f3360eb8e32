package authorizer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

const (
	issuer   = "https://tollgate.example"
	audience = "https://api.tollgate.example"
)

// jwtFixture adds a signing key, a personal JWT session and a verifier to
// the API-key fixture.
type jwtFixture struct {
	*fixture
	key     *ecdsa.PrivateKey
	signer  accesstoken.Signer
	session credential.Session
}

func newJWTFixture(t testing.TB) *jwtFixture {
	t.Helper()
	f := &jwtFixture{fixture: newFixture(t, false, nil)}
	var err error
	if f.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	f.signer = accesstoken.NewLocalSigner(f.key)
	exp := t0.Add(365 * 24 * time.Hour)
	f.session = credential.Session{ProjectID: project, ID: "jwt_00000000000000001", Kind: credential.KindJWT, Owner: f.owner.ID,
		Name: "n", Status: credential.Active, CreatedAt: t0, ExpiresAt: &exp, NotBefore: t0}
	if err := f.store.CreateSession(context.Background(), f.session); err != nil {
		t.Fatal(err)
	}
	f.auth = authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock,
		Verifier: &accesstoken.Verifier{Keys: accesstoken.NewKeyring(&f.key.PublicKey), Issuer: issuer, Audience: audience, Clock: f.clock},
	})
	return f
}

func (f *jwtFixture) claims() accesstoken.Claims {
	return accesstoken.Claims{Issuer: issuer, Subject: f.owner.ID, Audience: audience, ExpiresAt: t0.Add(30 * 24 * time.Hour).Unix(),
		IssuedAt: t0.Unix(), ID: f.session.ID, Scope: "credentials:read", SessionID: f.session.ID}
}

func (f *jwtFixture) issue(t testing.TB, c accesstoken.Claims) string {
	t.Helper()
	tok, err := accesstoken.Issue(context.Background(), f.signer, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var b64 = base64.RawURLEncoding

// forge builds a token from a raw header and claims, signed by sign.
func forge(header, claims any, sign func(input string) string) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	return input + "." + sign(input)
}

func (f *jwtFixture) es256(input string) string {
	sig, err := f.signer.Sign(context.Background(), []byte(input))
	if err != nil {
		panic(err)
	}
	return b64.EncodeToString(sig)
}

func TestJWTAccepted(t *testing.T) {
	f := newJWTFixture(t)
	resp, err := f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": "Bearer " + f.issue(t, f.claims())}))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Context["credentialType"] != "jwt" || resp.Context["credentialId"] != f.session.ID || resp.PrincipalID != f.owner.ID {
		t.Fatalf("context = %v", resp.Context)
	}
}

// TestJWTAttacks runs the RFC 8725 attack table through the authorizer:
// every token is Unauthorized, none panics, none reads the store.
func TestJWTAttacks(t *testing.T) {
	f := newJWTFixture(t)
	good := f.claims()
	hdr := map[string]any{"alg": "ES256", "kid": f.signer.KeyID(), "typ": "at+jwt"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range hdr {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	claims := func(edit func(map[string]any)) map[string]any {
		var m map[string]any
		raw, _ := json.Marshal(good)
		_ = json.Unmarshal(raw, &m)
		edit(m)
		return m
	}
	pubPEM := elliptic.Marshal(elliptic.P256(), f.key.PublicKey.X, f.key.PublicKey.Y) //nolint:staticcheck // the attacker's HMAC secret
	hs256 := func(input string) string {
		m := hmac.New(sha256.New, pubPEM)
		m.Write([]byte(input))
		return b64.EncodeToString(m.Sum(nil))
	}
	zero := func(string) string { return b64.EncodeToString(make([]byte, 64)) }
	valid := f.issue(t, good)
	parts := strings.Split(valid, ".")
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	attackerSign := func(input string) string {
		sig, _ := accesstoken.NewLocalSigner(attacker).Sign(context.Background(), []byte(input))
		return b64.EncodeToString(sig)
	}
	jwk := map[string]any{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(attacker.PublicKey.X.FillBytes(make([]byte, 32))),
		"y": b64.EncodeToString(attacker.PublicKey.Y.FillBytes(make([]byte, 32)))}
	cases := map[string]string{
		"alg none":             forge(with("alg", "none"), good, func(string) string { return "" }),
		"alg None":             forge(with("alg", "None"), good, func(string) string { return "" }),
		"HS256 with our key":   forge(with("alg", "HS256"), good, hs256),
		"stripped signature":   parts[0] + "." + parts[1] + ".",
		"r = s = 0":            forge(hdr, good, zero),
		"embedded jwk":         forge(with("jwk", jwk), good, attackerSign),
		"jku header":           forge(with("jku", "https://evil.example/jwks"), good, f.es256),
		"x5u header":           forge(with("x5u", "https://evil.example/cert"), good, f.es256),
		"crit header":          forge(with("crit", []string{"exp"}), good, f.es256),
		"unknown kid":          forge(with("kid", "nope"), good, f.es256),
		"hostile kid":          forge(with("kid", "../../../etc/passwd' OR 1=1"), good, f.es256),
		"other key, our kid":   forge(hdr, good, attackerSign),
		"wrong typ":            forge(with("typ", "JWT"), good, f.es256),
		"no typ":               forge(with("typ", nil), good, f.es256),
		"expired":              forge(hdr, claims(func(m map[string]any) { m["exp"] = t0.Add(-time.Second).Unix() }), f.es256),
		"not yet valid":        forge(hdr, claims(func(m map[string]any) { m["nbf"] = t0.Add(time.Hour).Unix() }), f.es256),
		"missing exp":          forge(hdr, claims(func(m map[string]any) { delete(m, "exp") }), f.es256),
		"wrong aud":            forge(hdr, claims(func(m map[string]any) { m["aud"] = "https://other.example" }), f.es256),
		"wrong iss":            forge(hdr, claims(func(m map[string]any) { m["iss"] = "https://evil.example" }), f.es256),
		"padded base64":        parts[0] + "=." + parts[1] + "." + parts[2],
		"non-canonical base64": parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + string(parts[2][len(parts[2])-1]^1),
		"two segments":         parts[0] + "." + parts[1],
		"four segments":        valid + "." + parts[2],
		"10 KB":                parts[0] + "." + strings.Repeat("A", 10<<10) + "." + parts[2],
		"unknown session":      f.issue(t, claims2(good, func(c *accesstoken.Claims) { c.SessionID = "jwt_00000000000000009" })),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			reads := f.store.Reads.Load()
			_, err := f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": "Bearer " + tok}))
			if !errors.Is(err, authorizer.ErrUnauthorized) {
				t.Fatalf("err = %v, want Unauthorized", err)
			}
			if name != "unknown session" && f.store.Reads.Load() != reads {
				t.Fatal("a token that fails verification reached the store")
			}
		})
	}
}

func claims2(c accesstoken.Claims, edit func(*accesstoken.Claims)) accesstoken.Claims {
	edit(&c)
	return c
}

func TestJWTSessionState(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(t *testing.T, f *jwtFixture)
		claims func(c *accesstoken.Claims)
		want   error
	}{
		{"active", func(*testing.T, *jwtFixture) {}, nil, nil},
		{"revoked session", func(_ *testing.T, f *jwtFixture) { _ = f.store.RevokeSession(ctx, project, f.session.ID, t0) }, nil, authorizer.ErrUnauthorized},
		{"issued before NotBefore", func(_ *testing.T, f *jwtFixture) {
			_ = f.store.RevokeTokensBefore(ctx, project, f.session.ID, t0.Add(time.Second))
		}, nil, authorizer.ErrUnauthorized},
		{"owner disabled", func(t *testing.T, f *jwtFixture) { f.setOwner(t, func(u *user.User) { u.Disabled = true }) }, nil, authorizer.ErrUnauthorized},
		{"session of another kind's id", func(*testing.T, *jwtFixture) {}, func(c *accesstoken.Claims) { c.SessionID = "key_00000000000000001" }, authorizer.ErrUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newJWTFixture(t)
			c.change(t, f)
			cl := f.claims()
			if c.claims != nil {
				c.claims(&cl)
			}
			_, err := f.auth.Handle(ctx, whoami(map[string]string{"Authorization": "Bearer " + f.issue(t, cl)}))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestJWTScopes(t *testing.T) {
	ctx := context.Background()
	f := newJWTFixture(t)
	// A personal JWT follows its session (inheriting here) and its owner,
	// live, whatever its scope claim says.
	req := request("GET", "/v1/keys", map[string]string{"Authorization": "Bearer " + f.issue(t, f.claims())})
	if resp, err := f.auth.Handle(ctx, req); err != nil || effect(resp, req.MethodArn) != authorizer.Allow {
		t.Fatalf("inheriting JWT: %v %v", err, resp.PolicyDocument)
	}
	// An access token is also bounded by its scope claim.
	fam := f.session
	fam.ID, fam.Kind = "rtf_00000000000000001", credential.KindRefresh
	fam.Scopes = scope.Set{"credentials:read", "echo:read"}
	_ = f.store.CreateSession(ctx, fam)
	at := f.claims()
	at.SessionID, at.Scope = fam.ID, "echo:read"
	req = request("GET", "/v1/keys", map[string]string{"Authorization": "Bearer " + f.issue(t, at)})
	resp, err := f.auth.Handle(ctx, req)
	if err != nil || effect(resp, req.MethodArn) != authorizer.Deny || resp.Context["credentialType"] != "access_token" {
		t.Fatalf("narrowed access token: %v %v %v", err, resp.Context, resp.PolicyDocument)
	}
}

// BenchmarkJWTDecision compares the authorizer's decision on a JWT it has
// not seen (verification, session and owner from their caches) with a bare
// golang-jwt parse of the same token, in the same run.
func BenchmarkJWTDecision(b *testing.B) {
	f := newJWTFixture(b)
	// Distinct tokens, so no decision is served from the decision cache.
	toks := make([]string, 512)
	for i := range toks {
		c := f.claims()
		c.ID = "at_" + big.NewInt(int64(i)).String()
		toks[i] = f.issue(b, c)
	}
	_, _ = f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": "Bearer " + toks[0]}))
	b.Run("authorizer", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i > 0 && i%len(toks) == 0 {
				f.clock.Advance(31 * time.Second) // past the cache TTL: every token is verified again
			}
			if _, err := f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": "Bearer " + toks[i%len(toks)]})); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("authorizer-cached", func(b *testing.B) {
		req := whoami(map[string]string{"Authorization": "Bearer " + toks[0]})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.auth.Handle(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("golang-jwt", func(b *testing.B) {
		p := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(issuer), jwt.WithAudience(audience),
			jwt.WithExpirationRequired(), jwt.WithTimeFunc(f.clock.Now))
		key := func(*jwt.Token) (any, error) { return &f.key.PublicKey, nil }
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := p.Parse(toks[i%len(toks)], key); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func TestJWTOnlyAsBearer(t *testing.T) {
	f := newJWTFixture(t)
	tok := f.issue(t, f.claims())
	for _, h := range []map[string]string{{"x-api-key": tok}, {"Authorization": "apiToken " + tok}} {
		if _, err := f.auth.Handle(context.Background(), whoami(h)); !errors.Is(err, authorizer.ErrUnauthorized) {
			t.Fatalf("%v: err = %v", h, err)
		}
	}
}
