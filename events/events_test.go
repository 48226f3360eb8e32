// Package events_test runs every sample event under events/ through the real
// handler it is meant for, so a sample can neither drift from the event type
// (unknown fields fail the decode) nor from what the handler does with it.
package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/authz"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

// Outcomes of an authorizer event.
const (
	allow        = authz.Allow
	deny         = authz.Deny
	unauthorized = "Unauthorized"
)

// authorizerWant is the expected decision for each file in authorizer/.
var authorizerWant = map[string]string{
	"bearer.json":        allow,
	"apitoken.json":      allow,
	"x-api-key.json":     allow,
	"query-token.json":   unauthorized, // query tokens are off by default
	"missing.json":       unauthorized,
	"malformed.json":     unauthorized, // bad checksum
	"unknown-key.json":   unauthorized, // well-formed, not stored
	"missing-scope.json": deny,         // read-only key on POST /v1/keys
}

// proxyWant is the expected response to a proxy event; body, when set, must
// appear in the response body.
type proxyWant struct {
	status int
	body   string
}

// issuekeysWant is the expected response for each file in issuekeys/.
var issuekeysWant = map[string]proxyWant{
	"whoami.json":                   {http.StatusOK, `"principalId":"` + aliceID + `"`},
	"create-user.json":              {http.StatusCreated, `"username":"carol"`},
	"list-users.json":               {http.StatusOK, `"userId":"` + bobID + `"`},
	"get-user.json":                 {http.StatusOK, `"userId":"` + bobID + `"`},
	"patch-user.json":               {http.StatusOK, `"scopes":["echo:read","echo:write"]`},
	"delete-user.json":              {http.StatusNoContent, ""},
	"create-key.json":               {http.StatusCreated, `"key":"tgk_`},
	"list-keys.json":                {http.StatusOK, `"keyId":"` + aliceReadKeyID + `"`},
	"get-key.json":                  {http.StatusOK, `"keyId":"` + aliceReadKeyID + `"`},
	"patch-key-inactive.json":       {http.StatusOK, `"status":"inactive"`},
	"rotate-key.json":               {http.StatusCreated, `"key":"tgk_`},
	"delete-key.json":               {http.StatusNoContent, ""},
	"create-key-unknown-field.json": {http.StatusBadRequest, `scope: unknown field`},
	"create-key-bad-scope.json":     {http.StatusBadRequest, `scopes: must be a subset of the owner's scopes`},
	"get-key-of-someone-else.json":  {http.StatusNotFound, `no such key`},
}

const (
	project = "default"
	region  = "us-east-1"
)

// now is the fixed time of every run, so key expiries are stable.
var now = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// Fixture users. The ids appear in the sample paths and contexts.
const (
	adminID = "usr_11e13nEpryzEuPmIL"
	aliceID = "usr_06DV6BjpjWpzwHDfi" // credential-issuer
	bobID   = "usr_0VaSLUxg9JCE5rU1e" // plain user, the target of user management
)

// Fixture keys. The tokens were made once with secret.Generate and pasted
// into the samples; they are valid only against the store built here.
const (
	adminKeyID     = "key_0ruTXMV3nHJezs5lI"
	adminToken     = "tgk_LHTae3ceMCmNfwmKbJP2zYuvsx2o2GY9FbsgGCKRrIC2NMa3J"
	aliceKeyID     = "key_0cVpHii6tYs5D4Kol"
	aliceToken     = "tgk_ZpzzuOjqLQENOD7KP6ya2L4JGxqjP5dln6g4NuZ8PpR0lgYfo"
	aliceReadKeyID = "key_1LescLxgjsle8rKBt"
	aliceReadToken = "tgk_QNPKW35nEpcibZhN0kWBIb874yBuyvBueWjMQJ5N6tv22x5j5"
	bobKeyID       = "key_1DjUoQQIu02vWiBiS"
	bobToken       = "tgk_Xxxh1P2UltOIsLyi5Qgwq3cctv9dtghkGdlleLI2gLr2bsrsO"
)

var fixtureUsers = []user.User{
	{ID: adminID, Username: "admin", Roles: []string{user.RoleAdmin}, Scopes: scope.Set{}},
	{ID: aliceID, Username: "alice", Roles: []string{user.RoleCredentialIssuer},
		Scopes: scope.Set{"credentials:read", "credentials:write", "echo:read"}},
	{ID: bobID, Username: "bob", Roles: []string{}, Scopes: scope.Set{"echo:read"}},
}

type fixtureKey struct {
	id, owner, name, token string
	scopes                 scope.Set // nil: inherits the owner's
}

var fixtureKeys = []fixtureKey{
	{adminKeyID, adminID, "bootstrap", adminToken, nil},
	{aliceKeyID, aliceID, "laptop", aliceToken, nil},
	{aliceReadKeyID, aliceID, "dashboard (read-only)", aliceReadToken, scope.Set{"credentials:read"}},
	{bobKeyID, bobID, "scripts", bobToken, nil},
}

// fixture is a fresh store with the fixtures and the real handlers over it.
type fixture struct {
	store *memory.Store
	auth  *authorizer.Authorizer
	mgmt  *management.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := memory.New()
	created := now.Add(-30 * 24 * time.Hour)
	for i, u := range fixtureUsers {
		u.ProjectID = project
		u.CreatedAt = created.Add(time.Duration(i) * time.Minute)
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range fixtureKeys {
		if _, err := secret.Check(k.token, secret.PrefixAPIKey); err != nil {
			t.Fatalf("fixture token of %s: %v", k.id, err)
		}
		at := created.Add(time.Hour + time.Duration(i)*time.Minute)
		exp := at.Add(apikey.DefaultLifetime)
		err := st.CreateKey(ctx, apikey.Key{
			ProjectID: project, ID: k.id, Hash: secret.Sum(k.token), Name: k.name, Scopes: k.scopes,
			Owner: k.owner, Status: apikey.Active, Hint: secret.Hint(k.token), CreatedAt: at, ExpiresAt: &exp,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	clk := clock.NewFake(now)
	return &fixture{
		store: st,
		auth: authorizer.New(st, authorizer.Options{
			ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: 2 * time.Second,
			Routes: authz.NewTable(authz.Routes), Clock: clk,
		}),
		mgmt: management.New(st, management.Options{ProjectID: project, AllowNonExpiringKeys: true, Clock: clk}),
	}
}

func TestFixtureIDs(t *testing.T) {
	for _, u := range fixtureUsers {
		if !id.Valid(user.IDPrefix, u.ID) {
			t.Errorf("user id %q is not valid", u.ID)
		}
	}
	for _, k := range fixtureKeys {
		if !id.Valid(apikey.IDPrefix, k.id) {
			t.Errorf("key id %q is not valid", k.id)
		}
	}
}

// TestEvents runs every sample and checks that every sample has an
// expected outcome and every expected outcome has a sample.
func TestEvents(t *testing.T) {
	found := map[string]map[string]bool{"authorizer": {}, "issuekeys": {}}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		dir, name := filepath.Split(filepath.ToSlash(path))
		dir = strings.TrimSuffix(dir, "/")
		switch dir {
		case "authorizer":
			found[dir][name] = true
			want, ok := authorizerWant[name]
			t.Run(path, func(t *testing.T) {
				if !ok {
					t.Fatalf("no expected outcome for %s: add a row to authorizerWant", path)
				}
				runAuthorizer(t, path, want)
			})
		case "issuekeys":
			found[dir][name] = true
			want, ok := issuekeysWant[name]
			t.Run(path, func(t *testing.T) {
				if !ok {
					t.Fatalf("no expected outcome for %s: add a row to issuekeysWant", path)
				}
				runProxy(t, path, want)
			})
		default:
			t.Errorf("%s: no handler is known for folder %q", path, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(authorizerWant)) {
		if !found["authorizer"][name] {
			t.Errorf("authorizerWant has a row for authorizer/%s, but there is no such file", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(issuekeysWant)) {
		if !found["issuekeys"][name] {
			t.Errorf("issuekeysWant has a row for issuekeys/%s, but there is no such file", name)
		}
	}
}

// decodeStrict reads path into dst, refusing unknown fields and trailing data.
func decodeStrict(t *testing.T, path string, dst any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		t.Fatalf("decoding %s into %T: %v", path, dst, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: data after the event", path)
	}
}

func runAuthorizer(t *testing.T, path, want string) {
	var req events.APIGatewayCustomAuthorizerRequestTypeRequest
	decodeStrict(t, path, &req)
	if req.Type != "REQUEST" {
		t.Errorf("type = %q, want REQUEST", req.Type)
	}
	checkShape(t, req.HTTPMethod, req.Resource, req.Path, req.PathParameters, req.Headers, req.MultiValueHeaders,
		req.RequestContext.HTTPMethod, req.RequestContext.ResourcePath, req.RequestContext.Stage, req.RequestContext.Path)
	if wantARN := methodARN(req.RequestContext.AccountID, req.RequestContext.APIID, req.RequestContext.Stage,
		req.HTTPMethod, req.Path); req.MethodArn != wantARN {
		t.Errorf("methodArn = %q, want %q", req.MethodArn, wantARN)
	}
	checkTokens(t, filepath.Base(path), req)

	f := newFixture(t)
	resp, err := f.auth.Handle(context.Background(), req)
	got := ""
	switch {
	case errors.Is(err, authorizer.ErrUnauthorized):
		if err.Error() != unauthorized {
			t.Errorf("error text = %q, API Gateway needs exactly %q", err.Error(), unauthorized)
		}
		got = unauthorized
	case err != nil:
		t.Fatalf("authorizer error: %v", err)
	default:
		got = effect(resp, req.MethodArn)
	}
	if got != want {
		t.Fatalf("outcome = %s, want %s (response %+v)", got, want, resp)
	}
	if got == deny {
		denied := false
		for _, st := range resp.PolicyDocument.Statement {
			denied = denied || st.Effect == authz.Deny && slices.Contains(st.Resource, req.MethodArn)
		}
		if !denied {
			t.Errorf("no explicit Deny statement on %s: %+v", req.MethodArn, resp.PolicyDocument)
		}
	}
	if got == allow || got == deny {
		checkContext(t, resp)
	}
}

// checkContext checks an answer's principal and context against the fixtures.
func checkContext(t *testing.T, resp events.APIGatewayCustomAuthorizerResponse) {
	t.Helper()
	i := slices.IndexFunc(fixtureKeys, func(k fixtureKey) bool { return k.id == resp.Context["credentialId"] })
	if i < 0 {
		t.Fatalf("credentialId %v is not a fixture key", resp.Context["credentialId"])
	}
	k := fixtureKeys[i]
	if resp.PrincipalID != k.owner || resp.Context["principalId"] != k.owner ||
		resp.Context["credentialType"] != authorizer.TypeAPIKey || resp.Context["projectId"] != project {
		t.Errorf("principal %q, context %v: want owner %s of %s", resp.PrincipalID, resp.Context, k.owner, k.id)
	}
}

// checkTokens keeps the two bad-token samples what their names say.
func checkTokens(t *testing.T, name string, req events.APIGatewayCustomAuthorizerRequestTypeRequest) {
	t.Helper()
	_, tok, _ := strings.Cut(req.Headers["Authorization"], " ")
	switch name {
	case "malformed.json":
		if _, err := secret.Check(tok, secret.PrefixAPIKey); !errors.Is(err, secret.ErrChecksum) {
			t.Errorf("malformed.json should carry a token with a bad checksum only; Check says %v", err)
		}
	case "unknown-key.json":
		if _, err := secret.Check(tok, secret.PrefixAPIKey); err != nil {
			t.Errorf("unknown-key.json should carry a well-formed token; Check says %v", err)
		}
		for _, k := range fixtureKeys {
			if k.token == tok {
				t.Errorf("unknown-key.json carries the token of fixture key %s", k.id)
			}
		}
	case "query-token.json":
		if _, err := secret.Check(req.QueryStringParameters[authorizer.QueryParam], secret.PrefixAPIKey); err != nil {
			t.Errorf("query-token.json should carry a valid token in ?%s=; Check says %v", authorizer.QueryParam, err)
		}
	}
}

// effect is the policy's decision on methodARN: an explicit Deny wins over
// an Allow; no matching statement is an implicit deny ("none").
func effect(resp events.APIGatewayCustomAuthorizerResponse, methodARN string) string {
	out := "none"
	for _, st := range resp.PolicyDocument.Statement {
		if !slices.Contains(st.Action, "execute-api:Invoke") {
			continue
		}
		for _, r := range st.Resource {
			if !arnMatch(r, methodARN) {
				continue
			}
			if st.Effect == authz.Deny {
				return deny
			}
			if st.Effect == authz.Allow {
				out = allow
			}
		}
	}
	return out
}

// arnMatch matches an IAM resource pattern, where * matches any run of
// characters ("/" included) and ? any one character.
func arnMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if arnMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && arnMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && arnMatch(pattern[1:], s[1:])
}

func methodARN(account, api, stage, method, path string) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", region, account, api, stage, method, path)
}

// checkShape checks what API Gateway keeps consistent within one event.
func checkShape(t *testing.T, method, resource, path string, params, headers map[string]string,
	multi map[string][]string, ctxMethod, ctxResource, stage, ctxPath string) {
	t.Helper()
	if ctxMethod != method || ctxResource != resource {
		t.Errorf("requestContext says %s %s, the event %s %s", ctxMethod, ctxResource, method, resource)
	}
	if ctxPath != "/"+stage+path {
		t.Errorf("requestContext.path = %q, want %q", ctxPath, "/"+stage+path)
	}
	filled := resource
	for k, v := range params {
		filled = strings.ReplaceAll(filled, "{"+k+"}", v)
	}
	if filled != path {
		t.Errorf("resource %s with pathParameters %v is %s, not path %s", resource, params, filled, path)
	}
	for k, v := range headers {
		if vs := multi[k]; len(vs) == 0 || vs[len(vs)-1] != v {
			t.Errorf("header %s: headers has %q, multiValueHeaders %q", k, v, vs)
		}
	}
	if len(multi) != len(headers) {
		t.Errorf("headers and multiValueHeaders name different headers")
	}
}

func runProxy(t *testing.T, path string, want proxyWant) {
	var req events.APIGatewayProxyRequest
	decodeStrict(t, path, &req)
	rc := req.RequestContext
	checkShape(t, req.HTTPMethod, req.Resource, req.Path, req.PathParameters, req.Headers, req.MultiValueHeaders,
		rc.HTTPMethod, rc.ResourcePath, rc.Stage, rc.Path)
	if _, ok := authz.NewTable(authz.Routes).Lookup(req.HTTPMethod, req.Resource); !ok {
		t.Errorf("%s %s is not in authz.Routes", req.HTTPMethod, req.Resource)
	}
	f := newFixture(t)

	// The authorizer context in the sample must be what the authorizer
	// answers for the request's own credential.
	areq := events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: methodARN(rc.AccountID, rc.APIID, rc.Stage, req.HTTPMethod, req.Path),
		Resource: req.Resource, Path: req.Path, HTTPMethod: req.HTTPMethod, Headers: req.Headers,
		MultiValueHeaders: req.MultiValueHeaders, QueryStringParameters: req.QueryStringParameters,
		MultiValueQueryStringParameters: req.MultiValueQueryStringParameters, PathParameters: req.PathParameters,
	}
	aresp, err := f.auth.Handle(context.Background(), areq)
	if err != nil {
		t.Fatalf("the authorizer refuses this request: %v", err)
	}
	if e := effect(aresp, areq.MethodArn); e != allow {
		t.Fatalf("the authorizer answers %s for this request, not Allow", e)
	}
	for _, k := range []string{"principalId", "credentialType", "credentialId", "scopes", "projectId"} {
		if got, want := rc.Authorizer[k], aresp.Context[k]; got != want {
			t.Errorf("requestContext.authorizer[%q] = %#v; the authorizer passes %#v", k, got, want)
		}
	}

	resp, err := f.mgmt.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	if resp.StatusCode != want.status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, want.status, resp.Body)
	}
	if want.body != "" && !strings.Contains(resp.Body, want.body) {
		t.Errorf("body does not contain %s: %s", want.body, resp.Body)
	}
	if resp.StatusCode >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("error Content-Type = %q, want application/problem+json", resp.Headers["Content-Type"])
	}
}
