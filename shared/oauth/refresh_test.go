package oauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/user"
)

const day = 24 * time.Hour

// refreshSetup is what a refresh-grant case's before step and body see:
// the fixture, the family made for the case and its first refresh token.
type refreshSetup struct {
	t   *testing.T
	f   *fixture
	fam refresh.Family
	rt  string
}

// refreshCase is one refresh_token grant against a family of its own and
// what it must answer.
type refreshCase struct {
	name    string
	owner   string    // default alice
	scopes  scope.Set // of the family; nil inherits
	life    time.Duration
	ttl     time.Duration
	before  func(t *testing.T, s refreshSetup)
	body    func(s refreshSetup) string // default grant_type=refresh_token&refresh_token=<rt>
	status  int
	code    string
	scope   string // granted, on 200
	expIn   int64  // expires_in, on 200
	noReads bool
}

// asking is a case body: the grant of the family's token with a scope parameter.
func asking(scopes string) func(refreshSetup) string {
	return func(s refreshSetup) string {
		return form("grant_type", "refresh_token", "refresh_token", s.rt, "scope", scopes)
	}
}

// presenting is a case body: a grant of the token tok returns, in place
// of the family's.
func presenting(tok func(s refreshSetup) string) func(refreshSetup) string {
	return func(s refreshSetup) string { return form("grant_type", "refresh_token", "refresh_token", tok(s)) }
}

// demoteAlice is a before step: alice's scopes become to.
func demoteAlice(to ...string) func(*testing.T, refreshSetup) {
	return func(t *testing.T, s refreshSetup) {
		s.f.setUser(t, "alice", func(u *user.User) { u.Scopes = scope.Set(to) })
	}
}

func TestRefreshGrant(t *testing.T) {
	for _, tt := range slices.Concat(refreshGranted(), refreshScopeRefused(), refreshGrantRefused(), refreshTokenRefused()) {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}

// refreshGranted: exchanges answered 200, with the scope and lifetime granted.
func refreshGranted() []refreshCase {
	return []refreshCase{
		{name: "inheriting family", status: 200, scope: "echo:read echo:write files:read", expIn: 10800},
		{name: "explicit scopes", scopes: scope.Set{"echo:read", "files:read"}, status: 200, scope: "echo:read files:read", expIn: 10800},
		{name: "short access-token TTL", ttl: time.Minute, status: 200, scope: "echo:read echo:write files:read", expIn: 60},
		{name: "longest access-token TTL", ttl: day, status: 200, scope: "echo:read echo:write files:read", expIn: 86400},
		{name: "family expiry caps the access token", life: time.Hour, ttl: 3 * time.Hour, status: 200, scope: "echo:read echo:write files:read", expIn: 3600},
		{name: "family expiring soon caps the access token", life: time.Hour, ttl: 3 * time.Hour,
			before: func(t *testing.T, s refreshSetup) { s.f.clock.Advance(59*time.Minute + 59*time.Second) },
			status: 200, scope: "echo:read echo:write files:read", expIn: 1},
		{name: "narrowed scope", scopes: scope.Set{"echo:read", "files:read"}, body: asking("echo:read"),
			status: 200, scope: "echo:read", expIn: 10800},
		{name: "the same scope in another order", scopes: scope.Set{"echo:read", "files:read"}, body: asking("files:read  echo:read"),
			status: 200, scope: "echo:read files:read", expIn: 10800},
		{name: "repeated scope", scopes: scope.Set{"echo:read", "files:read"}, body: asking("echo:read echo:read"),
			status: 200, scope: "echo:read", expIn: 10800},
		{name: "inheriting family narrowed", body: asking("echo:write"), status: 200, scope: "echo:write", expIn: 10800},
		{name: "owner demoted: the token shrinks", scopes: scope.Set{"echo:read", "echo:write"}, before: demoteAlice("echo:read"),
			status: 200, scope: "echo:read", expIn: 10800},
		{name: "owner demoted: an inheriting family follows", before: demoteAlice("files:read"), status: 200, scope: "files:read", expIn: 10800},
		{name: "admin owner", owner: "admin", status: 200, scope: "*", expIn: 10800},
		{name: "admin owner with explicit scopes", owner: "admin", scopes: scope.Set{"users:admin"}, status: 200, scope: "users:admin", expIn: 10800},
	}
}

// refreshScopeRefused: scope parameters answered invalid_scope.
func refreshScopeRefused() []refreshCase {
	return []refreshCase{
		{name: "scope widened", scopes: scope.Set{"echo:read"}, body: asking("echo:read echo:write"), status: 400, code: "invalid_scope"},
		{name: "scope beyond the owner's", body: asking("users:admin"), status: 400, code: "invalid_scope"},
		{name: "scope beyond a demoted owner's", scopes: scope.Set{"echo:read"},
			before: demoteAlice("files:read"), body: asking("files:read"), status: 400, code: "invalid_scope"},
		{name: "malformed scope", body: asking("Echo:Read"), status: 400, code: "invalid_scope", noReads: true},
		{name: "the all scope", owner: "admin", body: asking("*"), status: 400, code: "invalid_scope", noReads: true},
	}
}

// refreshGrantRefused: well-formed tokens whose grant no longer holds, or
// never did, answered invalid_grant.
func refreshGrantRefused() []refreshCase {
	return []refreshCase{
		{name: "owner disabled", before: func(t *testing.T, s refreshSetup) { s.f.setUser(t, "alice", func(u *user.User) { u.Disabled = true }) },
			status: 400, code: "invalid_grant"},
		{name: "owner deleted", before: func(t *testing.T, s refreshSetup) { s.f.deleteUser(t, "alice") }, status: 400, code: "invalid_grant"},
		{name: "family revoked", before: func(t *testing.T, s refreshSetup) {
			if err := s.f.store.RevokeFamily(context.Background(), project, s.fam.ID, s.f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}, status: 400, code: "invalid_grant"},
		{name: "family expired", life: time.Hour, before: func(t *testing.T, s refreshSetup) { s.f.clock.Advance(time.Hour) }, status: 400, code: "invalid_grant"},
		{name: "family long expired", life: time.Hour, before: func(t *testing.T, s refreshSetup) { s.f.clock.Advance(100 * day) }, status: 400, code: "invalid_grant"},
		{name: "unknown token", body: presenting(func(refreshSetup) string {
			tok, _ := secret.Generate("", secret.PrefixRefreshToken)
			return tok
		}), status: 400, code: "invalid_grant"},
		{name: "token of another project", body: presenting(func(s refreshSetup) string {
			fam, first, tok, _ := refresh.NewFamily("elsewhere", s.f.users["alice"].ID, "x", nil, t0, t0.Add(day), time.Hour, "")
			_ = s.f.store.CreateFamily(context.Background(), fam, first)
			return tok
		}), status: 400, code: "invalid_grant"},
	}
}

// refreshTokenRefused: requests refused without a store read, for a
// malformed token, a secret of another kind, or no token at all.
func refreshTokenRefused() []refreshCase {
	return []refreshCase{
		{name: "malformed token", body: presenting(func(refreshSetup) string { return "nonsense" }),
			status: 400, code: "invalid_grant", noReads: true},
		{name: "wrong checksum", body: presenting(func(s refreshSetup) string { return flipLast(s.rt) }),
			status: 400, code: "invalid_grant", noReads: true},
		{name: "token with a trailing space", body: presenting(func(s refreshSetup) string { return s.rt + " " }),
			status: 400, code: "invalid_grant", noReads: true},
		{name: "API key in its place", body: presenting(func(refreshSetup) string {
			tok, _ := secret.Generate("", secret.PrefixAPIKey)
			return tok
		}), status: 400, code: "invalid_grant", noReads: true},
		{name: "client secret in its place", body: presenting(func(s refreshSetup) string {
			_, sec := s.f.client(s.t, "alice", nil)
			return sec
		}), status: 400, code: "invalid_grant", noReads: true},
		{name: "refresh_token missing", body: func(s refreshSetup) string { return form("grant_type", "refresh_token") },
			status: 400, code: "invalid_request", noReads: true},
		{name: "refresh_token empty", body: presenting(func(refreshSetup) string { return "" }),
			status: 400, code: "invalid_request", noReads: true},
	}
}

// run makes the case's family in a fixture of its own and exchanges its
// token; on a 200 it checks the grant, the claims and the rotation.
func (tt refreshCase) run(t *testing.T) {
	f := newFixture(t)
	owner, life, ttl := cmpOr(tt.owner, "alice"), cmpOr(tt.life, 90*day), cmpOr(tt.ttl, refresh.DefaultAccessTokenTTL)
	fam, rt := f.family(t, owner, tt.scopes, life, ttl)
	s := refreshSetup{t: t, f: f, fam: fam, rt: rt}
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
	wantExp := min(f.clock.Now().Add(ttl).Unix(), fam.ExpiresAt.Unix())
	if c.Subject != f.users[owner].ID || c.SessionID != fam.ID || c.ClientID != "" || c.ExpiresAt != wantExp || c.Confirmation != nil {
		t.Errorf("claims %+v, want sub %s sid %s exp %d", c, f.users[owner].ID, fam.ID, wantExp)
	}
	wantRotated(t, s, a)
}

// wantRotated checks that the 200 a spent s.rt now, sealing a new
// successor of the next generation, and left the family as it was.
func wantRotated(t *testing.T, s refreshSetup, a answer) {
	t.Helper()
	f, fam, rt, now := s.f, s.fam, s.rt, s.f.clock.Now()
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
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// TestRefreshRotation walks a family through rotation, a retry within the
// grace period, narrowing, and reuse after the grace period.
func TestRefreshRotation(t *testing.T) {
	f := newFixture(t)
	fam, rt0 := f.family(t, "alice", scope.Set{"echo:read", "files:read"}, 90*24*time.Hour, time.Hour)
	ctx := context.Background()

	first := f.ok(t, exchange(rt0))
	rt1 := first.str(t, "refresh_token")

	// A lost answer: the retry, up to the end of the grace period, gets the
	// same successor and a fresh access token.
	f.clock.Advance(grace)
	retry := f.ok(t, exchange(rt0))
	if retry.str(t, "refresh_token") != rt1 {
		t.Fatalf("retry within grace got another successor")
	}
	if retry.str(t, "access_token") == first.str(t, "access_token") || retry.claims.ID == first.claims.ID {
		t.Error("retry reissued the same access token")
	}

	// Narrowing applies to that access token only: the family keeps its scope.
	narrow := f.ok(t, exchange(rt1, "scope", "files:read"))
	if narrow.str(t, "scope") != "files:read" {
		t.Fatalf("narrowed scope %q", narrow.str(t, "scope"))
	}
	rt2 := narrow.str(t, "refresh_token")
	full := f.ok(t, exchange(rt2))
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
			first := f.ok(t, exchange(rt))
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
	f.ok(t, exchange(rt))
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
