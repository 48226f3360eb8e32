package authorizer_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/user"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// dynamoFixture is an owner with n keys in a fresh DynamoDB Local table.
type dynamoFixture struct {
	api    *localtest.Counting
	store  *dynamo.Store
	clock  *clock.Fake
	tokens []string
}

func newDynamoFixture(tb testing.TB, n int) *dynamoFixture {
	tb.Helper()
	ctx := context.Background()
	db, table := localtest.NewTable(tb)
	f := &dynamoFixture{api: &localtest.Counting{API: db}, clock: clock.NewFake(t0)}
	f.store = dynamo.New(f.api, table)
	owner := user.User{ProjectID: project, ID: id.New(user.IDPrefix), Username: "bench", Roles: []string{user.RoleCredentialIssuer},
		Scopes: scope.Set{"credentials:read", "echo:read"}, CreatedAt: t0}
	if err := f.store.CreateUser(ctx, owner); err != nil {
		tb.Fatal(err)
	}
	exp := t0.Add(365 * 24 * time.Hour)
	for range n {
		k, tok, err := apikey.New(project, owner.ID, "bench", nil, t0, &exp, "")
		if err != nil {
			tb.Fatal(err)
		}
		if err := f.store.CreateKey(ctx, k); err != nil {
			tb.Fatal(err)
		}
		f.tokens = append(f.tokens, tok)
	}
	return f
}

func (f *dynamoFixture) authorizer() *authorizer.Authorizer {
	return authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: 2 * time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock,
	})
}

// TestMissCostsOneGetItem proves the read budget against DynamoDB Local: a
// credential cache miss is one GetItem when its owner is cached, two when
// the owner is not, and none on a warm cache.
func TestMissCostsOneGetItem(t *testing.T) {
	f := newDynamoFixture(t, 2)
	a := f.authorizer()
	steps := []struct {
		name  string
		token string
		gets  int64
	}{
		{"cold: key and owner", f.tokens[0], 2},
		{"warm", f.tokens[0], 0},
		{"key miss, owner cached", f.tokens[1], 1},
		{"warm again", f.tokens[1], 0},
	}
	for _, s := range steps {
		before := f.api.Gets.Load()
		if _, err := a.Handle(context.Background(), whoami(map[string]string{"x-api-key": s.token})); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := f.api.Gets.Load() - before; got != s.gets {
			t.Fatalf("%s: %d GetItem calls, want %d", s.name, got, s.gets)
		}
	}
}

func BenchmarkWarm(b *testing.B) {
	f := newFixture(b, false, nil)
	req := whoami(map[string]string{"Authorization": "Bearer " + f.token})
	if _, err := f.auth.Handle(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	reads := f.store.Reads.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.auth.Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.store.Reads.Load()-reads)/float64(b.N), "reads/op")
}

func BenchmarkMalformed(b *testing.B) {
	f := newFixture(b, false, nil)
	req := whoami(map[string]string{"Authorization": "Bearer " + badChecksum(f.token)})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.auth.Handle(context.Background(), req); err == nil {
			b.Fatal("accepted")
		}
	}
	if n := f.store.Reads.Load(); n != 0 {
		b.Fatalf("%d store reads", n)
	}
	b.ReportMetric(0, "reads/op")
}

// badChecksum is token with one character changed to another of the
// alphabet: well formed, but its checksum no longer matches, so every
// check runs (a character outside the alphabet would stop them early).
func badChecksum(token string) string {
	bad := []byte(token)
	if bad[20] == '0' {
		bad[20] = '1'
	} else {
		bad[20] = '0'
	}
	return string(bad)
}

// BenchmarkMalformedLogged is BenchmarkMalformed with refusals logged as
// in production: JSON at Info (to io.Discard), so what the log line costs
// shows.
func BenchmarkMalformedLogged(b *testing.B) {
	f := newFixture(b, false, nil)
	a := authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	req := whoami(map[string]string{"Authorization": "Bearer " + badChecksum(f.token)})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Handle(context.Background(), req); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkMissDynamoDBLocal: every decision is a cache miss on the
// credential (a pool of keys, the clock moved past the cache TTL after each
// pass) with the owner usually cached.
func BenchmarkMissDynamoDBLocal(b *testing.B) {
	f := newDynamoFixture(b, 200)
	a := f.authorizer()
	reqs := make([]events.APIGatewayCustomAuthorizerRequestTypeRequest, len(f.tokens))
	for i, tok := range f.tokens {
		reqs[i] = whoami(map[string]string{"x-api-key": tok})
	}
	before := f.api.Gets.Load()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i > 0 && i%len(reqs) == 0 {
			f.clock.Advance(31 * time.Second)
		}
		if _, err := a.Handle(context.Background(), reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(f.api.Gets.Load()-before)/float64(b.N), "GetItem/op")
}

// BenchmarkColdDynamoDBLocal: a new authorizer per decision, as on a Lambda
// cold start: the key and its owner are both read.
func BenchmarkColdDynamoDBLocal(b *testing.B) {
	f := newDynamoFixture(b, 1)
	req := whoami(map[string]string{"x-api-key": f.tokens[0]})
	before := f.api.Gets.Load()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.authorizer().Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.api.Gets.Load()-before)/float64(b.N), "GetItem/op")
}

func ExampleAuthorizer_Handle() {
	fmt.Println(authorizer.ErrUnauthorized)
	// Output: Unauthorized
}
