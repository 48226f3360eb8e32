package management_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/user"
)

// Field sets of JWTs, refresh families and clients as the API shows them.
var (
	createdJWTFields     = []string{"createdAt", "expiresAt", "name", "owner", "scopes", "status", "token", "tokenId"}
	jwtFields            = []string{"createdAt", "expiresAt", "name", "owner", "scopes", "status", "tokenId"}
	createdRefreshFields = []string{"accessTokenTTL", "createdAt", "expiresAt", "name", "owner", "refreshToken", "scopes", "status", "tokenId"}
	refreshFields        = []string{"accessTokenTTL", "createdAt", "expiresAt", "name", "owner", "scopes", "status", "tokenId"}
	createdClientFields  = []string{"clientId", "clientSecret", "createdAt", "name", "owner", "quota", "rateLimit", "scopes", "secretHint", "status"}
	clientFields         = []string{"clientId", "createdAt", "name", "owner", "quota", "rateLimit", "scopes", "secretHint", "status"}
	rotatedClientFields  = []string{"clientId", "clientSecret", "createdAt", "name", "owner", "previousSecretExpiresAt", "quota", "rateLimit", "scopes", "secretHint", "status"}
)

// claimsOf verifies a personal JWT and checks its RFC 9068 header.
func (f *fixture) claimsOf(t *testing.T, tok string) accesstoken.Claims {
	t.Helper()
	c, err := f.verifier.Verify(tok)
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	seg, _, _ := strings.Cut(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(seg)
	var h map[string]string
	if err := json.Unmarshal(raw, &h); err != nil || !maps.Equal(h, map[string]string{"alg": "ES256", "kid": f.signer.KeyID(), "typ": "at+jwt"}) {
		t.Errorf("JOSE header %s: %v", raw, err)
	}
	return c
}

func jwtReq(method, tokenID string) request {
	return request{method: method, resource: "/v1/tokens/jwt/{tokenId}", params: map[string]string{"tokenId": tokenID}}
}

func refreshReq(method, tokenID string) request {
	return request{method: method, resource: "/v1/tokens/refresh/{tokenId}", params: map[string]string{"tokenId": tokenID}}
}

func clientReq(method, clientID string) request {
	return request{method: method, resource: "/v1/clients/{clientId}", params: map[string]string{"clientId": clientID}}
}

func secretReq(clientID string) request {
	return request{method: http.MethodPost, resource: "/v1/clients/{clientId}/secret", params: map[string]string{"clientId": clientID}}
}

const aliceScopes = "credentials:read credentials:write echo:read echo:write"

func TestCreateJWT(t *testing.T) {
	ninety := t0.Add(90 * 24 * time.Hour)
	jwtRoute.run(t, []createCase{
		{name: "defaults", who: "alice", body: `{"name":"laptop"}`, status: http.StatusCreated, scope: aliceScopes, exp: ninety,
			check: func(t *testing.T, f *fixture, r response) {
				if !r.isNull("scopes") {
					t.Errorf("scopes = %s, want null (inherits)", r.fields["scopes"])
				}
				s := f.session(t, r.str(t, "tokenId"))
				if s.Kind != credential.KindJWT || s.Owner != f.users["alice"].ID || s.Scopes != nil || s.Status != credential.Active ||
					s.Name != "laptop" || s.ExpiresAt == nil || !s.ExpiresAt.Equal(ninety) || !s.CreatedAt.Equal(t0) {
					t.Errorf("stored %+v", s)
				}
			}},
		{name: "scopes sorted and deduplicated", who: "alice", body: `{"name":"laptop","scopes":["echo:read","credentials:read","echo:read"]}`,
			status: http.StatusCreated, scope: "credentials:read echo:read", exp: ninety,
			check: func(t *testing.T, f *fixture, r response) {
				if got := r.strs(t, "scopes"); !slices.Equal(got, []string{"credentials:read", "echo:read"}) {
					t.Errorf("scopes = %v", got)
				}
			}},
		{name: "empty scopes stay empty", who: "alice", body: `{"name":"laptop","scopes":[]}`, status: http.StatusCreated, scope: "", exp: ninety,
			check: func(t *testing.T, f *fixture, r response) {
				if string(r.fields["scopes"]) != "[]" || f.session(t, r.str(t, "tokenId")).Scopes == nil {
					t.Errorf("scopes = %s: an empty grant must not become an inheriting one", r.fields["scopes"])
				}
			}},
		{name: "expiresAt given", who: "alice", body: `{"name":"laptop","expiresAt":"2027-01-01T00:00:00Z"}`, status: http.StatusCreated,
			scope: aliceScopes, exp: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "expiresAt with an offset", who: "alice", body: `{"name":"laptop","expiresAt":"2027-01-01T12:00:00+02:00"}`, status: http.StatusCreated,
			scope: aliceScopes, exp: time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)},
		{name: "expiresAt one second ahead", who: "alice", body: `{"name":"laptop","expiresAt":"` + rfc3339(t0.Add(time.Second)) + `"}`,
			status: http.StatusCreated, scope: aliceScopes, exp: t0.Add(time.Second)},
		{name: "expiresAt omitted under a strict deployment", who: "alice", body: `{"name":"laptop"}`, opts: []fixtureOption{strictExpiry},
			status: http.StatusCreated, scope: aliceScopes, exp: ninety},
		{name: "admin inherits every scope", who: "admin", body: `{"name":"laptop"}`, status: http.StatusCreated, scope: "*", exp: ninety},
		{name: "within a restricted credential", who: "alice:narrow", body: `{"name":"laptop","scopes":["echo:read"]}`,
			status: http.StatusCreated, scope: "echo:read", exp: ninety},
		{name: "base64 body", who: "alice", body: `{"name":"laptop","scopes":["echo:read"]}`, base64: true,
			status: http.StatusCreated, scope: "echo:read", exp: ninety},

		{name: "expiresAt null", who: "alice", body: `{"name":"laptop","expiresAt":null}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "scopes omitted by a restricted admin credential", who: "admin:narrow", body: `{"name":"laptop"}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "the all scope", who: "admin", body: `{"name":"laptop","scopes":["*"]}`, status: http.StatusBadRequest, field: "scopes"},
		{name: "owner is not a field", who: "admin", body: `{"name":"laptop","owner":"{bob}"}`, status: http.StatusBadRequest, field: "owner"},
		{name: "token may not be chosen", who: "alice", body: `{"name":"laptop","token":"eyJ"}`, status: http.StatusBadRequest, field: "token"},
		{name: "unknown field", who: "alice", body: `{"name":"laptop","lifetime":60}`, status: http.StatusBadRequest, field: "lifetime"},
		{name: "name blank", who: "alice", body: `{"name":" "}`, status: http.StatusBadRequest, field: "name"},
		{name: "name with a control character", who: "alice", body: `{"name":"a\u0007b"}`, status: http.StatusBadRequest, field: "name"},
		{name: "deleted caller", who: "ghost", body: `{"name":"laptop"}`, status: http.StatusForbidden},
	})
}

// jwtCreated checks a 201 of POST /v1/tokens/jwt: the answer, the token's
// claims, with the case's scope and expiry, and its session.
func jwtCreated(t *testing.T, f *fixture, c createCase, r response) {
	t.Helper()
	tokenID := r.created(t, createdJWTFields, "tokenId", string(credential.KindJWT), "/v1/tokens/jwt/")
	owner := f.ownerID(c)
	if r.str(t, "owner") != owner || r.str(t, "status") != "active" || r.str(t, "createdAt") != rfc3339(t0) ||
		r.str(t, "expiresAt") != rfc3339(c.exp) {
		t.Errorf("body %s", r.Body)
	}
	claims := f.claimsOf(t, r.str(t, "token"))
	if claims.Subject != owner || claims.SessionID != tokenID || claims.ID == "" || claims.ClientID != "" || claims.Confirmation != nil ||
		claims.IssuedAt != t0.Unix() || claims.ExpiresAt != c.exp.Unix() || claims.Scope != c.scope {
		t.Errorf("claims %+v, want sub %s sid %s scope %q exp %d", claims, owner, tokenID, c.scope, c.exp.Unix())
	}
	if !f.session(t, tokenID).Accepts(time.Unix(claims.IssuedAt, 0), t0) {
		t.Error("the new JWT's session does not accept it")
	}
}

// TestCreateJWTExpiringWithinTheSecond: an expiry a fraction of a second
// ahead is in the future but leaves the JWT no whole second (exp = iat);
// the caller must get a 4xx naming expiresAt (or a token), never a 500.
func TestCreateJWTExpiringWithinTheSecond(t *testing.T) {
	f := newFixture(t)
	r := f.send(t, "alice", request{method: "POST", resource: "/v1/tokens/jwt", body: `{"name":"laptop","expiresAt":"2026-11-23T19:30:00.5Z"}`})
	if r.StatusCode >= 500 {
		t.Fatal("POST /v1/tokens/jwt with expiresAt half a second ahead answers " + strconv.Itoa(r.StatusCode) +
			" (accesstoken.Issue refuses exp == iat and the error becomes an internal error); want 400 naming expiresAt")
	}
	if r.StatusCode != http.StatusCreated {
		r.want(t, http.StatusBadRequest, "expiresAt")
	}
}

func TestListJWTs(t *testing.T) {
	f := newFixture(t)
	create := func(who, name, body string) string {
		t.Helper()
		r := f.create(t, who, "/v1/tokens/jwt", body)
		f.clock.Advance(time.Minute)
		return r.str(t, "tokenId")
	}
	old := create("alice", "old", `{"name":"old","expiresAt":"`+rfc3339(t0.Add(time.Hour))+`"}`)
	revoked := create("alice", "revoked", `{"name":"revoked","scopes":["echo:read"]}`)
	newest := create("alice", "newest", `{"name":"newest"}`)
	create("bob", "bob's", `{"name":"bob's"}`)
	f.send(t, "alice", jwtReq("DELETE", revoked)).want(t, http.StatusNoContent, "")
	f.clock.Advance(time.Hour) // the first has expired

	r := f.send(t, "alice", request{method: "GET", resource: "/v1/tokens/jwt"})
	r.want(t, http.StatusOK, "")
	items, next := r.items(t, jwtFields)
	if next != nil || len(items) != 3 {
		t.Fatalf("items %d next %v: %s", len(items), next, r.Body)
	}
	wantIDs, wantStatus := []string{newest, revoked, old}, []string{"active", "revoked", "expired"}
	for i, it := range items {
		var tid, status string
		_ = json.Unmarshal(it["tokenId"], &tid)
		_ = json.Unmarshal(it["status"], &status)
		if tid != wantIDs[i] || status != wantStatus[i] {
			t.Errorf("item %d = %s %s, want %s %s (newest first)", i, tid, status, wantIDs[i], wantStatus[i])
		}
	}

	if _, sizes, _ := f.pages(t, "alice", "/v1/tokens/jwt", 2, jwtFields, "tokenId"); !slices.Equal(sizes, []int{2, 1}) {
		t.Errorf("page sizes %v, want [2 1]", sizes)
	}
	byAdmin := f.send(t, "admin", request{method: "GET", resource: "/v1/tokens/jwt", query: map[string]string{"owner": "{alice}"}})
	byAdmin.want(t, http.StatusOK, "")
	if items, _ := byAdmin.items(t, jwtFields); len(items) != 3 {
		t.Errorf("admin sees %d of alice's JWTs", len(items))
	}
	bobs := f.send(t, "bob", request{method: "GET", resource: "/v1/tokens/jwt"})
	if items, _ := bobs.items(t, jwtFields); len(items) != 1 {
		t.Errorf("bob sees %d JWTs", len(items))
	}
	f.send(t, "alice", request{method: "GET", resource: "/v1/tokens/jwt", query: map[string]string{"owner": "{bob}"}}).want(t, http.StatusForbidden, "")
	f.send(t, "alice", request{method: "GET", resource: "/v1/tokens/jwt", query: map[string]string{"limit": "0"}}).want(t, http.StatusBadRequest, "limit")
	f.send(t, "alice:echo", request{method: "GET", resource: "/v1/tokens/jwt"}).want(t, http.StatusForbidden, "")
}

// revokes walks the DELETE route of one credential kind, its requests made
// by route: alices and bobs are alice's and bob's credentials of that kind,
// other alice's credential of another kind, which the route neither finds
// nor revokes. The steps more follow the common ones.
func (f *fixture) revokes(t *testing.T, route func(method, sid string) request, kind credential.Kind, alices, bobs, other string, more ...step) {
	t.Helper()
	del := func(sid string) request { return route(http.MethodDelete, sid) }
	f.walk(t, append([]step{
		{"someone else's", "bob", del(alices), http.StatusNotFound},
		{"another kind's id", "alice", del(other), http.StatusNotFound},
		{"without credentials:write", "alice:echo", del(alices), http.StatusForbidden},
		{"own", "alice", del(alices), http.StatusNoContent},
		{"again", "alice", del(alices), http.StatusNotFound},
		{"admin revokes another's", "admin", del(bobs), http.StatusNoContent},
		{"unknown", "alice", del(id.New(string(kind))), http.StatusNotFound},
	}, more...))
	if s := f.session(t, other); s.Status != credential.Active {
		t.Errorf("%s was revoked through %s", other, del(alices).resource)
	}
}

func TestRevokeJWT(t *testing.T) {
	f := newFixture(t)
	mk := func(who string) (string, accesstoken.Claims) {
		r := f.create(t, who, "/v1/tokens/jwt", `{"name":"laptop"}`)
		return r.str(t, "tokenId"), f.claimsOf(t, r.str(t, "token"))
	}
	alices, claims := mk("alice")
	bobs, _ := mk("bob")
	fam := f.create(t, "alice", "/v1/tokens/refresh", `{"name":"cli"}`)

	f.revokes(t, jwtReq, credential.KindJWT, alices, bobs, fam.str(t, "tokenId"),
		step{"again by an admin", "admin", jwtReq("DELETE", alices), http.StatusNotFound},
		step{"the owner then", "bob", jwtReq("DELETE", bobs), http.StatusNotFound})
	if s := f.session(t, alices); s.Status != credential.Revoked || s.Accepts(time.Unix(claims.IssuedAt, 0), f.clock.Now()) {
		t.Errorf("revoked JWT's session %+v still accepts it", s)
	}
	// The revoked JWT is listed as such.
	r := f.send(t, "alice", request{method: "GET", resource: "/v1/tokens/jwt"})
	if items, _ := r.items(t, jwtFields); len(items) != 1 || string(items[0]["status"]) != `"revoked"` {
		t.Errorf("list after revocation: %s", r.Body)
	}
}

func TestCreateRefresh(t *testing.T) {
	ninety := t0.Add(90 * 24 * time.Hour)
	refreshRoute.run(t, []createCase{
		{name: "defaults", who: "alice", body: `{"name":"cli"}`, status: http.StatusCreated, ttl: 10800,
			check: func(t *testing.T, f *fixture, r response) {
				if !r.isNull("scopes") || r.str(t, "expiresAt") != rfc3339(ninety) {
					t.Errorf("body %s", r.Body)
				}
				fam, err := f.store.Store.GetFamily(context.Background(), project, r.str(t, "tokenId"))
				if err != nil || fam.Scopes != nil || fam.AccessTokenTTL != refresh.DefaultAccessTokenTTL || fam.ExpiresAt == nil ||
					!fam.ExpiresAt.Equal(ninety) || fam.Status != credential.Active || fam.Name != "cli" {
					t.Errorf("stored family %+v, %v", fam, err)
				}
				tok, err := f.store.Store.GetRefreshToken(context.Background(), project, secret.Sum(r.str(t, "refreshToken")))
				if err != nil || tok.FamilyID != fam.ID || tok.Spent || tok.Generation != 0 || !tok.ExpiresAt.Equal(ninety) {
					t.Errorf("stored token %+v, %v", tok, err)
				}
			}},
		{name: "scopes", who: "alice", body: `{"name":"cli","scopes":["echo:read","credentials:read"]}`, status: http.StatusCreated, ttl: 10800,
			check: func(t *testing.T, f *fixture, r response) {
				if got := r.strs(t, "scopes"); !slices.Equal(got, []string{"credentials:read", "echo:read"}) {
					t.Errorf("scopes %v", got)
				}
			}},
		{name: "shortest access-token TTL", who: "alice", body: `{"name":"cli","accessTokenTTL":60}`, status: http.StatusCreated, ttl: 60,
			check: func(t *testing.T, f *fixture, r response) {
				if fam, _ := f.store.Store.GetFamily(context.Background(), project, r.str(t, "tokenId")); fam.AccessTokenTTL != time.Minute {
					t.Errorf("stored TTL %v", fam.AccessTokenTTL)
				}
			}},
		{name: "longest access-token TTL", who: "alice", body: `{"name":"cli","accessTokenTTL":86400}`, status: http.StatusCreated, ttl: 86400},
		{name: "access-token TTL null", who: "alice", body: `{"name":"cli","accessTokenTTL":null}`, status: http.StatusCreated, ttl: 10800},
		{name: "expiresAt given", who: "alice", body: `{"name":"cli","expiresAt":"2027-01-01T00:00:00Z"}`, status: http.StatusCreated, ttl: 10800,
			check: func(t *testing.T, f *fixture, r response) {
				if r.str(t, "expiresAt") != "2027-01-01T00:00:00Z" {
					t.Errorf("expiresAt %s", r.fields["expiresAt"])
				}
			}},
		{name: "owner another user, by admin", who: "admin", body: `{"name":"cli","owner":"{bob}","scopes":["echo:read"]}`,
			status: http.StatusCreated, ttl: 10800, owner: "bob"},
		{name: "owner itself, not admin", who: "alice", body: `{"name":"cli","owner":"{alice}"}`, status: http.StatusCreated, ttl: 10800},
		{name: "within a restricted credential", who: "alice:narrow", body: `{"name":"cli","scopes":["echo:read"]}`, status: http.StatusCreated, ttl: 10800},

		{name: "access-token TTL below the minimum", who: "alice", body: `{"name":"cli","accessTokenTTL":59}`, status: http.StatusBadRequest, field: "accessTokenTTL"},
		{name: "access-token TTL above the maximum", who: "alice", body: `{"name":"cli","accessTokenTTL":86401}`, status: http.StatusBadRequest, field: "accessTokenTTL"},
		{name: "access-token TTL zero", who: "alice", body: `{"name":"cli","accessTokenTTL":0}`, status: http.StatusBadRequest, field: "accessTokenTTL"},
		{name: "access-token TTL negative", who: "alice", body: `{"name":"cli","accessTokenTTL":-3600}`, status: http.StatusBadRequest, field: "accessTokenTTL"},
		{name: "access-token TTL a fraction", who: "alice", body: `{"name":"cli","accessTokenTTL":600.5}`, status: http.StatusBadRequest, field: "accessTokenTTL"},
		{name: "access-token TTL a string", who: "alice", body: `{"name":"cli","accessTokenTTL":"600"}`, status: http.StatusBadRequest, field: "accessTokenTTL"},
		{name: "access-token TTL huge", who: "alice", body: `{"name":"cli","accessTokenTTL":1e30}`, status: http.StatusBadRequest, field: "accessTokenTTL"},
		{name: "expiresAt null", who: "alice", body: `{"name":"cli","expiresAt":null}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "refreshToken may not be chosen", who: "alice", body: `{"name":"cli","refreshToken":"tgr_x"}`, status: http.StatusBadRequest, field: "refreshToken"},
		{name: "name missing", who: "alice", body: `{"accessTokenTTL":600}`, status: http.StatusBadRequest, field: "name"},
	})
}

// refreshCreated checks a 201 of POST /v1/tokens/refresh: the answer, with
// the case's accessTokenTTL and owner, and the stored session.
func refreshCreated(t *testing.T, f *fixture, c createCase, r response) {
	t.Helper()
	tokenID := r.created(t, createdRefreshFields, "tokenId", string(credential.KindRefresh), "/v1/tokens/refresh/")
	owner := f.ownerID(c)
	var ttl int64
	_ = json.Unmarshal(r.fields["accessTokenTTL"], &ttl)
	if ttl != c.ttl || r.str(t, "owner") != owner || r.str(t, "status") != "active" || r.str(t, "createdAt") != rfc3339(t0) {
		t.Errorf("body %s, want accessTokenTTL %d owner %s", r.Body, c.ttl, owner)
	}
	if s := f.session(t, tokenID); s.Owner != owner || s.Kind != credential.KindRefresh {
		t.Errorf("stored %+v", s)
	}
}

// TestCreateRefreshTTLOverflow: an accessTokenTTL whose product with
// time.Second overflows int64 into the allowed range is refused.
func TestCreateRefreshTTLOverflow(t *testing.T) {
	r := newFixture(t).send(t, "alice", request{method: http.MethodPost, resource: "/v1/tokens/refresh",
		body: `{"name":"cli","accessTokenTTL":36028797018967568}`})
	if r.StatusCode == http.StatusCreated {
		t.Fatal("accessTokenTTL 36028797018967568 (= 2^55 + 3600) is accepted as " + string(r.fields["accessTokenTTL"]) +
			": management.createRefresh multiplies by time.Second before the 60..86400 check, and the int64 overflow wraps into the range")
	}
	r.want(t, http.StatusBadRequest, "accessTokenTTL")
}

func TestListAndRevokeRefresh(t *testing.T) {
	f := newFixture(t)
	first := f.create(t, "alice", "/v1/tokens/refresh", `{"name":"one","accessTokenTTL":600}`)
	f.clock.Advance(time.Second)
	second := f.create(t, "alice", "/v1/tokens/refresh", `{"name":"two","scopes":["echo:read"]}`)
	forBob := f.create(t, "admin", "/v1/tokens/refresh", `{"name":"bob's","owner":"{bob}"}`)
	jwt := f.create(t, "alice", "/v1/tokens/jwt", `{"name":"laptop"}`)

	list := f.send(t, "alice", request{method: "GET", resource: "/v1/tokens/refresh"})
	list.want(t, http.StatusOK, "")
	var got struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(list.Body), &got); err != nil || len(got.Items) != 2 {
		t.Fatalf("list %s: %v", list.Body, err)
	}
	if string(got.Items[0]["tokenId"]) != strconv.Quote(second.str(t, "tokenId")) || string(got.Items[1]["tokenId"]) != strconv.Quote(first.str(t, "tokenId")) {
		t.Errorf("list order %s", list.Body)
	}
	for _, it := range got.Items {
		if _, ok := it["refreshToken"]; ok {
			t.Errorf("a list item holds a refresh token: %s", list.Body)
		}
	}
	t.Run("items carry accessTokenTTL like the creation answer", func(t *testing.T) {
		fields := slices.Sorted(maps.Keys(got.Items[1]))
		if !slices.Contains(fields, "accessTokenTTL") {
			t.Fatal("GET /v1/tokens/refresh items lack accessTokenTTL (fields " + strings.Join(fields, ",") +
				"); POST answered it and a client cannot learn it anywhere else (showSession never sets it; ListSessions returns no TTL)")
		}
		if !slices.Equal(fields, refreshFields) || string(got.Items[1]["accessTokenTTL"]) != "600" {
			t.Errorf("item %v", got.Items[1])
		}
	})

	famID := first.str(t, "tokenId")
	f.revokes(t, refreshReq, credential.KindRefresh, famID, forBob.str(t, "tokenId"), jwt.str(t, "tokenId"))
	fam, err := f.store.Store.GetFamily(context.Background(), project, famID)
	if err != nil || fam.Status != credential.Revoked {
		t.Errorf("family after DELETE %+v, %v", fam, err)
	}
	if s := f.session(t, second.str(t, "tokenId")); s.Status != credential.Active {
		t.Error("another family was revoked")
	}
}

func TestCreateClient(t *testing.T) {
	clientRoute.run(t, []createCase{
		{name: "with scopes", who: "alice", body: `{"name":"svc","scopes":["echo:read","echo:read"]}`, status: http.StatusCreated, scopes: `["echo:read"]`},
		{name: "inheriting", who: "alice", body: `{"name":"svc"}`, status: http.StatusCreated, scopes: `null`},
		{name: "empty scopes", who: "alice", body: `{"name":"svc","scopes":[]}`, status: http.StatusCreated, scopes: `[]`},
		{name: "within a restricted credential", who: "alice:narrow", body: `{"name":"svc","scopes":["echo:read"]}`, status: http.StatusCreated, scopes: `["echo:read"]`},
		{name: "by an admin", who: "admin", body: `{"name":"svc","scopes":["users:admin"]}`, status: http.StatusCreated, scopes: `["users:admin"]`},

		{name: "expiresAt is not a field", who: "alice", body: `{"name":"svc","expiresAt":null}`, status: http.StatusBadRequest, field: "expiresAt"},
		{name: "owner is not a field", who: "admin", body: `{"name":"svc","owner":"{bob}"}`, status: http.StatusBadRequest, field: "owner"},
		{name: "clientSecret may not be chosen", who: "alice", body: `{"name":"svc","clientSecret":"tgc_x"}`, status: http.StatusBadRequest, field: "clientSecret"},
		{name: "malformed body", who: "alice", body: `{"name":`, status: http.StatusBadRequest, field: "body"},
	})
}

// clientCreated checks a 201 of POST /v1/clients: the answer, with the
// case's scopes member, and the stored client.
func clientCreated(t *testing.T, f *fixture, c createCase, r response) {
	t.Helper()
	clientID := r.created(t, createdClientFields, "clientId", string(credential.KindClient), "/v1/clients/")
	sec := r.str(t, "clientSecret")
	owner := f.ownerID(c)
	if r.str(t, "owner") != owner || r.str(t, "status") != "active" || r.str(t, "createdAt") != rfc3339(t0) ||
		string(r.fields["scopes"]) != c.scopes || r.str(t, "secretHint") != "tgc_…"+sec[len(sec)-4:] {
		t.Errorf("body %s", r.Body)
	}
	stored := f.storedClient(t, clientID)
	if stored.SecretHash != secret.Sum(sec) || stored.Owner != owner || stored.Kind != credential.KindClient || stored.ExpiresAt != nil ||
		stored.Status != credential.Active || !stored.Verify(sec, t0) || (c.scopes == "null") != (stored.Scopes == nil) {
		t.Errorf("stored %+v", stored)
	}
}

func TestGetAndListClients(t *testing.T) {
	f := newFixture(t)
	created := f.create(t, "alice", "/v1/clients", `{"name":"svc","scopes":["echo:read"]}`)
	clientID := created.str(t, "clientId")
	f.clock.Advance(time.Second)
	second := f.create(t, "alice", "/v1/clients", `{"name":"svc2"}`)
	bobs, _ := f.seedClient(t, "bob", nil)
	jwt := f.create(t, "alice", "/v1/tokens/jwt", `{"name":"laptop"}`)

	get := f.send(t, "alice", clientReq("GET", clientID))
	get.want(t, http.StatusOK, "")
	get.hasFields(t, clientFields)
	want := created
	for _, k := range []string{"clientId", "name", "owner", "scopes", "secretHint", "status", "createdAt"} {
		if string(get.fields[k]) != string(want.fields[k]) {
			t.Errorf("GET %s = %s, POST answered %s", k, get.fields[k], want.fields[k])
		}
	}
	if get.Headers["Location"] != "" {
		t.Errorf("GET with Location %q", get.Headers["Location"])
	}
	f.walk(t, []step{
		{"GET someone else's", "bob", clientReq("GET", clientID), http.StatusNotFound},
		{"GET by an admin", "admin", clientReq("GET", clientID), http.StatusOK},
		{"GET admin, bob's", "admin", clientReq("GET", bobs.ID), http.StatusOK},
		{"GET a JWT id", "alice", clientReq("GET", jwt.str(t, "tokenId")), http.StatusNotFound},
		{"GET unknown", "alice", clientReq("GET", id.New(string(credential.KindClient))), http.StatusNotFound},
		{"GET without credentials:read", "alice:echo", clientReq("GET", clientID), http.StatusForbidden},
	})

	list := f.send(t, "alice", request{method: "GET", resource: "/v1/clients"})
	list.want(t, http.StatusOK, "")
	var got struct {
		Items      []map[string]json.RawMessage `json:"items"`
		NextCursor *string                      `json:"nextCursor"`
	}
	if err := json.Unmarshal([]byte(list.Body), &got); err != nil || len(got.Items) != 2 || got.NextCursor != nil {
		t.Fatalf("list %s: %v", list.Body, err)
	}
	if string(got.Items[0]["clientId"]) != strconv.Quote(second.str(t, "clientId")) {
		t.Errorf("list not newest first: %s", list.Body)
	}
	t.Run("items carry the fields of GET", func(t *testing.T) {
		fields := slices.Sorted(maps.Keys(got.Items[1]))
		if !slices.Equal(fields, clientFields) && slices.Equal(fields, slices.DeleteFunc(slices.Clone(clientFields), func(s string) bool { return s == "secretHint" })) {
			t.Fatal("GET /v1/clients items lack secretHint, which GET /v1/clients/{clientId} shows " +
				"(listSessions renders bare sessions), so a list cannot tell which secret a client holds")
		}
		if !slices.Equal(fields, clientFields) {
			t.Errorf("item fields %v, want %v", fields, clientFields)
		}
	})
	byAdmin := f.send(t, "admin", request{method: "GET", resource: "/v1/clients", query: map[string]string{"owner": "{bob}"}})
	byAdmin.want(t, http.StatusOK, "")
	if err := json.Unmarshal([]byte(byAdmin.Body), &got); err != nil || len(got.Items) != 1 {
		t.Errorf("admin's list of bob's clients %s", byAdmin.Body)
	}
	f.send(t, "bob", request{method: "GET", resource: "/v1/clients", query: map[string]string{"owner": "{alice}"}}).want(t, http.StatusForbidden, "")
}

func TestRotateClientSecret(t *testing.T) {
	f := newFixture(t)
	created := f.create(t, "alice", "/v1/clients", `{"name":"svc","scopes":["echo:read"]}`)
	clientID, first := created.str(t, "clientId"), created.str(t, "clientSecret")

	f.clock.Advance(time.Hour)
	now := f.clock.Now()
	r := f.send(t, "alice", secretReq(clientID))
	r.want(t, http.StatusOK, "")
	r.hasFields(t, rotatedClientFields)
	second := r.str(t, "clientSecret")
	if second == first || r.str(t, "clientId") != clientID || r.str(t, "secretHint") != "tgc_…"+second[len(second)-4:] ||
		r.str(t, "previousSecretExpiresAt") != rfc3339(now.Add(24*time.Hour)) || r.str(t, "createdAt") != rfc3339(t0) ||
		r.str(t, "status") != "active" {
		t.Errorf("rotation answered %s", r.Body)
	}
	if r.Headers["Location"] != "" {
		t.Errorf("rotation answered Location %q: the client stays the same resource", r.Headers["Location"])
	}
	c := f.storedClient(t, clientID)
	for _, v := range []struct {
		name string
		sec  string
		at   time.Time
		ok   bool
	}{
		{"new secret now", second, now, true},
		{"new secret in a year", second, now.Add(365 * 24 * time.Hour), true},
		{"old secret now", first, now, true},
		{"old secret a second before the grace ends", first, now.Add(24*time.Hour - time.Second), true},
		{"old secret when the grace ends", first, now.Add(24 * time.Hour), false},
	} {
		if c.Verify(v.sec, v.at) != v.ok {
			t.Errorf("%s: Verify = %v, want %v", v.name, !v.ok, v.ok)
		}
	}
	get := f.send(t, "alice", clientReq("GET", clientID))
	if get.str(t, "secretHint") != r.str(t, "secretHint") {
		t.Errorf("GET secretHint %q after rotation, want %q", get.str(t, "secretHint"), r.str(t, "secretHint"))
	}

	// A second rotation: only the latest replaced secret keeps its grace.
	f.clock.Advance(time.Minute)
	again := f.send(t, "admin", secretReq(clientID))
	again.want(t, http.StatusOK, "")
	third := again.str(t, "clientSecret")
	c = f.storedClient(t, clientID)
	if c.Verify(first, f.clock.Now()) || !c.Verify(second, f.clock.Now()) || !c.Verify(third, f.clock.Now()) {
		t.Errorf("after two rotations: first %v second %v third %v, want false true true",
			c.Verify(first, f.clock.Now()), c.Verify(second, f.clock.Now()), c.Verify(third, f.clock.Now()))
	}

	carols, _ := f.seedClient(t, "carol", scope.Set{"echo:read"})
	revoked, _ := f.seedClient(t, "alice", nil)
	if err := f.store.RevokeSession(context.Background(), project, revoked.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	jwt := f.create(t, "alice", "/v1/tokens/jwt", `{"name":"laptop"}`)
	f.walk(t, []step{
		{"someone else's", "bob", secretReq(clientID), http.StatusNotFound},
		{"revoked", "alice", secretReq(revoked.ID), http.StatusConflict},
		{"no issuing role", "carol", secretReq(carols.ID), http.StatusForbidden},
		{"without credentials:write", "alice:echo", secretReq(clientID), http.StatusForbidden},
		{"unknown", "alice", secretReq(id.New(string(credential.KindClient))), http.StatusNotFound},
		{"a JWT id", "alice", secretReq(jwt.str(t, "tokenId")), http.StatusNotFound},
		{"malformed", "alice", secretReq("cli_"), http.StatusNotFound},
	})
}

// TestRotateClientSecretNeedsCoveringCredential: the rotation hands the
// caller a secret carrying the client's scopes, so (as for API keys) the
// calling credential must hold them; otherwise a restricted credential
// that may not create such a client could take over an existing one.
func TestRotateClientSecretNeedsCoveringCredential(t *testing.T) {
	for _, tt := range []struct {
		name   string
		scopes scope.Set
	}{
		{"wider client", scope.Set{"echo:write"}},
		{"inheriting client", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c, _ := f.seedClient(t, "alice", tt.scopes)
			f.send(t, "alice:narrow", request{method: "POST", resource: "/v1/clients", body: `{"name":"svc","scopes":["echo:write"]}`}).
				want(t, http.StatusBadRequest, "scopes")
			r := f.send(t, "alice:narrow", secretReq(c.ID))
			if r.StatusCode == http.StatusOK {
				t.Fatal("a credential restricted to credentials:read credentials:write echo:read rotates the secret of a client granting " +
					"more (" + tt.name + ") and receives it (200 clientSecret): rotateClientSecret lacks the covering check rotateKey has (403)")
			}
			r.want(t, http.StatusForbidden, "")
		})
	}
}

func TestDeleteClient(t *testing.T) {
	f := newFixture(t)
	created := f.create(t, "alice", "/v1/clients", `{"name":"svc","scopes":["echo:read"]}`)
	clientID, sec := created.str(t, "clientId"), created.str(t, "clientSecret")
	bobs, _ := f.seedClient(t, "bob", nil)
	jwt := f.create(t, "alice", "/v1/tokens/jwt", `{"name":"laptop"}`)

	f.revokes(t, clientReq, credential.KindClient, clientID, bobs.ID, jwt.str(t, "tokenId"),
		step{"rotate after delete", "alice", secretReq(clientID), http.StatusConflict})
	c := f.storedClient(t, clientID)
	if c.Status != credential.Revoked || c.Accepts(t0, f.clock.Now()) {
		t.Errorf("client after DELETE %+v", c.Session)
	}
	if !c.Verify(sec, f.clock.Now()) {
		t.Error("DELETE changed the secret instead of revoking the client")
	}
	get := f.send(t, "alice", clientReq("GET", clientID))
	get.want(t, http.StatusOK, "")
	if get.str(t, "status") != "revoked" {
		t.Errorf("GET after DELETE: %s", get.Body)
	}
}

// TestSessionIDInPath: an id that cannot be one of the route's kind is
// answered 404 before any session is read, on every route that takes one.
func TestSessionIDInPath(t *testing.T) {
	routes := []struct {
		name string
		req  func(string) request
		kind credential.Kind
	}{
		{"DELETE jwt", func(s string) request { return jwtReq("DELETE", s) }, credential.KindJWT},
		{"DELETE refresh", func(s string) request { return refreshReq("DELETE", s) }, credential.KindRefresh},
		{"GET client", func(s string) request { return clientReq("GET", s) }, credential.KindClient},
		{"DELETE client", func(s string) request { return clientReq("DELETE", s) }, credential.KindClient},
		{"POST client secret", secretReq, credential.KindClient},
		{"PATCH client", func(s string) request { return withBody(clientReq("PATCH", s), `{"rateLimit":null}`) }, credential.KindClient},
	}
	for _, rt := range routes {
		other := credential.KindJWT
		if rt.kind == credential.KindJWT {
			other = credential.KindClient
		}
		malformed := []string{"", string(rt.kind), string(rt.kind) + "_", string(rt.kind) + "_0123456789ABCDEF",
			string(rt.kind) + "_0123456789ABCDEFGH", strings.ToUpper(string(rt.kind)) + "_0123456789ABCDEFG",
			string(rt.kind) + "_0123456789ABCDEF!", string(rt.kind) + "-0123456789ABCDEFG", "{alice}", "../{alice}",
			id.New(string(other)), id.New(user.IDPrefix), strings.Repeat("x", 2048)}
		refusesIDs(t, rt.name, malformed, rt.req)
	}
}

// TestTokenSecretsAppearOnlyAtCreation walks every token and client route
// after secrets were handed out; send() fails if a later body holds one.
func TestTokenSecretsAppearOnlyAtCreation(t *testing.T) {
	f := newFixture(t)
	jwt := f.create(t, "alice", "/v1/tokens/jwt", `{"name":"laptop"}`)
	rt := f.create(t, "alice", "/v1/tokens/refresh", `{"name":"cli"}`)
	cl := f.create(t, "alice", "/v1/clients", `{"name":"svc"}`)
	clientID := cl.str(t, "clientId")
	f.send(t, "alice", secretReq(clientID)).want(t, http.StatusOK, "")
	f.create(t, "admin", "/v1/tokens/refresh", `{"name":"bob's","owner":"{bob}"}`)

	for _, s := range []struct {
		who string
		req request
	}{
		{"alice", request{method: "GET", resource: "/v1/tokens/jwt"}},
		{"alice", request{method: "GET", resource: "/v1/tokens/refresh"}},
		{"alice", request{method: "GET", resource: "/v1/clients"}},
		{"alice", clientReq("GET", clientID)},
		{"admin", clientReq("GET", clientID)},
		{"admin", request{method: "GET", resource: "/v1/tokens/refresh", query: map[string]string{"owner": "{bob}"}}},
		{"admin", request{method: "GET", resource: "/v1/tokens/jwt", query: map[string]string{"owner": "{alice}"}}},
		{"alice", request{method: "GET", resource: "/v1/whoami"}},
		{"bob", clientReq("GET", clientID)},
		{"alice", jwtReq("DELETE", jwt.str(t, "tokenId"))},
		{"alice", refreshReq("DELETE", rt.str(t, "tokenId"))},
		{"alice", clientReq("DELETE", clientID)},
		{"alice", secretReq(clientID)},
		{"alice", clientReq("GET", clientID)},
	} {
		f.send(t, s.who, s.req)
	}
}

// TestTokenRoutesNeedRoleAndScope: creating needs the issuing role and
// credentials:write; reading needs credentials:read; a 403 writes nothing.
func TestTokenRoutesNeedRoleAndScope(t *testing.T) {
	creates := []request{
		{method: "POST", resource: "/v1/tokens/jwt", body: `{"name":"x","scopes":["echo:read"]}`},
		{method: "POST", resource: "/v1/tokens/refresh", body: `{"name":"x","scopes":["echo:read"]}`},
		{method: "POST", resource: "/v1/clients", body: `{"name":"x","scopes":["echo:read"]}`},
	}
	reads := []request{
		{method: "GET", resource: "/v1/tokens/jwt"},
		{method: "GET", resource: "/v1/tokens/refresh"},
		{method: "GET", resource: "/v1/clients"},
	}
	var steps []step
	for _, r := range creates {
		steps = append(steps, stepOf("carol", r, http.StatusForbidden), stepOf("alice:echo", r, http.StatusForbidden),
			stepOf("ghost", r, http.StatusForbidden), stepOf("nobody", r, http.StatusUnauthorized),
			stepOf("other-project", r, http.StatusUnauthorized))
	}
	for _, r := range reads { // reading needs no role, only credentials:read
		steps = append(steps, stepOf("carol", r, http.StatusOK), stepOf("alice:echo", r, http.StatusForbidden))
	}
	each(t, steps)
}
