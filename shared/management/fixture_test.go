package management_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

const (
	project     = "default"
	tokIssuer   = "https://tollgate.example.test"
	tokAudience = "tollgate"
)

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// Field sets of the answers send checks.
var (
	problemFields  = []string{"detail", "status", "title", "type"}
	sasFields      = []string{"enabled", "identifier", "primaryKey", "secondaryKey"}
	sasTokenFields = []string{"token"}
)

// sealKey is the fixed local envelope key of these tests.
var sealKey = sha256.Sum256([]byte("tollgate management test seal key"))

// Route-table refusals say this; the covering check and the role check say
// something else, so the detail tells which check refused.
const routeRefusal = "may not call this route"

var identifierRE = regexp.MustCompile(`^[0-9a-f]{24}$`)

// countingStore is the memory store counting the reads of keys, to prove a
// path answers without looking a key up.
type countingStore struct {
	*memory.Store
	keyReads atomic.Int64
	// unspent is added to the quota balance GetKey reads, as if authorizers
	// spent that much between the read and the write that follows.
	unspent int64
}

func (s *countingStore) GetKey(ctx context.Context, projectID, keyID string) (apikey.Key, error) {
	s.keyReads.Add(1)
	k, err := s.Store.GetKey(ctx, projectID, keyID)
	if k.Limits.Quota != nil {
		k.Limits.Quota.Remaining += s.unspent
	}
	return k, err
}

func (s *countingStore) ListKeys(ctx context.Context, projectID, owner string, p store.Page) ([]apikey.Key, string, error) {
	s.keyReads.Add(1)
	return s.Store.ListKeys(ctx, projectID, owner, p)
}

// caller is what the authorizer put in the request context.
type caller struct {
	principal, scopes, project string
}

// request is one management API call.
type request struct {
	method   string
	resource string            // the route template, e.g. /v1/keys/{keyId}
	params   map[string]string // path parameters; values may hold {alice} and the like
	query    map[string]string
	body     string
	base64   bool // send body base64-encoded, as API Gateway does for binary bodies
	// clientCert is the certificate of a call over mutual TLS, as API Gateway passes it.
	clientCert *events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert
	headers    map[string]string // besides Content-Type
}

// response is a handler answer with what the test measured around it.
type response struct {
	events.APIGatewayProxyResponse
	reads    int64 // store reads of any kind during the call
	keyReads int64 // GetKey and ListKeys calls during the call
	fields   map[string]json.RawMessage
}

// fixture is the management handler over a memory store, with a JWT signer,
// a SAS sealer and a captured log, and what it handed out so far.
type fixture struct {
	store    *countingStore
	clock    *clock.Fake
	h        *management.Handler
	signer   accesstoken.Signer
	verifier *accesstoken.Verifier
	sealer   sas.Sealer
	logs     *bytes.Buffer
	users    map[string]user.User // admin, admin2, alice, bob, carol (and dave, erin, frank)
	callers  map[string]caller
	owners   map[string]bool // every user id that ever existed, for snapshots
	secrets  []string        // every secret handed out so far
	sasKeys  []string        // every SAS key seeded or answered so far
	tokens   []string        // every SAS token answered so far
	private  []string        // private key material sent in a request: never to be seen again
}

// fixtureOption changes the handler's options or adds to the fixture.
type fixtureOption func(*testing.T, *fixture, *management.Options)

func strictExpiry(_ *testing.T, _ *fixture, o *management.Options) { o.AllowNonExpiringKeys = false }

const (
	daveScopes  = "certificates:read certificates:write echo:read sas:read sas:write"
	frankScopes = "certificates:read sas:read"
)

// sasCertUsers adds users holding the SAS and certificate scopes: dave may
// issue and holds every one; erin holds the same scopes without the issuer
// role; frank may issue but holds only the read scopes.
func sasCertUsers(t *testing.T, f *fixture, _ *management.Options) {
	f.addUser(t, "dave", []string{user.RoleCredentialIssuer}, scope.Set(strings.Fields(daveScopes)), 30*time.Minute)
	f.addUser(t, "erin", []string{}, scope.Set(strings.Fields(daveScopes)), 30*time.Minute)
	f.addUser(t, "frank", []string{user.RoleCredentialIssuer}, scope.Set(strings.Fields(frankScopes)), 30*time.Minute)
	maps.Copy(f.callers, map[string]caller{
		"dave":               f.as("dave", daveScopes),
		"dave:narrow":        f.as("dave", "certificates:read certificates:write sas:read sas:write"), // not echo:read
		"dave:no-sas-read":   f.as("dave", "certificates:read certificates:write echo:read sas:write"),
		"dave:no-sas-write":  f.as("dave", "certificates:read certificates:write echo:read sas:read"),
		"dave:no-cert-read":  f.as("dave", "certificates:write echo:read sas:read sas:write"),
		"dave:no-cert-write": f.as("dave", "certificates:read echo:read sas:read sas:write"),
		"erin":               f.as("erin", daveScopes),
		"frank":              f.as("frank", frankScopes),
	})
}

// newFixture makes a store holding two admins and three other users:
// alice and bob may issue credentials, carol may not.
func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	sealer, err := envelope.NewLocal(sealKey[:])
	must(t, err)
	f := &fixture{
		store: &countingStore{Store: memory.New()}, clock: clock.NewFake(t0),
		signer: accesstoken.NewLocalSigner(key), sealer: sealer, logs: &bytes.Buffer{},
		users: map[string]user.User{}, callers: map[string]caller{}, owners: map[string]bool{},
	}
	f.verifier = &accesstoken.Verifier{Keys: accesstoken.NewKeyring(&key.PublicKey), Issuer: tokIssuer, Audience: tokAudience, Clock: f.clock}
	f.addUser(t, "admin", []string{user.RoleAdmin}, scope.Set{"users:admin"}, 5*time.Hour)
	f.addUser(t, "admin2", []string{user.RoleAdmin}, scope.Set{}, 4*time.Hour)
	f.addUser(t, "alice", []string{user.RoleCredentialIssuer}, scope.Set{"credentials:read", "credentials:write", "echo:read", "echo:write"}, 3*time.Hour)
	f.addUser(t, "bob", []string{user.RoleCredentialIssuer}, scope.Set{"credentials:read", "credentials:write", "echo:read"}, 2*time.Hour)
	f.addUser(t, "carol", []string{}, scope.Set{"credentials:read", "credentials:write", "echo:read"}, time.Hour)
	f.callers = map[string]caller{
		"admin":         f.as("admin", "*"),
		"admin:narrow":  f.as("admin", "credentials:read credentials:write"), // admin role, credential without users:admin
		"admin2":        f.as("admin2", "*"),
		"alice":         f.as("alice", "credentials:read credentials:write echo:read echo:write"),
		"alice:narrow":  f.as("alice", "credentials:read credentials:write echo:read"),
		"alice:echo":    f.as("alice", "echo:read echo:write"), // no credentials:* scope
		"bob":           f.as("bob", "credentials:read credentials:write echo:read"),
		"carol":         f.as("carol", "credentials:read credentials:write echo:read"),
		"nobody":        {},
		"other-project": {principal: f.users["admin"].ID, scopes: "*", project: "elsewhere"},
		"ghost":         {principal: id.New(user.IDPrefix), scopes: "*", project: project},
	}
	opt := management.Options{ProjectID: project, AllowNonExpiringKeys: true, Clock: f.clock,
		Signer: f.signer, Issuer: tokIssuer, Audience: tokAudience, Sealer: sealer,
		Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, o := range opts {
		o(t, f, &opt)
	}
	f.h = management.New(f.store, opt)
	return f
}

// addUser stores a user created age before t0.
func (f *fixture) addUser(t *testing.T, name string, roles []string, scopes scope.Set, age time.Duration) {
	t.Helper()
	u := user.User{ProjectID: project, ID: id.New(user.IDPrefix), Username: name, Roles: roles, Scopes: scopes,
		CreatedAt: t0.Add(-age)}
	must(t, f.store.CreateUser(context.Background(), u))
	f.users[name] = u
	f.owners[u.ID] = true
}

// as is the user name calling with a credential holding scopes.
func (f *fixture) as(name, scopes string) caller {
	return caller{principal: f.users[name].ID, scopes: scopes, project: project}
}

// expand replaces {alice}, {bob}... with those users' ids.
func (f *fixture) expand(s string) string {
	for name, u := range f.users {
		s = strings.ReplaceAll(s, "{"+name+"}", u.ID)
	}
	return s
}

func (f *fixture) event(c caller, r request) events.APIGatewayProxyRequest {
	params := map[string]string{}
	path := r.resource
	for k, v := range r.params {
		v = f.expand(v)
		params[k] = v
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	query := map[string]string{}
	for k, v := range r.query {
		query[k] = f.expand(v)
	}
	body := f.expand(r.body)
	if r.base64 {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	ev := events.APIGatewayProxyRequest{
		Resource: r.resource, Path: path, HTTPMethod: r.method,
		Headers:               map[string]string{"Content-Type": "application/json"},
		PathParameters:        params,
		QueryStringParameters: query,
		Body:                  body,
		IsBase64Encoded:       r.base64,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "req-1", ResourcePath: r.resource, HTTPMethod: r.method, Stage: "prod",
			Identity: events.APIGatewayRequestIdentity{ClientCert: r.clientCert},
		},
	}
	maps.Copy(ev.Headers, r.headers)
	if c.principal != "" {
		ev.RequestContext.Authorizer = map[string]any{
			"principalId": c.principal, "credentialType": "api_key", "credentialId": "key_0123456789ABCDEFG",
			"scopes": c.scopes, "projectId": c.project,
		}
	}
	return ev
}

// send serves one request as who and checks what must hold for every
// answer: the handler never fails; a 4xx is a complete problem detail and
// changed nothing in the store; no body holds a secret handed out before or
// a stored hash; each secret appears only in the answer that creates it,
// once, well formed and no-store (checkSecrets, checkSAS); no stored SAS
// record, body or log line holds a SAS key, a SAS token or private key
// material sent earlier.
func (f *fixture) send(t *testing.T, who string, r request) response {
	t.Helper()
	c, ok := f.callers[who]
	if !ok {
		t.Fatalf("no caller %q", who)
	}
	before := f.snapshot(t)
	reads, keyReads := f.store.Reads.Load(), f.store.keyReads.Load()
	raw, err := f.h.Handle(context.Background(), f.event(c, r))
	resp := response{APIGatewayProxyResponse: raw,
		reads: f.store.Reads.Load() - reads, keyReads: f.store.keyReads.Load() - keyReads}
	if err != nil {
		t.Fatalf("%s %s: Handle returned error %v; every failure must be a response", r.method, r.resource, err)
	}
	if raw.Body != "" {
		if err := json.Unmarshal([]byte(raw.Body), &resp.fields); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", r.method, r.resource, err, raw.Body)
		}
	}
	if raw.StatusCode >= 400 && raw.StatusCode < 500 {
		checkProblem(t, resp)
		if after := f.snapshot(t); after != before {
			t.Errorf("%s %s answered %d but changed the store:\nbefore %s\nafter  %s", r.method, r.resource, raw.StatusCode, before, after)
		}
	}
	for _, s := range f.secrets {
		if strings.Contains(raw.Body, s) || strings.Contains(raw.Body, s[len(s)-20:]) {
			t.Errorf("%s %s: body contains a secret handed out earlier: %s", r.method, r.resource, raw.Body)
		}
	}
	for _, h := range f.storedHashes(t) {
		if strings.Contains(raw.Body, h) {
			t.Errorf("%s %s: body contains a stored hash %s: %s", r.method, r.resource, h, raw.Body)
		}
	}
	f.checkSecrets(t, r, resp)
	f.checkSAS(t, c.principal, r, resp)
	if raw.StatusCode == http.StatusCreated && r.resource == "/v1/users" {
		f.owners[resp.str(t, "userId")] = true
	}
	if raw.StatusCode < 300 && raw.StatusCode != http.StatusNoContent {
		if ct := raw.Headers["Content-Type"]; ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
	}
	if raw.StatusCode == http.StatusNoContent && raw.Body != "" {
		t.Errorf("204 with body %q", raw.Body)
	}
	return resp
}

// checkSecrets asserts that key, token (a JWT), refreshToken and
// clientSecret appear only in the answer that creates (or, for a client
// secret, rotates) them, once, well formed and with Cache-Control:
// no-store, and remembers them so that no later body holds them.
func (f *fixture) checkSecrets(t *testing.T, r request, resp response) {
	t.Helper()
	for _, field := range []string{"key", "token", "refreshToken", "clientSecret"} {
		if _, ok := resp.fields[field]; !ok || field == "token" && r.resource == "/v1/sas/token" {
			continue
		}
		s := resp.str(t, field)
		creates := r.method == http.MethodPost && (resp.StatusCode == http.StatusCreated ||
			field == "clientSecret" && resp.StatusCode == http.StatusOK && r.resource == "/v1/clients/{clientId}/secret")
		if !creates {
			t.Errorf("%s %s answered %d with %s", r.method, r.resource, resp.StatusCode, field)
		}
		if got := resp.Headers["Cache-Control"]; got != "no-store" {
			t.Errorf("answer with %s has Cache-Control %q, want no-store", field, got)
		}
		if n := strings.Count(resp.Body, s); n != 1 {
			t.Errorf("%s appears %d times in %s", field, n, resp.Body)
		}
		switch field {
		case "key":
			if _, err := secret.Check(s, secret.PrefixAPIKey); err != nil {
				t.Errorf("key %q is not a well-formed API key: %v", s, err)
			}
		case "token":
			if _, err := f.verifier.Verify(s); err != nil {
				t.Errorf("token does not verify: %v", err)
			}
		case "refreshToken":
			if _, err := secret.Check(s, secret.PrefixRefreshToken); err != nil {
				t.Errorf("refreshToken %q: %v", s, err)
			}
		case "clientSecret":
			if _, err := secret.Check(s, secret.PrefixClientSecret); err != nil {
				t.Errorf("clientSecret %q: %v", s, err)
			}
		}
		f.secrets = append(f.secrets, s)
	}
}

// checkSAS asserts that primaryKey and secondaryKey appear only in a 200 to
// GET /v1/sas or POST /v1/sas/regenerate, with no-store, and are the
// caller's stored keys; that no body holds any other SAS key (a regenerated
// one included); that a SAS token appears only in a 200 to POST
// /v1/sas/token, with no-store, verifies against the stored keys and never
// appears again; and that no stored record holds a key in the clear and no
// body or log line holds a SAS key, a token or private key material sent
// earlier.
func (f *fixture) checkSAS(t *testing.T, owner string, r request, resp response) {
	t.Helper()
	carried := f.checkSASKeys(t, owner, r, resp)
	for _, k := range f.sasKeys {
		if !carried[k] && strings.Contains(resp.Body, k) {
			t.Errorf("%s %s answered %d with a SAS key it is not meant to carry: %s", r.method, r.resource, resp.StatusCode, resp.Body)
		}
	}
	for _, tok := range f.tokens {
		_, sn, _ := strings.Cut(tok, "&sn=")
		if strings.Contains(resp.Body, sn) {
			t.Errorf("%s %s: body holds a SAS token answered earlier: %s", r.method, r.resource, resp.Body)
		}
	}
	if _, ok := resp.fields["token"]; ok && r.resource == "/v1/sas/token" {
		f.checkSASToken(t, owner, r, resp)
	}
	f.checkSealed(t)
	for _, s := range f.private {
		if strings.Contains(resp.Body, s) {
			t.Errorf("%s %s answered %d echoing private key material %q: %s", r.method, r.resource, resp.StatusCode, s, resp.Body)
		}
	}
	logs := f.logs.String()
	for _, s := range slices.Concat(f.sasKeys, f.tokens, f.private) {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds a secret or private key material %q:\n%s", s, logs)
		}
	}
}

// checkSASKeys checks the SAS keys an answer carries, and returns them.
func (f *fixture) checkSASKeys(t *testing.T, owner string, r request, resp response) map[string]bool {
	t.Helper()
	carried := map[string]bool{}
	_, hasP := resp.fields["primaryKey"]
	_, hasS := resp.fields["secondaryKey"]
	if !hasP && !hasS {
		return carried
	}
	mayCarry := resp.StatusCode == http.StatusOK && (r.method == http.MethodGet && r.resource == "/v1/sas" ||
		r.method == http.MethodPost && r.resource == "/v1/sas/regenerate")
	if !mayCarry {
		t.Errorf("%s %s answered %d with SAS keys: %s", r.method, r.resource, resp.StatusCode, resp.Body)
	}
	if got := fieldsOf(resp); !slices.Equal(got, sasFields) {
		t.Errorf("SAS answer fields = %v, want %v", got, sasFields)
	}
	if got := resp.Headers["Cache-Control"]; got != "no-store" {
		t.Errorf("answer with SAS keys has Cache-Control %q, want no-store", got)
	}
	p, s := resp.str(t, "primaryKey"), resp.str(t, "secondaryKey")
	for _, k := range []string{p, s} {
		raw, err := base64.StdEncoding.Strict().DecodeString(k)
		if err != nil || len(raw) != sas.KeyLen || base64.StdEncoding.EncodeToString(raw) != k {
			t.Errorf("SAS key %q is not padded base64 of %d bytes (%d, %v)", k, sas.KeyLen, len(raw), err)
		}
		if n := strings.Count(resp.Body, k); n != 1 {
			t.Errorf("a SAS key appears %d times in %s", n, resp.Body)
		}
		carried[k] = true
	}
	if p == s {
		t.Error("primaryKey and secondaryKey are the same")
	}
	if ident := resp.str(t, "identifier"); !identifierRE.MatchString(ident) {
		t.Errorf("identifier %q is not 24 lowercase hex characters", ident)
	}
	if _, cred, ok := f.storedSAS(t, owner); !ok || cred.Primary != p || cred.Secondary != s ||
		cred.Identifier != resp.str(t, "identifier") || string(resp.fields["enabled"]) != map[bool]string{true: "true", false: "false"}[cred.Enabled] {
		t.Errorf("answered %s; the caller's stored credential is %v (found %v)", resp.Body, redacted(cred), ok)
	}
	f.addSASKeys(p, s)
	return carried
}

// checkSASToken checks an answer of POST /v1/sas/token carrying a token.
func (f *fixture) checkSASToken(t *testing.T, owner string, r request, resp response) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || r.method != http.MethodPost {
		t.Errorf("%s %s answered %d with a token", r.method, r.resource, resp.StatusCode)
	}
	if got := fieldsOf(resp); !slices.Equal(got, sasTokenFields) {
		t.Errorf("token answer fields = %v, want %v", got, sasTokenFields)
	}
	if got := resp.Headers["Cache-Control"]; got != "no-store" {
		t.Errorf("answer with a SAS token has Cache-Control %q, want no-store", got)
	}
	tok := resp.str(t, "token")
	parsed, err := sas.Parse(tok)
	if err != nil {
		t.Errorf("token %q does not parse: %v", tok, err)
	} else if _, cred, ok := f.storedSAS(t, owner); !ok || parsed.Identifier != cred.Identifier ||
		sas.Verify(parsed, f.clock.Now(), cred.Primary, cred.Secondary) != nil {
		t.Errorf("token %q does not verify against the caller's stored credential (found %v)", tok, ok)
	}
	f.tokens = append(f.tokens, tok)
}

// redacted describes a credential without its keys.
func redacted(c sas.Credential) string {
	return "{identifier " + c.Identifier + ", owner " + c.Owner + ", enabled " + map[bool]string{true: "true", false: "false"}[c.Enabled] + "}"
}

// checkSealed asserts that no stored SAS record holds a key seen so far in
// the clear: neither its base64 text nor its 64 raw bytes, in the sealed
// bytes or anywhere in the record.
func (f *fixture) checkSealed(t *testing.T) {
	t.Helper()
	for _, owner := range slices.Sorted(maps.Keys(f.owners)) {
		sealed, ok := lookup(t, f.store.Store.GetSASByOwner, owner)
		if !ok {
			continue
		}
		record, err := json.Marshal(sealed)
		must(t, err)
		for _, k := range f.sasKeys {
			raw, _ := base64.StdEncoding.DecodeString(k)
			if len(raw) != sas.KeyLen {
				continue // send() reported it
			}
			if bytes.Contains(sealed.Keys, []byte(k)) || bytes.Contains(sealed.Keys, raw) || bytes.Contains(sealed.Keys, raw[:16]) ||
				bytes.Contains(record, []byte(k)) || bytes.Contains(record, []byte(base64.StdEncoding.EncodeToString(raw[:32]))) {
				t.Errorf("the stored SAS record of %s holds a key in the clear", owner)
			}
		}
	}
}

// snapshot is everything the store holds: users, and every owner's keys,
// sessions (with each client's secrets and each family's access-token
// lifetime), SAS credential (sealed, as stored: a reseal changes its bytes)
// and certificate binding, to prove a call wrote nothing.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	users := collect(t, func(p store.Page) ([]user.User, string, error) { return f.store.Store.ListUsers(ctx, project, p) })
	var owned []any
	for _, owner := range slices.Sorted(maps.Keys(f.owners)) {
		owned = append(owned, collect(t, func(p store.Page) ([]apikey.Key, string, error) {
			return f.store.Store.ListKeys(ctx, project, owner, p)
		}))
		for _, kind := range []credential.Kind{credential.KindJWT, credential.KindRefresh, credential.KindClient} {
			for _, s := range collect(t, func(p store.Page) ([]credential.Session, string, error) {
				return f.store.Store.ListSessions(ctx, project, owner, kind, p)
			}) {
				owned = append(owned, s)
				switch kind {
				case credential.KindClient:
					owned = append(owned, f.storedClient(t, s.ID))
				case credential.KindRefresh:
					owned = append(owned, stored(t, f.store.Store.GetFamily, s.ID).AccessTokenTTL)
				}
			}
		}
		if sealed, ok := lookup(t, f.store.Store.GetSASByOwner, owner); ok {
			owned = append(owned, sealed)
		}
		if b, ok := f.binding(t, owner); ok {
			owned = append(owned, b)
		}
	}
	b, err := json.Marshal(struct {
		Users []user.User
		Owned []any
	}{users, owned})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// collect reads every page of a list.
func collect[T any](t *testing.T, list func(store.Page) ([]T, string, error)) []T {
	t.Helper()
	var out []T
	for cursor := ""; ; {
		page, next, err := list(store.Page{Limit: 100, Cursor: cursor})
		must(t, err)
		out = append(out, page...)
		if cursor = next; cursor == "" {
			return out
		}
	}
}

// storedHashes are the forms in which a stored key or client-secret hash
// could leak.
func (f *fixture) storedHashes(t *testing.T) []string {
	t.Helper()
	var hashes []secret.Hash
	for owner := range f.owners {
		ks, _, err := f.store.Store.ListKeys(context.Background(), project, owner, store.Page{Limit: 100})
		must(t, err)
		for _, k := range ks {
			hashes = append(hashes, k.Hash)
		}
		cs, _, err := f.store.Store.ListClients(context.Background(), project, owner, store.Page{Limit: 100})
		must(t, err)
		for _, s := range cs {
			c := f.storedClient(t, s.ID)
			hashes = append(hashes, c.SecretHash, c.PreviousHash)
		}
	}
	var out []string
	for _, h := range hashes {
		if h != (secret.Hash{}) {
			out = append(out, h.String(), strings.ToUpper(h.String()),
				base64.StdEncoding.EncodeToString(h[:]), base64.RawURLEncoding.EncodeToString(h[:]))
		}
	}
	return out
}

// checkProblem asserts an RFC 9457 problem detail with exactly the
// contract's members.
func checkProblem(t *testing.T, r response) {
	t.Helper()
	if ct := r.Headers["Content-Type"]; ct != "application/problem+json" {
		t.Errorf("%d: Content-Type = %q, want application/problem+json", r.StatusCode, ct)
	}
	if got := slices.Sorted(maps.Keys(r.fields)); !slices.Equal(got, problemFields) {
		t.Errorf("problem members = %v, want %v: %s", got, problemFields, r.Body)
		return
	}
	var status int
	if err := json.Unmarshal(r.fields["status"], &status); err != nil || status != r.StatusCode {
		t.Errorf("problem status = %s, response status %d", r.fields["status"], r.StatusCode)
	}
	if r.str(t, "type") == "" || r.str(t, "title") == "" || r.str(t, "detail") == "" {
		t.Errorf("problem with an empty member: %s", r.Body)
	}
}

// member decodes member k of an answer as a T, failing the test if it
// cannot.
func member[T any](t *testing.T, r response, k string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.fields[k], &v); err != nil {
		t.Fatalf("%q = %s, want a JSON %T: %v", k, r.fields[k], v, err)
	}
	return v
}

func (r response) str(t *testing.T, k string) string {
	t.Helper()
	return member[string](t, r, k)
}

func (r response) strs(t *testing.T, k string) []string {
	t.Helper()
	return member[[]string](t, r, k)
}

func (r response) isNull(k string) bool {
	v, ok := r.fields[k]
	return ok && string(v) == "null"
}

// items decodes a list response, checking its shape.
func (r response) items(t *testing.T, fields []string) (items []map[string]json.RawMessage, next *string) {
	t.Helper()
	if got := slices.Sorted(maps.Keys(r.fields)); !slices.Equal(got, []string{"items", "nextCursor"}) {
		t.Fatalf("list members = %v: %s", got, r.Body)
	}
	if string(r.fields["items"]) == "null" {
		t.Fatalf("items is null, want an array: %s", r.Body)
	}
	must(t, json.Unmarshal(r.fields["items"], &items))
	must(t, json.Unmarshal(r.fields["nextCursor"], &next))
	for _, it := range items {
		if got := slices.Sorted(maps.Keys(it)); !slices.Equal(got, fields) {
			t.Errorf("item members = %v, want %v", got, fields)
		}
	}
	return items, next
}

// memberStrs is string member k of each item.
func memberStrs(items []map[string]json.RawMessage, k string) []string {
	var out []string
	for _, it := range items {
		var s string
		_ = json.Unmarshal(it[k], &s)
		out = append(out, s)
	}
	return out
}

// pages lists resource as who, limit items a page, following nextCursor
// until it is null; it returns string member k of every item in order,
// the size of each page and the last page's answer.
func (f *fixture) pages(t *testing.T, who, resource string, limit int, fields []string, k string) (got []string, sizes []int, last response) {
	t.Helper()
	cursor := ""
	for {
		q := map[string]string{"limit": strconv.Itoa(limit)}
		if cursor != "" {
			q["cursor"] = cursor
		}
		last = f.send(t, who, request{method: http.MethodGet, resource: resource, query: q})
		last.want(t, http.StatusOK, "")
		items, next := last.items(t, fields)
		got, sizes = append(got, memberStrs(items, k)...), append(sizes, len(items))
		if next == nil {
			return got, sizes, last
		}
		if *next == "" || len(sizes) > 10 {
			t.Fatalf("page %d: %d items, nextCursor %q", len(sizes)-1, len(items), *next)
		}
		cursor = *next
	}
}

// getShows asserts that get, sent as who, answers 200 with the body of r,
// the answer that created or changed the resource.
func (f *fixture) getShows(t *testing.T, who string, get request, r response) {
	t.Helper()
	g := f.send(t, who, get)
	g.want(t, http.StatusOK, "")
	if g.Body != r.Body {
		t.Errorf("GET = %s, the call before answered %s", g.Body, r.Body)
	}
}

// want asserts the status and, for a 4xx, that the detail starts with the
// field at fault (when field is not empty).
func (r response) want(t *testing.T, status int, field string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status = %d, want %d: %s", r.StatusCode, status, r.Body)
	}
	if field != "" {
		if d := r.str(t, "detail"); !strings.HasPrefix(d, field+": ") {
			t.Errorf("detail = %q, want it to start with %q", d, field+": ")
		}
	}
}

// detailHas asserts that a problem's detail contains s, when s is set.
func (r response) detailHas(t *testing.T, s string) {
	t.Helper()
	if s == "" {
		return
	}
	if d := r.str(t, "detail"); !strings.Contains(d, s) {
		t.Errorf("detail = %q, want it to contain %q", d, s)
	}
}

// hasFields asserts that the answer has exactly the members want.
func (r response) hasFields(t *testing.T, want []string) {
	t.Helper()
	if got := fieldsOf(r); !slices.Equal(got, want) {
		t.Errorf("fields = %v, want exactly %v", got, want)
	}
}

// created asserts the members of a 201 and that member idField holds a
// well-formed id with prefix, which Location names under base; it returns
// the id.
func (r response) created(t *testing.T, fields []string, idField, prefix, base string) string {
	t.Helper()
	r.hasFields(t, fields)
	newID := r.str(t, idField)
	if !id.Valid(prefix, newID) {
		t.Errorf("%s = %q", idField, newID)
	}
	if loc := r.Headers["Location"]; loc != base+newID {
		t.Errorf("Location = %q, want %s", loc, base+newID)
	}
	return newID
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func fieldsOf(r response) []string { return slices.Sorted(maps.Keys(r.fields)) }

// refusesIDs checks that each of ids, put in a path by req, is answered
// 404 before anything but the caller is read, in a fixture made with opts.
func refusesIDs(t *testing.T, name string, ids []string, req func(string) request, opts ...fixtureOption) {
	t.Helper()
	for _, pathID := range ids {
		t.Run(name+" "+strconv.Quote(pathID[:min(len(pathID), 30)]), func(t *testing.T) {
			r := newFixture(t, opts...).send(t, "alice", req(pathID))
			r.want(t, http.StatusNotFound, "")
			if r.keyReads != 0 || r.reads != 1 {
				t.Errorf("read %d keys and %d records in all; want 0 keys and only the caller", r.keyReads, r.reads)
			}
		})
	}
}

// create sends POST resource with body as who and requires a 201.
func (f *fixture) create(t *testing.T, who, resource, body string) response {
	t.Helper()
	r := f.send(t, who, request{method: http.MethodPost, resource: resource, body: body})
	r.want(t, http.StatusCreated, "")
	return r
}

// step is one call and the status it must answer.
type step struct {
	name   string
	who    string
	req    request
	status int
}

// stepOf is the step of who sending r, named so.
func stepOf(who string, r request, status int) step {
	return step{who + " " + r.method + " " + r.resource, who, r, status}
}

// walk sends the steps in order to one fixture, each as a subtest.
func (f *fixture) walk(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.send(t, s.who, s.req).want(t, s.status, "")
		})
	}
}

// each sends every step to a fixture of its own, made with opts.
func each(t *testing.T, steps []step, opts ...fixtureOption) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			newFixture(t, opts...).send(t, s.who, s.req).want(t, s.status, "")
		})
	}
}

// seedKey stores a key directly, as another process would have issued it.
func (f *fixture) seedKey(t *testing.T, owner string, scopes scope.Set, created time.Time, expires *time.Time) apikey.Key {
	t.Helper()
	k, tok, err := apikey.New(project, f.users[owner].ID, owner+"'s key", scopes, created, expires, "")
	must(t, err)
	must(t, f.store.CreateKey(context.Background(), k))
	f.secrets = append(f.secrets, tok)
	k, err = f.store.GetKey(context.Background(), project, k.ID) // as stored
	must(t, err)
	return k
}

// seedClient stores a client directly, as another process would have.
func (f *fixture) seedClient(t *testing.T, owner string, scopes scope.Set) (credential.Client, string) {
	t.Helper()
	c, sec, err := credential.NewClient(project, f.users[owner].ID, owner+"'s client", scopes, f.clock.Now(), "")
	must(t, err)
	must(t, f.store.CreateClient(context.Background(), c))
	f.secrets = append(f.secrets, sec)
	return c, sec
}

// fixedSASKey is a SAS key made from seed: 64 bytes, standard base64.
func fixedSASKey(seed string) string {
	sum := sha512.Sum512([]byte(seed))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// The keys of a seeded SAS credential.
var (
	seedPrimary   = fixedSASKey("tollgate management test SAS primary")
	seedSecondary = fixedSASKey("tollgate management test SAS secondary")
)

// seedSAS stores a SAS credential with the fixed keys for owner, as an
// earlier GET /v1/sas would have.
func (f *fixture) seedSAS(t *testing.T, owner string, enabled bool) sas.Credential {
	t.Helper()
	ident, err := sas.NewIdentifier()
	must(t, err)
	c := sas.Credential{ProjectID: project, Identifier: ident, Owner: f.users[owner].ID, Enabled: enabled,
		Primary: seedPrimary, Secondary: seedSecondary, CreatedAt: t0.Add(-time.Hour)}
	sealed, err := sas.Seal(context.Background(), f.sealer, c)
	must(t, err)
	must(t, f.store.CreateSAS(context.Background(), sealed))
	f.addSASKeys(c.Primary, c.Secondary)
	return c
}

func (f *fixture) addSASKeys(keys ...string) {
	for _, k := range keys {
		if !slices.Contains(f.sasKeys, k) {
			f.sasKeys = append(f.sasKeys, k)
		}
	}
}

// stored reads the record id with get, failing the test if it cannot.
func stored[T any](t *testing.T, get func(context.Context, string, string) (T, error), id string) T {
	t.Helper()
	v, err := get(context.Background(), project, id)
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	return v
}

// lookup reads the record key with get; false when there is none.
func lookup[T any](t *testing.T, get func(context.Context, string, string) (T, error), key string) (T, bool) {
	t.Helper()
	v, err := get(context.Background(), project, key)
	if errors.Is(err, store.ErrNotFound) {
		return v, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

func (f *fixture) storedKey(t *testing.T, keyID string) apikey.Key {
	t.Helper()
	return stored(t, f.store.Store.GetKey, keyID)
}

func (f *fixture) session(t *testing.T, sid string) credential.Session {
	t.Helper()
	return stored(t, f.store.Store.GetSession, sid)
}

func (f *fixture) storedClient(t *testing.T, clientID string) credential.Client {
	t.Helper()
	return stored(t, f.store.Store.GetClient, clientID)
}

// storedSAS reads and opens the SAS credential of a user id; false when
// there is none.
func (f *fixture) storedSAS(t *testing.T, owner string) (sas.Sealed, sas.Credential, bool) {
	t.Helper()
	sealed, ok := lookup(t, f.store.Store.GetSASByOwner, owner)
	if !ok {
		return sealed, sas.Credential{}, false
	}
	cred, err := sas.Open(context.Background(), f.sealer, sealed)
	if err != nil {
		t.Fatalf("the stored SAS credential of %s does not open: %v", owner, err)
	}
	return sealed, cred, true
}

// binding reads a user's certificate binding; false when there is none.
func (f *fixture) binding(t *testing.T, owner string) (certbind.Binding, bool) {
	t.Helper()
	return lookup(t, f.store.Store.GetCertificateByOwner, owner)
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
