package oauth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/password"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

const (
	project  = "default"
	issuer   = "https://tollgate.example.test"
	audience = "tollgate"
	grace    = 10 * time.Second
	carolPW  = "correct horse battery staple"
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
	if err != nil {
		t.Fatal(err)
	}
	sealKey := make([]byte, 32)
	if _, err := rand.Read(sealKey); err != nil {
		t.Fatal(err)
	}
	sealer, err := envelope.NewLocal(sealKey)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: memory.New(), clock: clock.NewFake(t0), signer: accesstoken.NewLocalSigner(key),
		users: map[string]user.User{}, logs: &logBuffer{}}
	keys := accesstoken.NewKeyring(&key.PublicKey)
	f.verifier = &accesstoken.Verifier{Keys: keys, Issuer: issuer, Audience: audience, Clock: f.clock}
	add := func(name string, roles []string, scopes scope.Set, pwHash string) {
		u := user.User{ProjectID: project, ID: id.New(user.IDPrefix), Username: name, Roles: roles, Scopes: scopes,
			CreatedAt: t0.Add(-time.Hour), PasswordHash: pwHash}
		if err := f.store.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		f.users[name] = u
	}
	add("alice", []string{user.RoleCredentialIssuer}, scope.Set{"echo:read", "echo:write", "files:read"}, "")
	add("bob", []string{user.RoleCredentialIssuer}, scope.Set{"echo:read"}, "")
	add("admin", []string{user.RoleAdmin}, scope.Set{}, "")
	add("carol", nil, scope.Set{"echo:read", "files:read"}, carolHash())
	f.secrets = append(f.secrets, carolPW)

	opt := oauth.Options{ProjectID: project, Issuer: issuer, Audience: audience, Signer: f.signer, Keys: keys,
		Sealer: sealer, Grace: grace, Clock: f.clock, Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, o := range opts {
		o(&opt)
	}
	f.h = oauth.New(f.store, opt)
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
	fam, first, tok, err := refresh.NewFamily(project, f.users[owner].ID, "cli", scopes, now, now.Add(life), ttl)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateFamily(context.Background(), fam, first); err != nil {
		t.Fatal(err)
	}
	f.remember(tok)
	return fam, tok
}

// client stores an OAuth client of owner and returns its secret.
func (f *fixture) client(t *testing.T, owner string, scopes scope.Set) (credential.Client, string) {
	t.Helper()
	c, sec, err := credential.NewClient(project, f.users[owner].ID, "svc", scopes, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateSession(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	f.remember(tok)
	return s, tok
}

func (f *fixture) setUser(t *testing.T, name string, change func(*user.User)) {
	t.Helper()
	u := f.users[name]
	change(&u)
	if err := f.store.UpdateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	f.users[name] = u
}

func (f *fixture) deleteUser(t *testing.T, name string) {
	t.Helper()
	if err := f.store.DeleteUser(context.Background(), f.users[name]); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) session(t *testing.T, sid string) credential.Session {
	t.Helper()
	s, err := f.store.GetSession(context.Background(), project, sid)
	if err != nil {
		t.Fatalf("GetSession(%s): %v", sid, err)
	}
	return s
}

// ------------------------------------------------------------ requests

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
}

func (a answer) str(t *testing.T, k string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(a.fields[k], &s); err != nil {
		t.Fatalf("%q = %s, want a string: %v", k, a.fields[k], err)
	}
	return s
}

func (a answer) num(t *testing.T, k string) int64 {
	t.Helper()
	var n int64
	if err := json.Unmarshal(a.fields[k], &n); err != nil {
		t.Fatalf("%q = %s, want an integer: %v", k, a.fields[k], err)
	}
	return n
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
	reads := f.store.Reads.Load()
	raw, err := f.h.Handle(context.Background(), req)
	a := answer{APIGatewayProxyResponse: raw, reads: f.store.Reads.Load() - reads}
	if err != nil {
		t.Fatalf("Handle returned error %v; every failure must be a response", err)
	}
	if err := json.Unmarshal([]byte(raw.Body), &a.fields); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, raw.Body)
	}
	if req.HTTPMethod != "POST" || req.Resource != "/oauth/token" && req.Resource != "/oauth/revoke" {
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
	if req.Resource == "/oauth/revoke" {
		if raw.Body != "{}" {
			t.Errorf("revoke answered %s, want {}", raw.Body)
		}
		return a
	}
	want := tokenFields
	if _, ok := a.fields["refresh_token"]; ok {
		want = refreshTokenFields
	}
	if got := slices.Sorted(maps.Keys(a.fields)); !slices.Equal(got, want) {
		t.Errorf("token answer members = %v, want %v", got, want)
	}
	if a.str(t, "token_type") != "Bearer" {
		t.Errorf("token_type = %s", a.fields["token_type"])
	}
	at := a.str(t, "access_token")
	f.remember(at)
	if rt, ok := a.fields["refresh_token"]; ok {
		var s string
		_ = json.Unmarshal(rt, &s)
		f.remember(s)
	}
	a.claims = f.verify(t, at)
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
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]string
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(h, map[string]string{"alg": "ES256", "kid": f.signer.KeyID(), "typ": "at+jwt"}) {
		t.Errorf("JOSE header = %v", h)
	}
	if c.Issuer != issuer || c.Audience != audience || c.ID == "" {
		t.Errorf("claims %+v", c)
	}
	return c
}

// ------------------------------------------------------- request format

func TestTokenRequestFormat(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		headers []string
		base64  bool
		status  int
		code    string
		desc    string // a substring of error_description
	}{
		{name: "grant_type missing", body: form("scope", "echo:read"), status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "grant_type empty", body: "grant_type=", status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "empty body", body: "", status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "grant_type unknown", body: form("grant_type", "password", "username", "alice", "password", "x"), status: 400, code: "unsupported_grant_type"},
		{name: "authorization_code", body: form("grant_type", "authorization_code", "code", "abc"), status: 400, code: "unsupported_grant_type"},
		{name: "grant_type in capitals", body: form("grant_type", "CLIENT_CREDENTIALS"), status: 400, code: "unsupported_grant_type"},
		{name: "JSON body", body: `{"grant_type":"client_credentials"}`, headers: []string{"Content-Type: application/json"},
			status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "JSON body labelled as a form", body: `{"grant_type":"client_credentials"}`, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "JSON array body", body: `[1]`, headers: []string{"Content-Type: application/json; charset=utf-8"}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "no Content-Type", body: form("grant_type", "client_credentials"), headers: []string{"Content-Type: "}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "text/plain", body: form("grant_type", "client_credentials"), headers: []string{"Content-Type: text/plain"}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "multipart", body: "--x--", headers: []string{"Content-Type: multipart/form-data; boundary=x"}, status: 400, code: "invalid_request", desc: "form-urlencoded"},
		{name: "charset not UTF-8", body: form("grant_type", "client_credentials"), headers: []string{"Content-Type: application/x-www-form-urlencoded; charset=iso-8859-1"},
			status: 400, code: "invalid_request"},
		{name: "duplicate grant_type", body: "grant_type=client_credentials&grant_type=client_credentials", status: 400, code: "invalid_request", desc: "grant_type"},
		{name: "duplicate refresh_token", body: "grant_type=refresh_token&refresh_token=a&refresh_token=b", status: 400, code: "invalid_request", desc: "refresh_token"},
		{name: "duplicate scope", body: "grant_type=client_credentials&client_id=x&client_secret=y&scope=a&scope=b", status: 400, code: "invalid_request", desc: "scope"},
		{name: "bad percent-encoding", body: "grant_type=client%ZZcredentials", status: 400, code: "invalid_request"},
		{name: "not UTF-8", body: "grant_type=%FF", status: 400, code: "invalid_request"},
		{name: "empty parameter name", body: "grant_type=client_credentials&=x", status: 400, code: "invalid_request"},
		{name: "body over 16 KiB", body: form("grant_type", "client_credentials", "pad", strings.Repeat("a", 16<<10)), status: 400, code: "invalid_request"},
		{name: "invalid base64 body", body: "%%%", base64: true, status: 400, code: "invalid_request"},
		{name: "base64 body", body: base64.StdEncoding.EncodeToString([]byte(form("grant_type", "nope"))), base64: true, status: 400, code: "unsupported_grant_type"},
		{name: "lower-case content-type header", body: form("grant_type", "nope"), headers: []string{"Content-Type: ", "content-type: application/x-www-form-urlencoded"},
			status: 400, code: "unsupported_grant_type"},
		{name: "form type with UTF-8 charset", body: form("grant_type", "nope"), headers: []string{"Content-Type: application/x-www-form-urlencoded; charset=UTF-8"},
			status: 400, code: "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			req := tokenReq(tt.body, tt.headers...)
			req.IsBase64Encoded = tt.base64
			a := f.call(t, req)
			a.wantError(t, tt.status, tt.code)
			if d := a.str(t, "error_description"); !strings.Contains(d, tt.desc) {
				t.Errorf("error_description = %q, want it to mention %q", d, tt.desc)
			}
			if a.reads != 0 {
				t.Errorf("a malformed request read the store %d times", a.reads)
			}
		})
	}
}

// ---------------------------------------------------------- refresh grant

func TestRefreshGrant(t *testing.T) {
	const day = 24 * time.Hour
	type setup struct {
		t   *testing.T
		f   *fixture
		fam refresh.Family
		rt  string
	}
	tests := []struct {
		name    string
		owner   string    // default alice
		scopes  scope.Set // of the family; nil inherits
		life    time.Duration
		ttl     time.Duration
		before  func(t *testing.T, s setup)
		body    func(s setup) string // default grant_type=refresh_token&refresh_token=<rt>
		status  int
		code    string
		scope   string // granted, on 200
		expIn   int64  // expires_in, on 200
		noReads bool
	}{
		{name: "inheriting family", status: 200, scope: "echo:read echo:write files:read", expIn: 10800},
		{name: "explicit scopes", scopes: scope.Set{"echo:read", "files:read"}, status: 200, scope: "echo:read files:read", expIn: 10800},
		{name: "short access-token TTL", ttl: time.Minute, status: 200, scope: "echo:read echo:write files:read", expIn: 60},
		{name: "longest access-token TTL", ttl: day, status: 200, scope: "echo:read echo:write files:read", expIn: 86400},
		{name: "family expiry caps the access token", life: time.Hour, ttl: 3 * time.Hour, status: 200, scope: "echo:read echo:write files:read", expIn: 3600},
		{name: "family expiring soon caps the access token", life: time.Hour, ttl: 3 * time.Hour,
			before: func(t *testing.T, s setup) { s.f.clock.Advance(59*time.Minute + 59*time.Second) },
			status: 200, scope: "echo:read echo:write files:read", expIn: 1},
		{name: "narrowed scope", scopes: scope.Set{"echo:read", "files:read"},
			body: func(s setup) string {
				return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "echo:read")
			},
			status: 200, scope: "echo:read", expIn: 10800},
		{name: "the same scope in another order", scopes: scope.Set{"echo:read", "files:read"},
			body: func(s setup) string {
				return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "files:read  echo:read")
			},
			status: 200, scope: "echo:read files:read", expIn: 10800},
		{name: "repeated scope", scopes: scope.Set{"echo:read", "files:read"},
			body: func(s setup) string {
				return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "echo:read echo:read")
			},
			status: 200, scope: "echo:read", expIn: 10800},
		{name: "inheriting family narrowed", body: func(s setup) string {
			return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "echo:write")
		}, status: 200, scope: "echo:write", expIn: 10800},
		{name: "owner demoted: the token shrinks", scopes: scope.Set{"echo:read", "echo:write"},
			before: func(t *testing.T, s setup) {
				s.f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set{"echo:read"} })
			},
			status: 200, scope: "echo:read", expIn: 10800},
		{name: "owner demoted: an inheriting family follows", before: func(t *testing.T, s setup) {
			s.f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set{"files:read"} })
		}, status: 200, scope: "files:read", expIn: 10800},
		{name: "admin owner", owner: "admin", status: 200, scope: "*", expIn: 10800},
		{name: "admin owner with explicit scopes", owner: "admin", scopes: scope.Set{"users:admin"}, status: 200, scope: "users:admin", expIn: 10800},

		{name: "scope widened", scopes: scope.Set{"echo:read"},
			body: func(s setup) string {
				return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "echo:read echo:write")
			},
			status: 400, code: "invalid_scope"},
		{name: "scope beyond the owner's", body: func(s setup) string {
			return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "users:admin")
		}, status: 400, code: "invalid_scope"},
		{name: "scope beyond a demoted owner's", scopes: scope.Set{"echo:read"},
			before: func(t *testing.T, s setup) {
				s.f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set{"files:read"} })
			},
			body: func(s setup) string {
				return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "files:read")
			},
			status: 400, code: "invalid_scope"},
		{name: "malformed scope", body: func(s setup) string {
			return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "Echo:Read")
		}, status: 400, code: "invalid_scope", noReads: true},
		{name: "the all scope", owner: "admin", body: func(s setup) string {
			return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", "*")
		}, status: 400, code: "invalid_scope", noReads: true},

		{name: "owner disabled", before: func(t *testing.T, s setup) { s.f.setUser(t, "alice", func(u *user.User) { u.Disabled = true }) },
			status: 400, code: "invalid_grant"},
		{name: "owner deleted", before: func(t *testing.T, s setup) { s.f.deleteUser(t, "alice") }, status: 400, code: "invalid_grant"},
		{name: "family revoked", before: func(t *testing.T, s setup) {
			if err := s.f.store.RevokeFamily(context.Background(), project, s.fam.ID, s.f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}, status: 400, code: "invalid_grant"},
		{name: "family expired", life: time.Hour, before: func(t *testing.T, s setup) { s.f.clock.Advance(time.Hour) }, status: 400, code: "invalid_grant"},
		{name: "family long expired", life: time.Hour, before: func(t *testing.T, s setup) { s.f.clock.Advance(100 * day) }, status: 400, code: "invalid_grant"},
		{name: "unknown token", body: func(s setup) string {
			tok, _ := secret.Generate(secret.PrefixRefreshToken)
			return form("grant_type", "refresh_token", "refresh_token", tok)
		}, status: 400, code: "invalid_grant"},
		{name: "token of another project", body: func(s setup) string {
			fam, first, tok, _ := refresh.NewFamily("elsewhere", s.f.users["alice"].ID, "x", nil, t0, t0.Add(day), time.Hour)
			_ = s.f.store.CreateFamily(context.Background(), fam, first)
			return form("grant_type", "refresh_token", "refresh_token", tok)
		}, status: 400, code: "invalid_grant"},
		{name: "malformed token", body: func(s setup) string { return form("grant_type", "refresh_token", "refresh_token", "nonsense") },
			status: 400, code: "invalid_grant", noReads: true},
		{name: "wrong checksum", body: func(s setup) string {
			return form("grant_type", "refresh_token", "refresh_token", flipLast(s.rt))
		}, status: 400, code: "invalid_grant", noReads: true},
		{name: "token with a trailing space", body: func(s setup) string {
			return form("grant_type", "refresh_token", "refresh_token", s.rt+" ")
		}, status: 400, code: "invalid_grant", noReads: true},
		{name: "API key in its place", body: func(s setup) string {
			tok, _ := secret.Generate(secret.PrefixAPIKey)
			return form("grant_type", "refresh_token", "refresh_token", tok)
		}, status: 400, code: "invalid_grant", noReads: true},
		{name: "client secret in its place", body: func(s setup) string {
			_, sec := s.f.client(s.t, "alice", nil)
			return form("grant_type", "refresh_token", "refresh_token", sec)
		}, status: 400, code: "invalid_grant", noReads: true},
		{name: "refresh_token missing", body: func(s setup) string { return form("grant_type", "refresh_token") },
			status: 400, code: "invalid_request", noReads: true},
		{name: "refresh_token empty", body: func(s setup) string { return form("grant_type", "refresh_token", "refresh_token", "") },
			status: 400, code: "invalid_request", noReads: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			owner, life, ttl := cmpOr(tt.owner, "alice"), cmpOr(tt.life, 90*day), cmpOr(tt.ttl, refresh.DefaultAccessTokenTTL)
			fam, rt := f.family(t, owner, tt.scopes, life, ttl)
			s := setup{t: t, f: f, fam: fam, rt: rt}
			if tt.before != nil {
				tt.before(t, s)
			}
			body := form("grant_type", "refresh_token", "refresh_token", rt)
			if tt.body != nil {
				body = tt.body(s)
			}
			a := f.call(t, tokenReq(body))
			if tt.noReads && a.reads != 0 {
				t.Errorf("read the store %d times; a malformed token must be refused without a read", a.reads)
			}
			if tt.status != 200 {
				a.wantError(t, tt.status, tt.code)
				return
			}
			a.wantOK(t)
			if a.str(t, "scope") != tt.scope || a.num(t, "expires_in") != tt.expIn {
				t.Errorf("scope %q expires_in %d, want %q %d", a.str(t, "scope"), a.num(t, "expires_in"), tt.scope, tt.expIn)
			}
			c := a.claims
			now := f.clock.Now()
			wantExp := min(now.Add(ttl).Unix(), fam.ExpiresAt.Unix())
			if c.Subject != f.users[owner].ID || c.SessionID != fam.ID || c.ClientID != "" || c.ExpiresAt != wantExp || c.Confirmation != nil {
				t.Errorf("claims %+v, want sub %s sid %s exp %d", c, f.users[owner].ID, fam.ID, wantExp)
			}
			next := a.str(t, "refresh_token")
			if _, err := secret.Check(next, secret.PrefixRefreshToken); err != nil || next == rt {
				t.Errorf("refresh_token %q (presented %q): %v", next, rt, err)
			}
			spent, err := f.store.GetRefreshToken(context.Background(), project, secret.Sum(rt))
			if err != nil || !spent.Spent || !spent.SpentAt.Equal(now) || len(spent.Successor) == 0 ||
				bytes.Contains(spent.Successor, []byte(next)) {
				t.Errorf("presented token's record %+v, %v: want spent now, successor sealed", spent, err)
			}
			succ, err := f.store.GetRefreshToken(context.Background(), project, secret.Sum(next))
			if err != nil || succ.Spent || succ.FamilyID != fam.ID || succ.Generation != 1 || !succ.ExpiresAt.Equal(*fam.ExpiresAt) {
				t.Errorf("successor record %+v, %v", succ, err)
			}
			if got, err := f.store.GetFamily(context.Background(), project, fam.ID); err != nil || got.Status != credential.Active ||
				!got.ExpiresAt.Equal(*fam.ExpiresAt) || !slices.Equal(got.Scopes, fam.Scopes) {
				t.Errorf("family after exchange %+v, %v", got, err)
			}
		})
	}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// flipLast changes a secret's last character, breaking its checksum.
func flipLast(s string) string {
	c := byte('A')
	if s[len(s)-1] == 'A' {
		c = 'B'
	}
	return s[:len(s)-1] + string(c)
}

func exchange(rt string, kv ...string) events.APIGatewayProxyRequest {
	return tokenReq(form(append([]string{"grant_type", "refresh_token", "refresh_token", rt}, kv...)...))
}

// TestRefreshRotation walks a family through rotation, a retry within the
// grace period, narrowing, and reuse after the grace period.
func TestRefreshRotation(t *testing.T) {
	f := newFixture(t)
	fam, rt0 := f.family(t, "alice", scope.Set{"echo:read", "files:read"}, 90*24*time.Hour, time.Hour)
	ctx := context.Background()

	first := f.call(t, exchange(rt0))
	first.wantOK(t)
	rt1 := first.str(t, "refresh_token")

	// A lost answer: the retry, up to the end of the grace period, gets the
	// same successor and a fresh access token.
	f.clock.Advance(grace)
	retry := f.call(t, exchange(rt0))
	retry.wantOK(t)
	if retry.str(t, "refresh_token") != rt1 {
		t.Fatalf("retry within grace got another successor")
	}
	if retry.str(t, "access_token") == first.str(t, "access_token") || retry.claims.ID == first.claims.ID {
		t.Error("retry reissued the same access token")
	}

	// Narrowing applies to that access token only: the family keeps its scope.
	narrow := f.call(t, exchange(rt1, "scope", "files:read"))
	narrow.wantOK(t)
	if narrow.str(t, "scope") != "files:read" {
		t.Fatalf("narrowed scope %q", narrow.str(t, "scope"))
	}
	rt2 := narrow.str(t, "refresh_token")
	full := f.call(t, exchange(rt2))
	full.wantOK(t)
	if full.str(t, "scope") != "echo:read files:read" {
		t.Errorf("after a narrowed exchange the successor grants %q, want the family's scope", full.str(t, "scope"))
	}
	rt3 := full.str(t, "refresh_token")
	if tok, err := f.store.GetRefreshToken(ctx, project, secret.Sum(rt3)); err != nil || tok.Generation != 3 || !tok.ExpiresAt.Equal(*fam.ExpiresAt) {
		t.Errorf("third successor %+v, %v: the family's absolute expiry never moves", tok, err)
	}

	// One nanosecond past the grace period the spent token is a reuse.
	f.clock.Advance(time.Nanosecond)
	f.call(t, exchange(rt0)).wantError(t, 400, "invalid_grant")
	got, err := f.store.GetFamily(ctx, project, fam.ID)
	if err != nil || got.Status != credential.Revoked {
		t.Fatalf("family after reuse: %+v, %v; want revoked", got, err)
	}
	if !strings.Contains(f.logs.String(), "reuse") {
		t.Errorf("reuse not logged: %s", f.logs.String())
	}
	// Every token of the family, the newest included, now fails, and so do
	// the access tokens issued from it (their session is revoked).
	for i, rt := range []string{rt0, rt1, rt2, rt3} {
		if a := f.call(t, exchange(rt)); a.StatusCode != 400 || a.str(t, "error") != "invalid_grant" {
			t.Errorf("token %d after reuse: %d %s", i, a.StatusCode, a.Body)
		}
	}
	for _, a := range []answer{first, retry, narrow, full} {
		if f.session(t, a.claims.SessionID).Accepts(time.Unix(a.claims.IssuedAt, 0), f.clock.Now()) {
			t.Errorf("access token %s still accepted by its session after reuse", a.claims.ID)
		}
	}
}

func TestRefreshGraceBoundary(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		reuse bool
	}{
		{"at once", 0, false},
		{"within", 5 * time.Second, false},
		{"at the end", grace, false},
		{"just after", grace + time.Nanosecond, true},
		{"long after", 30 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			fam, rt := f.family(t, "bob", nil, 90*24*time.Hour, time.Hour)
			first := f.call(t, exchange(rt))
			first.wantOK(t)
			f.clock.Advance(tt.after)
			again := f.call(t, exchange(rt))
			st, _ := f.store.GetFamily(context.Background(), project, fam.ID)
			if tt.reuse {
				again.wantError(t, 400, "invalid_grant")
				if st.Status != credential.Revoked {
					t.Errorf("family %s after reuse, want revoked", st.Status)
				}
				return
			}
			again.wantOK(t)
			if again.str(t, "refresh_token") != first.str(t, "refresh_token") || st.Status != credential.Active {
				t.Errorf("retry got %q (first %q), family %s", again.str(t, "refresh_token"), first.str(t, "refresh_token"), st.Status)
			}
		})
	}
}

// TestRefreshConcurrentExchanges: racing exchanges of one token all get
// the same single successor.
func TestRefreshConcurrentExchanges(t *testing.T) {
	f := newFixture(t)
	_, rt := f.family(t, "alice", nil, 90*24*time.Hour, time.Hour)
	const n = 16
	got := make([]events.APIGatewayProxyResponse, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = f.h.Handle(context.Background(), exchange(rt))
		}()
	}
	wg.Wait()
	successors := map[string]bool{}
	for i, r := range got {
		var m map[string]any
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil || r.StatusCode != 200 {
			t.Fatalf("exchange %d: %d %s", i, r.StatusCode, r.Body)
		}
		successors[m["refresh_token"].(string)] = true
		f.remember(m["refresh_token"].(string), m["access_token"].(string))
	}
	if len(successors) != 1 {
		t.Fatalf("%d racing exchanges produced %d successors, want 1", n, len(successors))
	}
}

// TestRefreshErrorKeepsToken: a refused exchange (a widened scope, which
// the client can correct) must not spend the refresh token; otherwise the
// client, which never saw the successor, later presents a spent token and
// loses its whole session to reuse detection.
func TestRefreshErrorKeepsToken(t *testing.T) {
	f := newFixture(t)
	fam, rt := f.family(t, "alice", scope.Set{"echo:read"}, 90*24*time.Hour, time.Hour)
	f.call(t, exchange(rt, "scope", "echo:read echo:write")).wantError(t, 400, "invalid_scope")
	tok, err := f.store.GetRefreshToken(context.Background(), project, secret.Sum(rt))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Spent {
		t.Fatal("an exchange answered invalid_scope still spends the refresh token (oauth.refreshGrant exchanges before checking the scope); " +
			"after the grace period the client's retry is treated as reuse and the family is revoked")
	}
	f.clock.Advance(grace + time.Second)
	f.call(t, exchange(rt)).wantOK(t)
	if st, _ := f.store.GetFamily(context.Background(), project, fam.ID); st.Status != credential.Active {
		t.Errorf("family %s", st.Status)
	}
}

// TestRefreshFamilyEndingWithinTheSecond: a family whose expiry is less
// than a second away can no longer carry an access token (exp would equal
// iat); the answer must still be an OAuth error, not a server error.
func TestRefreshFamilyEndingWithinTheSecond(t *testing.T) {
	f := newFixture(t)
	_, rt := f.family(t, "alice", nil, time.Hour+500*time.Millisecond, time.Hour)
	f.clock.Advance(time.Hour + 200*time.Millisecond)
	raw, err := f.h.Handle(context.Background(), exchange(rt))
	if err != nil {
		t.Fatal(err)
	}
	if raw.StatusCode >= 500 {
		t.Fatal("exchanging a refresh token less than a second before its family expires answers " +
			strconv.Itoa(raw.StatusCode) + " " + raw.Body + " (the access token's exp equals its iat and accesstoken.Issue refuses it); want 400 invalid_grant or a 200")
	}
	if raw.StatusCode != 200 && raw.StatusCode != 400 {
		t.Errorf("answered %d %s", raw.StatusCode, raw.Body)
	}
}

// --------------------------------------------------- client_credentials

func TestClientCredentials(t *testing.T) {
	type setup struct {
		t          *testing.T
		f          *fixture
		id, sec    string // alice's client, scopes echo:read files:read
		bobID      string // bob's client, inheriting
		bobSec     string
		otherSec   string // alice's second client
		revokedID  string
		revokedSec string
	}
	tests := []struct {
		name      string
		before    func(t *testing.T, s setup)
		req       func(s setup) events.APIGatewayProxyRequest
		status    int
		code      string
		scope     string
		inherited bool // the token is bob's client's
	}{
		{name: "client_secret_post", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id, "client_secret", s.sec))
		}, status: 200, scope: "echo:read files:read"},
		{name: "client_secret_basic", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.id, s.sec))
		}, status: 200, scope: "echo:read files:read"},
		{name: "basic scheme in lower case", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: basic "+base64.StdEncoding.EncodeToString([]byte(s.id+":"+s.sec)))
		}, status: 200, scope: "echo:read files:read"},
		{name: "basic with a percent-encoded id", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("%63"+s.id[1:]+":"+s.sec)))
		}, status: 200, scope: "echo:read files:read"},
		{name: "scope narrowed", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "scope", "files:read"), basic(s.id, s.sec))
		}, status: 200, scope: "files:read"},
		{name: "scope equal", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "scope", "files:read echo:read"), basic(s.id, s.sec))
		}, status: 200, scope: "echo:read files:read"},
		{name: "inheriting client", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.bobID, s.bobSec))
		}, status: 200, scope: "echo:read", inherited: true},
		{name: "owner demoted", before: func(t *testing.T, s setup) {
			s.f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set{"files:read"} })
		}, req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.id, s.sec))
		}, status: 200, scope: "files:read"},
		{name: "inheriting client follows a promoted owner", before: func(t *testing.T, s setup) {
			s.f.setUser(t, "bob", func(u *user.User) { u.Scopes = scope.Set{"echo:read", "echo:write"} })
		}, req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.bobID, s.bobSec))
		}, status: 200, scope: "echo:read echo:write", inherited: true},

		{name: "scope widened", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "scope", "echo:read echo:write"), basic(s.id, s.sec))
		}, status: 400, code: "invalid_scope"},
		{name: "scope beyond an inheriting client's owner", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "scope", "echo:write"), basic(s.bobID, s.bobSec))
		}, status: 400, code: "invalid_scope"},
		{name: "scope malformed", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "scope", "echo:read Files"), basic(s.id, s.sec))
		}, status: 400, code: "invalid_scope"},
		{name: "both methods", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id, "client_secret", s.sec), basic(s.id, s.sec))
		}, status: 400, code: "invalid_request"},
		{name: "basic and client_id in the body", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id), basic(s.id, s.sec))
		}, status: 400, code: "invalid_request"},
		{name: "basic and client_secret in the body", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_secret", s.sec), basic(s.id, s.sec))
		}, status: 400, code: "invalid_request"},
		{name: "no client authentication", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"))
		}, status: 401, code: "invalid_client"},
		{name: "another scheme only", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Bearer "+s.sec)
		}, status: 401, code: "invalid_client"},
		{name: "basic not base64", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic %%%")
		}, status: 401, code: "invalid_client"},
		{name: "basic without a colon", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(s.id)))
		}, status: 401, code: "invalid_client"},
		{name: "basic empty", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), "Authorization: Basic")
		}, status: 401, code: "invalid_client"},
		{name: "wrong secret, post", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id, "client_secret", s.otherSec))
		}, status: 401, code: "invalid_client"},
		{name: "wrong secret, basic", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.id, s.otherSec))
		}, status: 401, code: "invalid_client"},
		{name: "secret with a bad checksum", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.id, flipLast(s.sec)))
		}, status: 401, code: "invalid_client"},
		{name: "secret missing", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", s.id))
		}, status: 401, code: "invalid_client"},
		{name: "client_id missing", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_secret", s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "unknown client, post", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", id.New("cli"), "client_secret", s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "unknown client, basic", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(id.New("cli"), s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "user id as client id", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.f.users["alice"].ID, s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "refresh family id as client id", req: func(s setup) events.APIGatewayProxyRequest {
			fam, _ := s.f.family(s.t, "alice", nil, time.Hour, time.Hour)
			return tokenReq(form("grant_type", "client_credentials"), basic(fam.ID, s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "revoked client", req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.revokedID, s.revokedSec))
		}, status: 401, code: "invalid_client"},
		{name: "owner disabled", before: func(t *testing.T, s setup) {
			s.f.setUser(t, "alice", func(u *user.User) { u.Disabled = true })
		}, req: func(s setup) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials"), basic(s.id, s.sec))
		}, status: 401, code: "invalid_client"},
		{name: "owner deleted", before: func(t *testing.T, s setup) { s.f.deleteUser(t, "alice") },
			req: func(s setup) events.APIGatewayProxyRequest {
				return tokenReq(form("grant_type", "client_credentials", "client_id", s.id, "client_secret", s.sec))
			}, status: 401, code: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c, sec := f.client(t, "alice", scope.Set{"echo:read", "files:read"})
			b, bsec := f.client(t, "bob", nil)
			_, osec := f.client(t, "alice", scope.Set{"echo:read"})
			r, rsec := f.client(t, "alice", nil)
			if err := f.store.RevokeSession(context.Background(), project, r.ID, t0); err != nil {
				t.Fatal(err)
			}
			s := setup{t: t, f: f, id: c.ID, sec: sec, bobID: b.ID, bobSec: bsec, otherSec: osec, revokedID: r.ID, revokedSec: rsec}
			if tt.before != nil {
				tt.before(t, s)
			}
			a := f.call(t, tt.req(s))
			if tt.status != 200 {
				a.wantError(t, tt.status, tt.code)
				if tt.status == 401 && a.Body != `{"error":"invalid_client","error_description":"Bad credentials"}` {
					t.Errorf("401 body %s", a.Body)
				}
				return
			}
			a.wantOK(t)
			want := c.ID
			if tt.inherited {
				want = b.ID
			}
			if a.str(t, "scope") != tt.scope || a.num(t, "expires_in") != 3600 {
				t.Errorf("scope %q expires_in %d", a.str(t, "scope"), a.num(t, "expires_in"))
			}
			if cl := a.claims; cl.Subject != want || cl.ClientID != want || cl.SessionID != want ||
				cl.ExpiresAt != t0.Add(credential.AccessTokenTTL).Unix() || cl.Confirmation != nil {
				t.Errorf("claims %+v, want sub, client_id and sid %s", cl, want)
			}
		})
	}
}

// TestBadCredentialsAreIndistinguishable: every way client authentication
// fails gets the same answer, byte for byte.
func TestBadCredentialsAreIndistinguishable(t *testing.T) {
	f := newFixture(t, passwordSignIn)
	ctx := context.Background()
	live, _ := f.client(t, "alice", nil)
	_, other := f.client(t, "alice", nil)
	revoked, revokedSec := f.client(t, "alice", nil)
	if err := f.store.RevokeSession(ctx, project, revoked.ID, t0); err != nil {
		t.Fatal(err)
	}
	orphan, orphanSec := f.client(t, "bob", nil)
	f.setUser(t, "bob", func(u *user.User) { u.Disabled = true })
	failures := []struct{ name, id, sec string }{
		{"wrong secret", live.ID, other},
		{"unknown client", id.New("cli"), other},
		{"malformed client id", "cli_!", other},
		{"revoked client", revoked.ID, revokedSec},
		{"disabled owner", orphan.ID, orphanSec},
		{"malformed secret", live.ID, "hunter2"},
		{"empty secret", live.ID, ""},
		{"unknown user", "nobody", carolPW},
		{"wrong password", "carol", "not carol's password"},
	}
	for _, style := range []string{"post", "basic"} {
		f.clock.Advance(oauth.FailureWindow) // each style in its own throttling window
		var first *events.APIGatewayProxyResponse
		for _, c := range failures {
			req := tokenReq(form("grant_type", "client_credentials", "client_id", c.id, "client_secret", c.sec))
			if style == "basic" {
				req = tokenReq(form("grant_type", "client_credentials"), basic(c.id, c.sec))
			}
			a := f.call(t, req)
			a.wantError(t, 401, "invalid_client")
			if a.Body != `{"error":"invalid_client","error_description":"Bad credentials"}` {
				t.Errorf("%s %s: body %s", style, c.name, a.Body)
			}
			if first == nil {
				first = &a.APIGatewayProxyResponse
				continue
			}
			if a.StatusCode != first.StatusCode || a.Body != first.Body || !maps.Equal(a.Headers, first.Headers) {
				t.Errorf("%s %s: %d %v %s differs from %d %v %s", style, c.name, a.StatusCode, a.Headers, a.Body,
					first.StatusCode, first.Headers, first.Body)
			}
		}
	}
}

func TestClientSecretRotationGrace(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		old   int // status of the old secret
	}{
		{"at once", 0, 200},
		{"a day less a second", 24*time.Hour - time.Second, 200},
		{"a day", 24 * time.Hour, 401},
		{"a month", 30 * 24 * time.Hour, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c, old := f.client(t, "alice", scope.Set{"echo:read"})
			rotated, fresh, err := c.RotateSecret(f.clock.Now(), credential.DefaultSecretGrace)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.store.UpdateClientSecret(context.Background(), rotated); err != nil {
				t.Fatal(err)
			}
			f.remember(fresh)
			f.clock.Advance(tt.after)
			a := f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, old)))
			if a.StatusCode != tt.old {
				t.Errorf("old secret after %v: %d %s, want %d", tt.after, a.StatusCode, a.Body, tt.old)
			}
			f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, fresh))).wantOK(t)

			// A second rotation ends the first secret at once.
			again, newest, err := rotated.RotateSecret(f.clock.Now(), credential.DefaultSecretGrace)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.store.UpdateClientSecret(context.Background(), again); err != nil {
				t.Fatal(err)
			}
			f.remember(newest)
			f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, old))).wantError(t, 401, "invalid_client")
			f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, fresh))).wantOK(t)
			f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, newest))).wantOK(t)
		})
	}
}

// TestThrottling: MaxFailures failed authentications for one client id
// in a minute window turn every request for that id, right secret
// included, into 429 slow_down until the next window.
func TestThrottling(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", nil)
	other, otherSec := f.client(t, "bob", nil)
	right := func() events.APIGatewayProxyRequest {
		return tokenReq(form("grant_type", "client_credentials", "client_id", c.ID, "client_secret", sec))
	}
	wrong := func(i int) events.APIGatewayProxyRequest {
		if i%2 == 0 { // Basic and post count alike
			return tokenReq(form("grant_type", "client_credentials"), basic(c.ID, otherSec))
		}
		return tokenReq(form("grant_type", "client_credentials", "client_id", c.ID, "client_secret", "tgc_wrong"))
	}

	f.clock.Advance(10 * time.Second)
	for i := range oauth.MaxFailures - 1 {
		f.call(t, wrong(i)).wantError(t, 401, "invalid_client")
	}
	f.call(t, right()).wantOK(t) // four failures: not yet
	f.call(t, wrong(oauth.MaxFailures)).wantError(t, 401, "invalid_client")

	f.clock.Advance(5 * time.Second) // 19:30:15
	for _, req := range []events.APIGatewayProxyRequest{right(), wrong(0), wrong(1)} {
		a := f.call(t, req)
		a.wantError(t, http.StatusTooManyRequests, "slow_down")
		if got := a.Headers["Retry-After"]; got != "45" {
			t.Errorf("Retry-After = %q, want 45 (seconds to the next window)", got)
		}
	}
	// The revocation endpoint authenticates clients the same way.
	at := f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(other.ID, otherSec)))
	at.wantOK(t)
	f.call(t, revokeReq(form("token", at.str(t, "access_token")), basic(c.ID, sec))).wantError(t, 429, "slow_down")
	// Another client is not affected.
	f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(other.ID, otherSec))).wantOK(t)

	f.clock.Advance(44*time.Second + 999*time.Millisecond) // 19:30:59.999
	if got := f.call(t, right()).Headers["Retry-After"]; got != "1" {
		t.Errorf("Retry-After = %q a millisecond before the window ends, want 1", got)
	}
	f.clock.Advance(time.Millisecond) // 19:31:00: a new window
	f.call(t, right()).wantOK(t)

	// An unknown client id is throttled the same way.
	ghost := id.New("cli")
	for range oauth.MaxFailures {
		f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(ghost, sec))).wantError(t, 401, "invalid_client")
	}
	f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(ghost, sec))).wantError(t, 429, "slow_down")
}

// TestThrottlingWindowIsFixed: failures straddling a window boundary do
// not add up.
func TestThrottlingWindowIsFixed(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", nil)
	f.clock.Advance(50 * time.Second)
	for range oauth.MaxFailures - 1 {
		f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, "tgc_x"))).wantError(t, 401, "invalid_client")
	}
	f.clock.Advance(10 * time.Second)
	for range oauth.MaxFailures - 1 {
		f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, "tgc_x"))).wantError(t, 401, "invalid_client")
	}
	f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, sec))).wantOK(t)
}

// ------------------------------------------------------ password sign-in

func TestPasswordSignIn(t *testing.T) {
	tests := []struct {
		name    string
		on      bool
		before  func(t *testing.T, f *fixture)
		id, pw  string
		basic   bool
		extra   []string
		status  int
		code    string
		scope   string
		subject string // user whose id is sub and sid
	}{
		{name: "off: a username is an unknown client", id: "carol", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "off: over Basic", id: "carol", pw: carolPW, basic: true, status: 401, code: "invalid_client"},
		{name: "right password", on: true, id: "carol", pw: carolPW, status: 200, scope: "echo:read files:read", subject: "carol"},
		{name: "right password over Basic", on: true, id: "carol", pw: carolPW, basic: true, status: 200, scope: "echo:read files:read", subject: "carol"},
		{name: "username in other case", on: true, id: "CAROL", pw: carolPW, status: 200, scope: "echo:read files:read", subject: "carol"},
		{name: "narrowed scope", on: true, id: "carol", pw: carolPW, extra: []string{"scope", "files:read"}, status: 200, scope: "files:read", subject: "carol"},
		{name: "widened scope", on: true, id: "carol", pw: carolPW, extra: []string{"scope", "echo:write"}, status: 400, code: "invalid_scope"},
		{name: "wrong password", on: true, id: "carol", pw: "not carol's password", status: 401, code: "invalid_client"},
		{name: "wrong password over Basic", on: true, id: "carol", pw: "not carol's password", basic: true, status: 401, code: "invalid_client"},
		{name: "unknown user", on: true, id: "dave", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "user without a password", on: true, id: "alice", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "empty password", on: true, id: "carol", pw: "", status: 401, code: "invalid_client"},
		{name: "disabled user", on: true, before: func(t *testing.T, f *fixture) {
			f.setUser(t, "carol", func(u *user.User) { u.Disabled = true })
		}, id: "carol", pw: carolPW, status: 401, code: "invalid_client"},
		{name: "deleted user", on: true, before: func(t *testing.T, f *fixture) { f.deleteUser(t, "carol") },
			id: "carol", pw: carolPW, status: 401, code: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []option
			if tt.on {
				opts = append(opts, passwordSignIn)
			}
			f := newFixture(t, opts...)
			if tt.before != nil {
				tt.before(t, f)
			}
			req := tokenReq(form(append([]string{"grant_type", "client_credentials", "client_id", tt.id, "client_secret", tt.pw}, tt.extra...)...))
			if tt.basic {
				req = tokenReq(form(append([]string{"grant_type", "client_credentials"}, tt.extra...)...), basic(tt.id, tt.pw))
			}
			a := f.call(t, req)
			if tt.status != 200 {
				a.wantError(t, tt.status, tt.code)
				return
			}
			a.wantOK(t)
			uid := f.users[tt.subject].ID
			if cl := a.claims; cl.Subject != uid || cl.ClientID != "" || a.str(t, "scope") != tt.scope || a.num(t, "expires_in") != 3600 {
				t.Errorf("claims %+v scope %q, want sub %s", cl, a.str(t, "scope"), uid)
			}
			// Each sign-in is a session of its own, owned by the user.
			sess, err := f.store.GetSession(context.Background(), project, a.claims.SessionID)
			if err != nil || sess.Kind != credential.KindPassword || sess.Owner != uid || sess.Status != credential.Active {
				t.Errorf("sid %q: session %+v, %v", a.claims.SessionID, sess, err)
			}
		})
	}
}

// TestPasswordSignInThrottling: usernames match regardless of case, so the
// throttle must count them regardless of case too.
func TestPasswordSignInThrottling(t *testing.T) {
	f := newFixture(t, passwordSignIn)
	for range oauth.MaxFailures {
		f.call(t, tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", "wrong password!"))).
			wantError(t, 401, "invalid_client")
	}
	f.call(t, tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", carolPW))).wantError(t, 429, "slow_down")
	a := f.call(t, tokenReq(form("grant_type", "client_credentials", "client_id", "Carol", "client_secret", carolPW)))
	if a.StatusCode == 200 {
		t.Fatal("password sign-in throttles by the username as typed, but looks users up regardless of case: after " +
			strconv.Itoa(oauth.MaxFailures) + " failures for \"carol\", \"Carol\" still gets 200 (each case variant is a fresh bucket of guesses)")
	}
	a.wantError(t, 429, "slow_down")
}

// ------------------------------------------------------------ revocation

func TestRevokeNothingToRevoke(t *testing.T) {
	f := newFixture(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	foreign, err := accesstoken.Issue(context.Background(), accesstoken.NewLocalSigner(other), accesstoken.Claims{
		Issuer: issuer, Subject: f.users["alice"].ID, Audience: audience, ExpiresAt: t0.Add(time.Hour).Unix(),
		IssuedAt: t0.Unix(), ID: "at_x", SessionID: id.New("jwt")})
	if err != nil {
		t.Fatal(err)
	}
	sess, expired := f.personalJWT(t, "alice", time.Minute)
	unknownRT, _ := secret.Generate(secret.PrefixRefreshToken)
	apiKey, _ := secret.Generate(secret.PrefixAPIKey)
	f.remember(unknownRT, apiKey)
	f.clock.Advance(time.Minute)

	for name, tok := range map[string]string{
		"nonsense":                      "nonsense",
		"unknown refresh token":         unknownRT,
		"refresh token, wrong checksum": flipLast(unknownRT),
		"refresh-token prefix only":     "tgr_" + strings.Repeat("0", 49),
		"API key":                       apiKey,
		"JWT of another key":            foreign,
		"expired JWT":                   expired,
		"JWT with a byte added":         expired + "x",
		"three dots":                    "a.b.c",
	} {
		t.Run(name, func(t *testing.T) {
			for _, hint := range []string{"", "access_token", "refresh_token", "nonsense"} {
				body := form("token", tok)
				if hint != "" {
					body = form("token", tok, "token_type_hint", hint)
				}
				f.call(t, revokeReq(body)).wantOK(t)
			}
		})
	}
	if f.session(t, sess.ID).Status != credential.Active {
		t.Error("an expired JWT's revocation changed its session")
	}
	t.Run("token missing", func(t *testing.T) {
		f.call(t, revokeReq(form("token_type_hint", "access_token"))).wantError(t, 400, "invalid_request")
	})
	t.Run("JSON body", func(t *testing.T) {
		a := f.call(t, revokeReq(`{"token":"x"}`, "Content-Type: application/json"))
		a.wantError(t, 400, "invalid_request")
		if !strings.Contains(a.str(t, "error_description"), "form-urlencoded") {
			t.Errorf("error_description %q", a.str(t, "error_description"))
		}
	})
	t.Run("token repeated", func(t *testing.T) {
		f.call(t, revokeReq("token=a&token=b")).wantError(t, 400, "invalid_request")
	})
}

func TestRevokeRefreshToken(t *testing.T) {
	tests := []struct {
		name    string
		present func(f *fixture, rt0, rt1 string) string
		hint    string
	}{
		{"the current token", func(_ *fixture, _, rt1 string) string { return rt1 }, "refresh_token"},
		{"without a hint", func(_ *fixture, _, rt1 string) string { return rt1 }, ""},
		{"with the wrong hint", func(_ *fixture, _, rt1 string) string { return rt1 }, "access_token"},
		{"a spent token", func(_ *fixture, rt0, _ string) string { return rt0 }, "refresh_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			fam, rt0 := f.family(t, "alice", nil, 90*24*time.Hour, time.Hour)
			ex := f.call(t, exchange(rt0))
			ex.wantOK(t)
			rt1 := ex.str(t, "refresh_token")
			body := form("token", tt.present(f, rt0, rt1))
			if tt.hint != "" {
				body = form("token", tt.present(f, rt0, rt1), "token_type_hint", tt.hint)
			}
			f.call(t, revokeReq(body)).wantOK(t)
			if st := f.session(t, fam.ID); st.Status != credential.Revoked {
				t.Fatalf("family %s after revocation", st.Status)
			}
			if f.session(t, fam.ID).Accepts(time.Unix(ex.claims.IssuedAt, 0), f.clock.Now()) {
				t.Error("the family's access token is still accepted")
			}
			f.call(t, exchange(rt1)).wantError(t, 400, "invalid_grant")
			f.call(t, exchange(rt0)).wantError(t, 400, "invalid_grant") // within grace too
			f.call(t, revokeReq(body)).wantOK(t)                        // again: still 200
		})
	}
}

func TestRevokePersonalJWT(t *testing.T) {
	f := newFixture(t)
	sess, tok := f.personalJWT(t, "alice", time.Hour)
	other, _ := f.personalJWT(t, "alice", time.Hour)
	f.call(t, revokeReq(form("token", tok, "token_type_hint", "access_token"))).wantOK(t)
	if got := f.session(t, sess.ID); got.Status != credential.Revoked || got.Accepts(t0, f.clock.Now()) {
		t.Errorf("session after revocation %+v", got)
	}
	if f.session(t, other.ID).Status != credential.Active {
		t.Error("another JWT of the same owner was revoked")
	}
	f.call(t, revokeReq(form("token", tok))).wantOK(t) // already revoked: 200
}

func TestRevokeAccessTokenOfRefreshFamily(t *testing.T) {
	f := newFixture(t)
	fam, rt := f.family(t, "alice", nil, 90*24*time.Hour, time.Hour)
	ex := f.call(t, exchange(rt))
	ex.wantOK(t)
	f.call(t, revokeReq(form("token", ex.str(t, "access_token")))).wantOK(t)
	if f.session(t, fam.ID).Status != credential.Revoked {
		t.Error("revoking an access token left its refresh family active")
	}
	f.call(t, exchange(ex.str(t, "refresh_token"))).wantError(t, 400, "invalid_grant")
}

// TestRevokeClientAccessToken: revoking a client's token moves the
// client's NotBefore past it; the client itself stays and its next token,
// from the next second on, is accepted.
func TestRevokeClientAccessToken(t *testing.T) {
	for _, auth := range []string{"none", "the client itself, basic", "the client itself, post"} {
		t.Run(auth, func(t *testing.T) {
			f := newFixture(t)
			c, sec := f.client(t, "alice", scope.Set{"echo:read"})
			f.clock.Advance(1500 * time.Millisecond)
			tok := f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, sec)))
			tok.wantOK(t)
			iat := time.Unix(tok.claims.IssuedAt, 0)
			if !f.session(t, c.ID).Accepts(iat, f.clock.Now()) {
				t.Fatal("a fresh client token is not accepted")
			}
			f.clock.Advance(100 * time.Millisecond)
			var req events.APIGatewayProxyRequest
			switch auth {
			case "none":
				req = revokeReq(form("token", tok.str(t, "access_token")))
			case "the client itself, basic":
				req = revokeReq(form("token", tok.str(t, "access_token")), basic(c.ID, sec))
			default:
				req = revokeReq(form("token", tok.str(t, "access_token"), "client_id", c.ID, "client_secret", sec))
			}
			f.call(t, req).wantOK(t)
			sess := f.session(t, c.ID)
			wantNB := t0.Add(2 * time.Second) // the second after 19:30:01.6
			if sess.Status != credential.Active || !sess.NotBefore.Equal(wantNB) {
				t.Fatalf("client after revocation: status %s NotBefore %v, want active and %v", sess.Status, sess.NotBefore, wantNB)
			}
			if sess.Accepts(iat, f.clock.Now()) {
				t.Error("the revoked token is still accepted")
			}
			// Within the same second a new token is issued but refused.
			same := f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, sec)))
			same.wantOK(t)
			if sess.Accepts(time.Unix(same.claims.IssuedAt, 0), f.clock.Now()) {
				t.Error("a token issued in the revocation's second is accepted")
			}
			f.clock.Advance(time.Second)
			next := f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, sec)))
			next.wantOK(t)
			if !f.session(t, c.ID).Accepts(time.Unix(next.claims.IssuedAt, 0), f.clock.Now()) {
				t.Error("the client's next token, a second later, is refused")
			}
		})
	}
}

// TestRevokePasswordSignInToken: a token from password sign-in names its
// own session, and revoking the token revokes that session.
func TestRevokePasswordSignInToken(t *testing.T) {
	f := newFixture(t, passwordSignIn)
	tok := f.call(t, tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", carolPW)))
	tok.wantOK(t)
	a := f.call(t, revokeReq(form("token", tok.str(t, "access_token"), "token_type_hint", "access_token")))
	if a.StatusCode != 200 {
		t.Fatalf("revoke: %d", a.StatusCode)
	}
	sess, err := f.store.GetSession(context.Background(), project, tok.claims.SessionID)
	if err != nil || sess.Status != credential.Revoked {
		t.Fatalf("session after revoke: %+v, %v", sess, err)
	}
}

// TestRevokeWithAnotherClient: another client's authentication never
// revokes anything.
func TestRevokeWithAnotherClient(t *testing.T) {
	f := newFixture(t)
	c, sec := f.client(t, "alice", nil)
	intruder, intruderSec := f.client(t, "bob", nil)
	tok := f.call(t, tokenReq(form("grant_type", "client_credentials"), basic(c.ID, sec)))
	tok.wantOK(t)
	fam, rt := f.family(t, "alice", nil, 90*24*time.Hour, time.Hour)
	jwtSess, jwt := f.personalJWT(t, "alice", time.Hour)

	for name, victim := range map[string]string{
		"client access token": tok.str(t, "access_token"),
		"refresh token":       rt,
		"personal JWT":        jwt,
	} {
		t.Run(name, func(t *testing.T) {
			for _, req := range []events.APIGatewayProxyRequest{
				revokeReq(form("token", victim), basic(intruder.ID, intruderSec)),
				revokeReq(form("token", victim, "client_id", intruder.ID, "client_secret", intruderSec)),
			} {
				a := f.call(t, req)
				if a.StatusCode == 200 {
					t.Fatalf("revocation with another client's authentication answered 200")
				}
				a.wantError(t, 400, "unauthorized_client")
			}
		})
	}
	t.Run("bad client authentication", func(t *testing.T) {
		f.call(t, revokeReq(form("token", jwt), basic(c.ID, intruderSec))).wantError(t, 401, "invalid_client")
		f.call(t, revokeReq(form("token", jwt, "client_id", c.ID, "client_secret", "tgc_x"))).wantError(t, 401, "invalid_client")
		f.call(t, revokeReq(form("token", rt), "Authorization: Basic !!")).wantError(t, 401, "invalid_client")
		f.call(t, revokeReq(form("token", rt, "client_id", c.ID, "client_secret", sec), basic(c.ID, sec))).wantError(t, 400, "invalid_request")
	})
	if s := f.session(t, c.ID); s.Status != credential.Active || !s.NotBefore.IsZero() || !s.Accepts(time.Unix(tok.claims.IssuedAt, 0), f.clock.Now()) {
		t.Errorf("client after refused revocations: %+v", s)
	}
	if f.session(t, fam.ID).Status != credential.Active || f.session(t, jwtSess.ID).Status != credential.Active {
		t.Error("a refused revocation revoked a session")
	}
	f.call(t, exchange(rt)).wantOK(t)
}

// ------------------------------------------------------- discovery routes

func TestJWKS(t *testing.T) {
	f := newFixture(t)
	a := f.call(t, event("GET", "/.well-known/jwks.json", ""))
	if a.StatusCode != 200 || a.Headers["Content-Type"] != "application/json" || a.Headers["Cache-Control"] != "public, max-age=300" {
		t.Fatalf("JWKS: %d %v", a.StatusCode, a.Headers)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(a.Body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS body %s: %v", a.Body, err)
	}
	k := set.Keys[0]
	if got := slices.Sorted(maps.Keys(k)); !slices.Equal(got, []string{"alg", "crv", "kid", "kty", "use", "x", "y"}) {
		t.Errorf("JWK members %v", got)
	}
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["kid"] != f.signer.KeyID() {
		t.Errorf("JWK %v", k)
	}
	pub := f.signer.PublicKey()
	x, _ := base64.RawURLEncoding.DecodeString(k["x"])
	y, _ := base64.RawURLEncoding.DecodeString(k["y"])
	if !bytes.Equal(x, pub.X.FillBytes(make([]byte, 32))) || !bytes.Equal(y, pub.Y.FillBytes(make([]byte, 32))) {
		t.Error("JWK coordinates are not the signing key's")
	}
	if _, ok := k["d"]; ok {
		t.Error("the JWKS holds a private key")
	}
}

func TestJWKSDuringKeyRotation(t *testing.T) {
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cur, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f := newFixture(t, func(o *oauth.Options) {
		o.Signer = accesstoken.NewLocalSigner(cur)
		o.Keys = accesstoken.NewKeyring(&cur.PublicKey, &old.PublicKey)
	})
	a := f.call(t, event("GET", "/.well-known/jwks.json", ""))
	var set struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	if err := json.Unmarshal([]byte(a.Body), &set); err != nil {
		t.Fatal(err)
	}
	want := []string{accesstoken.NewLocalSigner(cur).KeyID(), accesstoken.NewLocalSigner(old).KeyID()}
	if len(set.Keys) != 2 || set.Keys[0].Kid != want[0] || set.Keys[1].Kid != want[1] {
		t.Errorf("JWKS kids %+v, want %v", set.Keys, want)
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t)
	a := f.call(t, event("GET", "/.well-known/oauth-authorization-server", ""))
	if a.StatusCode != 200 || a.Headers["Content-Type"] != "application/json" || a.Headers["Cache-Control"] != "public, max-age=300" {
		t.Fatalf("metadata: %d %v", a.StatusCode, a.Headers)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(a.Body), &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer":              issuer,
		"token_endpoint":      issuer + "/oauth/token",
		"jwks_uri":            issuer + "/.well-known/jwks.json",
		"revocation_endpoint": issuer + "/oauth/revoke",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %s", k, m[k], want)
		}
	}
	strs := func(k string) []string {
		var out []string
		raw, _ := json.Marshal(m[k])
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Errorf("%s = %v, want an array of strings", k, m[k])
		}
		return out
	}
	if got := strs("grant_types_supported"); !slices.Contains(got, "client_credentials") || !slices.Contains(got, "refresh_token") {
		t.Errorf("grant_types_supported = %v", got)
	}
	if got := strs("token_endpoint_auth_methods_supported"); !slices.Contains(got, "client_secret_basic") || !slices.Contains(got, "client_secret_post") {
		t.Errorf("token_endpoint_auth_methods_supported = %v", got)
	}
	for _, g := range strs("grant_types_supported") {
		if g == "password" || g == "authorization_code" || g == "implicit" {
			t.Errorf("advertises grant %q, which the endpoint refuses", g)
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	for _, r := range []struct{ method, resource string }{
		{"GET", "/oauth/token"},
		{"PUT", "/oauth/token"},
		{"GET", "/oauth/revoke"},
		{"POST", "/oauth/authorize"},
		{"POST", "/.well-known/jwks.json"},
		{"GET", "/.well-known/openid-configuration"},
		{"GET", "/v1/keys"},
		{"GET", ""},
	} {
		t.Run(r.method+" "+r.resource, func(t *testing.T) {
			f := newFixture(t)
			a := f.call(t, event(r.method, r.resource, form("grant_type", "client_credentials")))
			if a.StatusCode != 404 || a.Headers["Content-Type"] != "application/json" || a.str(t, "error") == "" {
				t.Errorf("%d %v %s, want a 404 JSON error", a.StatusCode, a.Headers, a.Body)
			}
			if a.reads != 0 {
				t.Errorf("an unknown route read the store %d times", a.reads)
			}
		})
	}
}
