package authorizer_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

const (
	project = "default"
	arnBase = "arn:aws:execute-api:us-east-1:123456789012:api1/prod"
)

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

type fixture struct {
	store *memory.Store
	clock *clock.Fake
	auth  *authorizer.Authorizer
	owner user.User
	key   apikey.Key
	token string
}

func newFixture(t testing.TB, query bool, keyScopes scope.Set) *fixture {
	t.Helper()
	f := &fixture{store: memory.New(), clock: clock.NewFake(t0)}
	f.owner = user.User{ProjectID: project, ID: "usr_alice", Username: "alice", Roles: []string{user.RoleCredentialIssuer},
		Scopes: scope.Set{"credentials:read", "echo:read"}, CreatedAt: t0}
	if err := f.store.CreateUser(context.Background(), f.owner); err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(24 * time.Hour)
	var err error
	f.key, f.token, err = apikey.New(project, f.owner.ID, "test", keyScopes, t0, &exp, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateKey(context.Background(), f.key); err != nil {
		t.Fatal(err)
	}
	f.auth = authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second, QueryTokens: query,
		Routes: access.NewTable(access.Routes), Clock: f.clock,
	})
	return f
}

// setOwner re-reads the fixture's owner, applies change and writes it back,
// as the management API does: the write is conditional on the version read.
func (f *fixture) setOwner(t testing.TB, change func(*user.User)) {
	t.Helper()
	ctx := context.Background()
	u, err := f.store.GetUser(ctx, project, f.owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	change(&u)
	if err := f.store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f.owner = u
}

// deleteOwner deletes the fixture's owner as stored.
func (f *fixture) deleteOwner(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	u, err := f.store.GetUser(ctx, project, f.owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteUser(ctx, u); err != nil {
		t.Fatal(err)
	}
}

// setKey re-reads the fixture's key, applies change and writes it back.
func (f *fixture) setKey(t testing.TB, change func(*apikey.Key)) {
	t.Helper()
	ctx := context.Background()
	k, err := f.store.GetKey(ctx, project, f.key.ID)
	if err != nil {
		t.Fatal(err)
	}
	change(&k)
	if err := f.store.UpdateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	f.key = k
}

// deleteKey deletes the fixture's key as stored.
func (f *fixture) deleteKey(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	k, err := f.store.GetKey(ctx, project, f.key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteKey(ctx, k); err != nil {
		t.Fatal(err)
	}
}

func request(method, resource string, headers map[string]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: arnBase + "/" + method + resource, Resource: resource, Path: resource,
		HTTPMethod: method, Headers: headers,
	}
}

func whoami(headers map[string]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return request("GET", "/v1/whoami", headers)
}

// allows reports whether resp allows methodARN and explicitly denies nothing of it.
func effect(resp events.APIGatewayCustomAuthorizerResponse, methodARN string) string {
	out := "none"
	for _, st := range resp.PolicyDocument.Statement {
		for _, r := range st.Resource {
			if r == methodARN || (len(r) > 0 && r[len(r)-1] == '*' && len(methodARN) >= len(r)-1 && methodARN[:len(r)-1] == r[:len(r)-1]) {
				if st.Effect == authorizer.Deny {
					return authorizer.Deny
				}
				out = authorizer.Allow
			}
		}
	}
	return out
}

func TestScopes(t *testing.T) {
	cases := []struct {
		name      string
		keyScopes scope.Set
		roles     []string
		method    string
		resource  string
		want      string
	}{
		{"inherited scope", nil, nil, "GET", "/v1/keys", authorizer.Allow},
		{"scope not held", nil, nil, "POST", "/v1/keys", authorizer.Deny},
		{"key narrower than owner", scope.Set{"echo:read"}, nil, "GET", "/v1/keys", authorizer.Deny},
		{"key wider than owner is cut", scope.Set{"credentials:write"}, nil, "POST", "/v1/keys", authorizer.Deny},
		{"whoami needs no scope", scope.Set{}, nil, "GET", "/v1/whoami", authorizer.Allow},
		{"admin route needs admin role", nil, nil, "GET", "/v1/users", authorizer.Deny},
		{"admin holds every scope", nil, []string{user.RoleAdmin}, "POST", "/v1/users", authorizer.Allow},
		{"admin key narrowed", scope.Set{"credentials:read"}, []string{user.RoleAdmin}, "POST", "/v1/users", authorizer.Deny},
		{"route not in table", nil, []string{user.RoleAdmin}, "GET", "/v1/nowhere", authorizer.Deny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, false, c.keyScopes)
			if c.roles != nil {
				f.setOwner(t, func(u *user.User) { u.Roles = c.roles })
			}
			req := request(c.method, c.resource, map[string]string{"x-api-key": f.token})
			resp, err := f.auth.Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got := effect(resp, req.MethodArn); got != c.want {
				t.Fatalf("effect = %s, want %s (policy %+v)", got, c.want, resp.PolicyDocument)
			}
		})
	}
}

func TestPolicyCoversEveryPermittedRoute(t *testing.T) {
	f := newFixture(t, false, nil)
	resp, err := f.auth.Handle(context.Background(), whoami(map[string]string{"x-api-key": f.token}))
	if err != nil {
		t.Fatal(err)
	}
	// alice holds credentials:read and echo:read: every route needing one
	// of those, or nothing, and no other.
	var want []string
	for _, r := range access.Routes {
		if r.Role == "" && (r.Scope == "" || r.Scope == "credentials:read" || r.Scope == "echo:read") {
			want = append(want, access.RouteARN(arnBase, r))
		}
	}
	got := resp.PolicyDocument.Statement[0].Resource
	if !slices.Equal(got, want) || len(resp.PolicyDocument.Statement) != 1 {
		t.Fatalf("allowed %v, want %v", got, want)
	}
}

func TestRevocationBound(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, false, nil)
	req := whoami(map[string]string{"x-api-key": f.token})
	if _, err := f.auth.Handle(ctx, req); err != nil {
		t.Fatal(err)
	}
	f.setKey(t, func(k *apikey.Key) { k.Status = apikey.Inactive })
	f.clock.Advance(29 * time.Second)
	if _, err := f.auth.Handle(ctx, req); err != nil {
		t.Fatalf("cached decision dropped early: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.auth.Handle(ctx, req); !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("deactivation not applied after the bound: %v", err)
	}
	// Reactivation is seen within the bound too (the negative answer is cached as well).
	f.setKey(t, func(k *apikey.Key) { k.Status = apikey.Active })
	f.clock.Advance(30 * time.Second)
	if _, err := f.auth.Handle(ctx, req); err != nil {
		t.Fatalf("reactivation not applied after the bound: %v", err)
	}
}

func TestWarmCacheReadsNothing(t *testing.T) {
	f := newFixture(t, false, nil)
	req := whoami(map[string]string{"x-api-key": f.token})
	for range 3 {
		if _, err := f.auth.Handle(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.store.Reads.Load(); n != 2 { // the key and its owner, once
		t.Fatalf("%d reads, want 2", n)
	}
	// Unknown tokens are cached too.
	tok, _ := secret.Generate("", secret.PrefixAPIKey)
	for range 3 {
		_, _ = f.auth.Handle(context.Background(), whoami(map[string]string{"x-api-key": tok}))
	}
	if n := f.store.Reads.Load(); n != 3 {
		t.Fatalf("%d reads after 3 unknown tokens, want 3", n)
	}
}

// failing is a store whose reads fail or hang until the deadline.
type failing struct {
	*memory.Store
	hang bool
}

func (s failing) GetKeyByHash(ctx context.Context, p string, h secret.Hash) (apikey.Key, error) {
	if s.hang {
		<-ctx.Done()
		return apikey.Key{}, ctx.Err()
	}
	return apikey.Key{}, errors.New("throttled")
}

func TestFailsClosed(t *testing.T) {
	for _, hang := range []bool{false, true} {
		f := newFixture(t, false, nil)
		a := authorizer.New(failing{f.store, hang}, authorizer.Options{
			ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: 20 * time.Millisecond,
			Routes: access.NewTable(access.Routes), Clock: f.clock,
		})
		resp, err := a.Handle(context.Background(), whoami(map[string]string{"x-api-key": f.token}))
		if err == nil || errors.Is(err, authorizer.ErrUnauthorized) || len(resp.PolicyDocument.Statement) != 0 {
			t.Fatalf("hang=%v: resp %+v, err %v; want a non-Unauthorized error and no policy", hang, resp, err)
		}
		// The failure is not cached: the next call asks the store again.
		if _, err := a.Handle(context.Background(), whoami(map[string]string{"x-api-key": f.token})); err == nil {
			t.Fatal("failure turned into an Allow")
		}
	}
}
