package oauth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/password"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

const (
	project  = "default"
	issuer   = "https://tollgate.example.test"
	audience = "tollgate"
	// orders is a downstream service token exchange may issue tokens for.
	orders  = "https://orders.example.test"
	grace   = 10 * time.Second
	carolPW = "correct horse battery staple"
)

// t0 is a whole minute, so throttling windows start at t0.
var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// carolHash is computed once: Argon2id is deliberately slow.
var carolHash = sync.OnceValue(func() string {
	h, err := password.Hash(carolPW)
	if err != nil {
		panic(err)
	}
	return h
})

// logBuffer collects the handler's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type fixture struct {
	store    *memory.Store
	counted  *counted // f.store as the handler sees it, its writes counted
	clock    *clock.Fake
	signer   accesstoken.Signer
	verifier *accesstoken.Verifier
	h        *oauth.Handler
	users    map[string]user.User // alice, bob, admin, carol (has a password)
	logs     *logBuffer
	mu       sync.Mutex
	secrets  []string // every secret and token handed out, never to be logged
}

type option func(*oauth.Options)

func passwordSignIn(o *oauth.Options) { o.PasswordSignIn = true }

func newFixture(t *testing.T, opts ...option) *fixture {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	sealKey := make([]byte, 32)
	if _, err := rand.Read(sealKey); err != nil {
		t.Fatal(err)
	}
	sealer, err := envelope.NewLocal(sealKey)
	must(t, err)
	f := &fixture{store: memory.New(), clock: clock.NewFake(t0), signer: accesstoken.NewLocalSigner(key),
		users: map[string]user.User{}, logs: &logBuffer{}}
	keys := accesstoken.NewKeyring(&key.PublicKey)
	f.verifier = &accesstoken.Verifier{Keys: keys, Issuer: issuer, Audience: audience, Audiences: []string{orders}, Clock: f.clock}
	add := func(name string, roles []string, scopes scope.Set, pwHash string) {
		u := user.User{ProjectID: project, ID: id.New(user.IDPrefix), Username: name, Roles: roles, Scopes: scopes,
			CreatedAt: t0.Add(-time.Hour), PasswordHash: pwHash}
		must(t, f.store.CreateUser(context.Background(), u))
		f.users[name] = u
	}
	add("alice", []string{user.RoleCredentialIssuer}, scope.Set{"echo:read", "echo:write", "files:read"}, "")
	add("bob", []string{user.RoleCredentialIssuer}, scope.Set{"echo:read"}, "")
	add("admin", []string{user.RoleAdmin}, scope.Set{}, "")
	add("carol", nil, scope.Set{"echo:read", "files:read"}, carolHash())
	f.secrets = append(f.secrets, carolPW)

	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The authorizer's decision, without its cache: a revocation shows at once.
	inspector := authorizer.New(f.store, authorizer.Options{ProjectID: project, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Verifier: f.verifier, Sealer: sealer, Clock: f.clock, Logger: logger})
	opt := oauth.Options{ProjectID: project, Issuer: issuer, Audience: audience, ExchangeAudiences: []string{orders},
		Inspector: inspector, Signer: f.signer, Keys: keys, Sealer: sealer, Grace: grace, Clock: f.clock, Logger: logger}
	for _, o := range opts {
		o(&opt)
	}
	f.counted = &counted{Store: f.store}
	f.h = oauth.New(f.counted, opt)
	t.Cleanup(func() {
		logs := f.logs.String()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range f.secrets {
			if strings.Contains(logs, s) {
				t.Errorf("the log holds a secret or token (%s…):\n%s", s[:8], logs)
			}
		}
	})
	return f
}

func (f *fixture) remember(s ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets = append(f.secrets, s...)
}

// family stores a refresh-token family of owner and returns its first token.
func (f *fixture) family(t *testing.T, owner string, scopes scope.Set, life, ttl time.Duration) (refresh.Family, string) {
	t.Helper()
	now := f.clock.Now()
	fam, first, tok, err := refresh.NewFamily(project, f.users[owner].ID, "cli", scopes, now, now.Add(life), ttl, "")
	must(t, err)
	must(t, f.store.CreateFamily(context.Background(), fam, first))
	f.remember(tok)
	return fam, tok
}

// client stores an OAuth client of owner and returns its secret.
func (f *fixture) client(t *testing.T, owner string, scopes scope.Set) (credential.Client, string) {
	t.Helper()
	c, sec, err := credential.NewClient(project, f.users[owner].ID, "svc", scopes, f.clock.Now(), "")
	must(t, err)
	must(t, f.store.CreateClient(context.Background(), c))
	f.remember(sec)
	return c, sec
}

// personalJWT stores a personal JWT session and signs its token, as the
// management API does.
func (f *fixture) personalJWT(t *testing.T, owner string, life time.Duration) (credential.Session, string) {
	t.Helper()
	now := f.clock.Now()
	exp := now.Add(life)
	s := credential.Session{ProjectID: project, ID: id.New(string(credential.KindJWT)), Kind: credential.KindJWT,
		Owner: f.users[owner].ID, Name: "laptop", Status: credential.Active, CreatedAt: now, ExpiresAt: &exp,
		NotBefore: now.Truncate(time.Second)}
	tok, err := accesstoken.Issue(context.Background(), f.signer, accesstoken.Claims{Issuer: issuer, Subject: s.Owner,
		Audience: audience, ExpiresAt: exp.Unix(), IssuedAt: now.Unix(), ID: s.ID, Scope: "echo:read", SessionID: s.ID})
	must(t, err)
	must(t, f.store.CreateSession(context.Background(), s))
	f.remember(tok)
	return s, tok
}

// setUser re-reads user name, applies change and writes it back, as the
// management API does: the write is conditional on the version read.
func (f *fixture) setUser(t *testing.T, name string, change func(*user.User)) {
	t.Helper()
	u := f.storedUser(t, name)
	change(&u)
	must(t, f.store.UpdateUser(context.Background(), u))
	f.users[name] = u
}

func (f *fixture) deleteUser(t *testing.T, name string) {
	t.Helper()
	must(t, f.store.DeleteUser(context.Background(), f.storedUser(t, name)))
}

// storedUser is user name as stored.
func (f *fixture) storedUser(t *testing.T, name string) user.User {
	t.Helper()
	u, err := f.store.GetUser(context.Background(), project, f.users[name].ID)
	must(t, err)
	return u
}

func (f *fixture) session(t *testing.T, sid string) credential.Session {
	t.Helper()
	s, err := f.store.GetSession(context.Background(), project, sid)
	if err != nil {
		t.Fatalf("GetSession(%s): %v", sid, err)
	}
	return s
}

// form encodes name/value pairs in the order given (names may repeat).
func form(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// basic is an Authorization header line for client_secret_basic.
func basic(clientID, sec string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(sec)))
}

// event is a proxy event for method and resource with a form body; headers
// are "Name: value" lines, and "Name: " removes a default header.
func event(method, resource, body string, headers ...string) events.APIGatewayProxyRequest {
	h := map[string]string{"Content-Type": oauth.FormType}
	for _, line := range headers {
		name, value, _ := strings.Cut(line, ": ")
		if value == "" {
			delete(h, name)
		} else {
			h[name] = value
		}
	}
	return events.APIGatewayProxyRequest{
		Resource: resource, Path: resource, HTTPMethod: method, Headers: h, Body: body,
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1", ResourcePath: resource, HTTPMethod: method, Stage: "prod"},
	}
}

func tokenReq(body string, headers ...string) events.APIGatewayProxyRequest {
	return event("POST", "/oauth/token", body, headers...)
}

func revokeReq(body string, headers ...string) events.APIGatewayProxyRequest {
	return event("POST", "/oauth/revoke", body, headers...)
}

// answer is a handler response with its decoded body.
type answer struct {
	events.APIGatewayProxyResponse
	fields map[string]json.RawMessage
	claims accesstoken.Claims // of access_token, on a 200 from /oauth/token
	reads  int64              // store reads during the call
	writes int64              // store writes during the call
}

// member decodes member k of an answer as a T, failing the test if it
// cannot.
func member[T any](t *testing.T, a answer, k string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.fields[k], &v); err != nil {
		t.Fatalf("%q = %s, want a JSON %T: %v", k, a.fields[k], v, err)
	}
	return v
}

func (a answer) str(t *testing.T, k string) string {
	t.Helper()
	return member[string](t, a, k)
}

func (a answer) num(t *testing.T, k string) int64 {
	t.Helper()
	return member[int64](t, a, k)
}

// wantError asserts an RFC 6749 error answer.
func (a answer) wantError(t *testing.T, status int, code string) {
	t.Helper()
	if a.StatusCode != status {
		t.Fatalf("status = %d, want %d: %s", a.StatusCode, status, a.Body)
	}
	if got := a.str(t, "error"); got != code {
		t.Fatalf("error = %q, want %q: %s", got, code, a.Body)
	}
}

func (a answer) wantOK(t *testing.T) {
	t.Helper()
	if a.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", a.StatusCode, a.Body)
	}
}

var (
	tokenFields        = []string{"access_token", "expires_in", "scope", "token_type"}
	refreshTokenFields = []string{"access_token", "expires_in", "refresh_token", "scope", "token_type"}
	exchangedFields    = []string{"access_token", "expires_in", "issued_token_type", "scope", "token_type"}
	errorFields        = []string{"error", "error_description"}
)

// usedBasic reports whether the request authenticated with HTTP Basic.
func usedBasic(req events.APIGatewayProxyRequest) bool {
	for k, v := range req.Headers {
		if strings.EqualFold(k, "Authorization") {
			scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
			return strings.EqualFold(scheme, "Basic")
		}
	}
	return false
}

// call serves one request and checks what holds for every answer of the
// OAuth endpoints: no handler error, JSON, no-store and no-cache; an error
// is exactly {"error","error_description"}, with WWW-Authenticate exactly
// when a Basic-authenticated request is refused with 401 and Retry-After
// exactly on 429, and never echoes a secret; a token answer has the RFC
// 6749 §5.1 members and an access token that verifies.
func (f *fixture) call(t *testing.T, req events.APIGatewayProxyRequest) answer {
	t.Helper()
	reads, writes := f.store.Reads.Load(), f.counted.writes.Load()
	raw, err := f.h.Handle(context.Background(), req)
	a := answer{APIGatewayProxyResponse: raw, reads: f.store.Reads.Load() - reads, writes: f.counted.writes.Load() - writes}
	if err != nil {
		t.Fatalf("Handle returned error %v; every failure must be a response", err)
	}
	if err := json.Unmarshal([]byte(raw.Body), &a.fields); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, raw.Body)
	}
	if req.HTTPMethod != "POST" || !slices.Contains([]string{"/oauth/token", "/oauth/revoke", "/oauth/introspect"}, req.Resource) {
		return a
	}
	for k, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"} {
		if got := raw.Headers[k]; got != want {
			t.Errorf("%s = %q, want %q (status %d)", k, got, want, raw.StatusCode)
		}
	}
	_, challenge := raw.Headers["WWW-Authenticate"]
	if wantChallenge := raw.StatusCode == http.StatusUnauthorized && usedBasic(req); challenge != wantChallenge {
		t.Errorf("status %d, Basic used %v: WWW-Authenticate %q", raw.StatusCode, usedBasic(req), raw.Headers["WWW-Authenticate"])
	} else if challenge && raw.Headers["WWW-Authenticate"] != oauth.BasicChallenge {
		t.Errorf("WWW-Authenticate = %q", raw.Headers["WWW-Authenticate"])
	}
	if _, retry := raw.Headers["Retry-After"]; retry != (raw.StatusCode == http.StatusTooManyRequests) {
		t.Errorf("status %d with Retry-After %q", raw.StatusCode, raw.Headers["Retry-After"])
	}
	if raw.StatusCode >= 400 {
		if got := slices.Sorted(maps.Keys(a.fields)); !slices.Equal(got, errorFields) {
			t.Errorf("error members = %v, want exactly %v: %s", got, errorFields, raw.Body)
		}
		if a.str(t, "error") == "" || a.str(t, "error_description") == "" {
			t.Errorf("empty error member: %s", raw.Body)
		}
		if raw.StatusCode >= 500 {
			t.Errorf("server error: %s", raw.Body)
		}
		f.mu.Lock()
		for _, s := range f.secrets {
			if strings.Contains(raw.Body, s) {
				t.Errorf("error body echoes a secret: %s", raw.Body)
			}
		}
		f.mu.Unlock()
		return a
	}
	if raw.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", raw.StatusCode, raw.Body)
	}
	switch req.Resource {
	case "/oauth/revoke":
		if raw.Body != "{}" {
			t.Errorf("revoke answered %s, want {}", raw.Body)
		}
		return a
	case "/oauth/introspect":
		return a
	}
	want := tokenFields
	if _, ok := a.fields["refresh_token"]; ok {
		want = refreshTokenFields
	}
	if _, ok := a.fields["issued_token_type"]; ok {
		want = exchangedFields
	}
	if got := slices.Sorted(maps.Keys(a.fields)); !slices.Equal(got, want) {
		t.Errorf("token answer members = %v, want %v", got, want)
	}
	at := a.str(t, "access_token")
	f.remember(at)
	if rt, ok := a.fields["refresh_token"]; ok {
		var s string
		_ = json.Unmarshal(rt, &s)
		f.remember(s)
	}
	a.claims = f.verify(t, at)
	wantType := "Bearer"
	if a.claims.Confirmation != nil && a.claims.Confirmation.JKT != "" {
		wantType = "DPoP"
	}
	if a.str(t, "token_type") != wantType {
		t.Errorf("token_type = %s, want %s", a.fields["token_type"], wantType)
	}
	if a.claims.Scope != a.str(t, "scope") {
		t.Errorf("scope claim %q, answer scope %q", a.claims.Scope, a.str(t, "scope"))
	}
	if in := a.num(t, "expires_in"); in <= 0 || in != a.claims.ExpiresAt-f.clock.Now().Unix() {
		t.Errorf("expires_in = %d, exp - now = %d", in, a.claims.ExpiresAt-f.clock.Now().Unix())
	}
	if a.claims.IssuedAt != f.clock.Now().Unix() {
		t.Errorf("iat = %d, want now %d", a.claims.IssuedAt, f.clock.Now().Unix())
	}
	return a
}

// verify checks an access token with the accesstoken.Verifier and its
// RFC 9068 header.
func (f *fixture) verify(t *testing.T, tok string) accesstoken.Claims {
	t.Helper()
	c, err := f.verifier.Verify(tok)
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	seg, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	must(t, err)
	var h map[string]string
	must(t, json.Unmarshal(raw, &h))
	if !maps.Equal(h, map[string]string{"alg": "ES256", "kid": f.signer.KeyID(), "typ": "at+jwt"}) {
		t.Errorf("JOSE header = %v", h)
	}
	if c.Issuer != issuer || (c.Audience != audience && c.Audience != orders) || c.ID == "" {
		t.Errorf("claims %+v", c)
	}
	return c
}

// flipLast changes a secret's last character, breaking its checksum.
func flipLast(s string) string {
	c := byte('A')
	if s[len(s)-1] == 'A' {
		c = 'B'
	}
	return s[:len(s)-1] + string(c)
}

// exchange is a refresh_token grant of rt, with more form pairs kv.
func exchange(rt string, kv ...string) events.APIGatewayProxyRequest {
	return tokenReq(form(append([]string{"grant_type", "refresh_token", "refresh_token", rt}, kv...)...))
}

// basicGrant is a client_credentials grant authenticated with
// client_secret_basic, with more form pairs kv.
func basicGrant(clientID, sec string, kv ...string) events.APIGatewayProxyRequest {
	return tokenReq(form(append([]string{"grant_type", "client_credentials"}, kv...)...), basic(clientID, sec))
}

// ok serves req and requires a 200.
func (f *fixture) ok(t *testing.T, req events.APIGatewayProxyRequest) answer {
	t.Helper()
	a := f.call(t, req)
	a.wantOK(t)
	return a
}

// rotate gives client c a new secret, as the management API does: from
// the client as stored, conditional on its version.
func (f *fixture) rotate(t *testing.T, c credential.Client) (credential.Client, string) {
	t.Helper()
	stored, err := f.store.GetClient(context.Background(), project, c.ID)
	must(t, err)
	rotated, sec, err := stored.RotateSecret(f.clock.Now(), credential.DefaultSecretGrace, "")
	must(t, err)
	must(t, f.store.UpdateClientSecret(context.Background(), rotated))
	f.remember(sec)
	return rotated, sec
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// holder is what a private_key_jwt client holds: the key of a certificate
// bound to its user.
type holder struct {
	owner string // the user id the certificate is bound to
	key   *ecdsa.PrivateKey
	cert  certbind.Certificate
}

// bindCertificate binds a new self-signed P-256 certificate to user name.
func (f *fixture) bindCertificate(t *testing.T, name string) holder {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	must(t, err)
	now := f.clock.Now()
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name}, BasicConstraintsValid: true,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	must(t, err)
	cert, err := certbind.FromClientCert(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	must(t, err)
	owner := f.users[name].ID
	must(t, f.store.BindCertificate(context.Background(), certbind.Binding{ProjectID: project, Owner: owner, Certificate: cert, CreatedAt: now}))
	return holder{owner: owner, key: key, cert: cert}
}

// assertion is an RFC 7523 client assertion of h made with golang-jwt:
// iss and sub h's user, aud the token endpoint, a fresh jti, exp in four
// minutes.
func (f *fixture) assertion(t *testing.T, h holder) string {
	t.Helper()
	now := f.clock.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": h.owner, "sub": h.owner, "aud": issuer + "/oauth/token", "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(4 * time.Minute).Unix(),
	})
	tok.Header["x5t#S256"] = h.cert.X5tS256
	signed, err := tok.SignedString(h.key)
	must(t, err)
	f.remember(signed)
	return signed
}

// assertionGrant is a client_credentials grant authenticated by assertion,
// with more form pairs kv and headers ("Name: value").
func assertionGrant(assertion string, kv []string, headers ...string) events.APIGatewayProxyRequest {
	return tokenReq(form(append([]string{"grant_type", "client_credentials",
		"client_assertion_type", oauth.AssertionType, "client_assertion", assertion}, kv...)...), headers...)
}
