package management_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/sas"
)

// Field set of the answer to PATCH /v1/sas: no keys.
var sasPatchFields = []string{"enabled", "identifier"}

type sasSeed int

const (
	noSAS sasSeed = iota
	enabledSAS
	disabledSAS
)

// sasCase is one request on a SAS route, in a fresh fixture where dave,
// erin and frank hold the SAS credential seed says (with the fixed keys).
type sasCase struct {
	name   string
	who    string
	seed   sasSeed
	req    request
	status int
	field  string // the field a 400 names
	detail string // a substring of the problem detail, when set
	check  func(t *testing.T, f *fixture, r response, seeded sas.Credential)
}

func runSAS(t *testing.T, cases []sasCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sasCertUsers)
			owner := f.callers[tt.who].principal
			var seeded sas.Credential
			if tt.seed != noSAS {
				name := ""
				for n, u := range f.users {
					if u.ID == owner {
						name = n
					}
				}
				if name == "" {
					t.Fatalf("caller %s owns no fixture user", tt.who)
				}
				seeded = f.seedSAS(t, name, tt.seed == enabledSAS)
			}
			r := f.send(t, tt.who, tt.req)
			r.want(t, tt.status, tt.field)
			r.detailHas(t, tt.detail)
			if r.StatusCode >= 400 && tt.seed == noSAS && owner != "" {
				if _, _, ok := f.storedSAS(t, owner); ok {
					t.Errorf("answered %d but created a SAS credential", r.StatusCode)
				}
			}
			if tt.check != nil {
				tt.check(t, f, r, seeded)
			}
		})
	}
}

func sasGet() request { return request{method: http.MethodGet, resource: "/v1/sas"} }

func sasRegenerate(body string) request {
	return request{method: http.MethodPost, resource: "/v1/sas/regenerate", body: body}
}

func sasPatch(body string) request {
	return request{method: http.MethodPatch, resource: "/v1/sas", body: body}
}

func sasToken(body string) request {
	return request{method: http.MethodPost, resource: "/v1/sas/token", body: body}
}

func TestGetSAS(t *testing.T) {
	runSAS(t, []sasCase{
		{name: "first GET creates, second returns the same", who: "dave", req: sasGet(), status: http.StatusOK,
			check: func(t *testing.T, f *fixture, r response, _ sas.Credential) {
				if string(r.fields["enabled"]) != "true" {
					t.Errorf("a new SAS credential is not enabled: %s", r.Body)
				}
				sealed, cred, ok := f.storedSAS(t, f.users["dave"].ID)
				if !ok {
					t.Fatal("GET answered 200 but stored nothing")
				}
				if sealed.Owner != f.users["dave"].ID || sealed.ProjectID != project || !sealed.CreatedAt.Equal(t0) ||
					!sealed.Enabled || sealed.Identifier != cred.Identifier {
					t.Errorf("stored %s", redacted(cred))
				}
				again := f.send(t, "dave", sasGet())
				again.want(t, http.StatusOK, "")
				if again.Body != r.Body {
					t.Errorf("second GET = %s, first %s", again.Body, r.Body)
				}
				if sealed2, _, _ := f.storedSAS(t, f.users["dave"].ID); !bytes.Equal(sealed2.Keys, sealed.Keys) {
					t.Error("the second GET resealed the keys")
				}
			}},
		{name: "returns the stored credential", who: "dave", seed: enabledSAS, req: sasGet(), status: http.StatusOK,
			check: func(t *testing.T, f *fixture, r response, seeded sas.Credential) {
				if r.str(t, "identifier") != seeded.Identifier || r.str(t, "primaryKey") != seedPrimary ||
					r.str(t, "secondaryKey") != seedSecondary || string(r.fields["enabled"]) != "true" {
					t.Errorf("GET answered another credential than the stored one")
				}
			}},
		{name: "disabled credential shows enabled false", who: "dave", seed: disabledSAS, req: sasGet(), status: http.StatusOK,
			check: func(t *testing.T, f *fixture, r response, _ sas.Credential) {
				if string(r.fields["enabled"]) != "false" {
					t.Errorf("enabled = %s, want false", r.fields["enabled"])
				}
			}},
		{name: "admin, own credential", who: "admin", req: sasGet(), status: http.StatusOK},
		{name: "users have different credentials", who: "dave", req: sasGet(), status: http.StatusOK,
			check: func(t *testing.T, f *fixture, r response, _ sas.Credential) {
				other := f.send(t, "admin", sasGet())
				other.want(t, http.StatusOK, "")
				for _, k := range []string{"identifier", "primaryKey", "secondaryKey"} {
					if other.str(t, k) == r.str(t, k) {
						t.Errorf("two users share %s", k)
					}
				}
			}},
		{name: "no issuer role, first GET", who: "erin", req: sasGet(), status: http.StatusForbidden, detail: "role"},
		{name: "restricted credential, first GET", who: "dave:narrow", req: sasGet(), status: http.StatusForbidden, detail: "fewer scopes"},
		{name: "restricted credential, existing credential", who: "dave:narrow", seed: enabledSAS, req: sasGet(),
			status: http.StatusForbidden, detail: "fewer scopes"},
		{name: "admin with a credential short of *", who: "admin:narrow", req: sasGet(), status: http.StatusForbidden},
		{name: "no authorizer context", who: "nobody", req: sasGet(), status: http.StatusUnauthorized},
		{name: "deleted user", who: "ghost", req: sasGet(), status: http.StatusForbidden},
	})
}

func TestRegenerateSAS(t *testing.T) {
	changesOnly := func(which string) func(*testing.T, *fixture, response, sas.Credential) {
		return func(t *testing.T, f *fixture, r response, seeded sas.Credential) {
			t.Helper()
			p, s := r.str(t, "primaryKey"), r.str(t, "secondaryKey")
			if r.str(t, "identifier") != seeded.Identifier || string(r.fields["enabled"]) != "true" {
				t.Errorf("regenerate changed the identifier or enabled: %s", r.Body)
			}
			switch which {
			case sas.Primary:
				if p == seedPrimary || s != seedSecondary {
					t.Error("regenerating the primary key must change it and only it")
				}
			case sas.Secondary:
				if s == seedSecondary || p != seedPrimary {
					t.Error("regenerating the secondary key must change it and only it")
				}
			}
			// send() checked the answer is what is stored; GET agrees.
			f.getShows(t, "dave", sasGet(), r)
		}
	}
	runSAS(t, []sasCase{
		{name: "primary", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":"primary"}`), status: http.StatusOK,
			check: changesOnly(sas.Primary)},
		{name: "secondary", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":"secondary"}`), status: http.StatusOK,
			check: changesOnly(sas.Secondary)},
		{name: "primary twice gives two new keys", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":"primary"}`),
			status: http.StatusOK, check: func(t *testing.T, f *fixture, r response, _ sas.Credential) {
				again := f.send(t, "dave", sasRegenerate(`{"key":"primary"}`))
				again.want(t, http.StatusOK, "")
				if again.str(t, "primaryKey") == r.str(t, "primaryKey") || again.str(t, "secondaryKey") != seedSecondary {
					t.Error("a second regeneration did not give a new primary key, or changed the secondary")
				}
			}},
		{name: "disabled credential stays disabled", who: "dave", seed: disabledSAS, req: sasRegenerate(`{"key":"secondary"}`),
			status: http.StatusOK, check: func(t *testing.T, f *fixture, r response, _ sas.Credential) {
				if string(r.fields["enabled"]) != "false" {
					t.Errorf("enabled = %s after regenerate, want false", r.fields["enabled"])
				}
			}},
		{name: "no credential yet", who: "dave", req: sasRegenerate(`{"key":"primary"}`), status: http.StatusOK},
		{name: "unknown key name", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":"tertiary"}`), status: http.StatusBadRequest, field: "key"},
		{name: "key name in capitals", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":"Primary"}`), status: http.StatusBadRequest, field: "key"},
		{name: "key name empty", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":""}`), status: http.StatusBadRequest, field: "key"},
		{name: "key missing", who: "dave", seed: enabledSAS, req: sasRegenerate(`{}`), status: http.StatusBadRequest, field: "key"},
		{name: "key null", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":null}`), status: http.StatusBadRequest, field: "key"},
		{name: "key wrong type", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":1}`), status: http.StatusBadRequest, field: "key"},
		{name: "bad key name, no credential yet", who: "dave", req: sasRegenerate(`{"key":"both"}`), status: http.StatusBadRequest, field: "key"},
		{name: "unknown field", who: "dave", seed: enabledSAS, req: sasRegenerate(`{"key":"primary","primaryKey":"x"}`),
			status: http.StatusBadRequest, field: "primaryKey"},
		{name: "empty body", who: "dave", seed: enabledSAS, req: sasRegenerate(``), status: http.StatusBadRequest, field: "body"},
		{name: "restricted credential", who: "dave:narrow", seed: enabledSAS, req: sasRegenerate(`{"key":"primary"}`),
			status: http.StatusForbidden, detail: "fewer scopes"},
		{name: "no issuer role, no credential", who: "erin", req: sasRegenerate(`{"key":"primary"}`), status: http.StatusForbidden},
	})
}

func TestPatchSAS(t *testing.T) {
	stored := func(enabled bool) func(*testing.T, *fixture, response, sas.Credential) {
		return func(t *testing.T, f *fixture, r response, seeded sas.Credential) {
			t.Helper()
			if got := fieldsOf(r); !slices.Equal(got, sasPatchFields) {
				t.Errorf("PATCH fields = %v, want exactly %v (no keys)", got, sasPatchFields)
			}
			want := map[bool]string{true: "true", false: "false"}[enabled]
			if string(r.fields["enabled"]) != want || r.str(t, "identifier") != seeded.Identifier {
				t.Errorf("PATCH answered %s, want enabled %s", r.Body, want)
			}
			if r.Headers["Cache-Control"] == "no-store" {
				t.Log("PATCH carries no secret but says no-store")
			}
			_, cred, ok := f.storedSAS(t, seeded.Owner)
			if !ok || cred.Enabled != enabled || cred.Primary != seedPrimary || cred.Secondary != seedSecondary ||
				cred.Identifier != seeded.Identifier {
				t.Errorf("stored %s; want enabled %v and the keys unchanged", redacted(cred), enabled)
			}
		}
	}
	runSAS(t, []sasCase{
		{name: "disable", who: "dave", seed: enabledSAS, req: sasPatch(`{"enabled":false}`), status: http.StatusOK, check: stored(false)},
		{name: "enable", who: "dave", seed: disabledSAS, req: sasPatch(`{"enabled":true}`), status: http.StatusOK, check: stored(true)},
		{name: "disable twice", who: "dave", seed: disabledSAS, req: sasPatch(`{"enabled":false}`), status: http.StatusOK, check: stored(false)},
		{name: "enabled missing", who: "dave", seed: enabledSAS, req: sasPatch(`{}`), status: http.StatusBadRequest, field: "enabled"},
		{name: "enabled null", who: "dave", seed: enabledSAS, req: sasPatch(`{"enabled":null}`), status: http.StatusBadRequest, field: "enabled"},
		{name: "enabled a string", who: "dave", seed: enabledSAS, req: sasPatch(`{"enabled":"false"}`), status: http.StatusBadRequest, field: "enabled"},
		{name: "enabled a number", who: "dave", seed: enabledSAS, req: sasPatch(`{"enabled":0}`), status: http.StatusBadRequest, field: "enabled"},
		{name: "enabled missing, no credential yet", who: "dave", req: sasPatch(`{}`), status: http.StatusBadRequest, field: "enabled"},
		{name: "keys are not patchable", who: "dave", seed: enabledSAS, req: sasPatch(`{"enabled":true,"primaryKey":"` + seedSecondary + `"}`),
			status: http.StatusBadRequest, field: "primaryKey"},
		{name: "identifier is not patchable", who: "dave", seed: enabledSAS, req: sasPatch(`{"identifier":"000000000000000000000000"}`),
			status: http.StatusBadRequest, field: "identifier"},
		{name: "empty body", who: "dave", seed: enabledSAS, req: sasPatch(``), status: http.StatusBadRequest, field: "body"},
		{name: "restricted credential", who: "dave:narrow", seed: enabledSAS, req: sasPatch(`{"enabled":false}`),
			status: http.StatusForbidden, detail: "fewer scopes"},
		{name: "no issuer role, no credential", who: "erin", req: sasPatch(`{"enabled":false}`), status: http.StatusForbidden},
	})
}

func TestSASToken(t *testing.T) {
	// verifies checks the token against the right key, and not the other.
	verifies := func(key string, at time.Time) func(*testing.T, *fixture, response, sas.Credential) {
		return func(t *testing.T, f *fixture, r response, seeded sas.Credential) {
			t.Helper()
			tok := r.str(t, "token")
			want := sas.Scheme + " uid=" + seeded.Identifier + "&ex=" + sas.FormatExpiry(at) + "&sn="
			if !strings.HasPrefix(tok, want) {
				t.Errorf("token %q, want it to start with %q", tok, want)
			}
			parsed, err := sas.Parse(tok)
			if err != nil {
				t.Fatalf("token does not parse: %v", err)
			}
			if !parsed.ExpiresAt.Equal(at) {
				t.Errorf("token expires %v, want %v", parsed.ExpiresAt, at)
			}
			right, wrong := seedPrimary, seedSecondary
			if key == sas.Secondary {
				right, wrong = wrong, right
			}
			if err := sas.Verify(parsed, f.clock.Now(), right); err != nil {
				t.Errorf("token does not verify with the %s key: %v", key, err)
			}
			if err := sas.Verify(parsed, f.clock.Now(), wrong); !errors.Is(err, sas.ErrSignature) {
				t.Errorf("token verifies with the other key (or fails otherwise): %v", err)
			}
			if err := sas.Verify(parsed, at, right); !errors.Is(err, sas.ErrExpired) {
				t.Errorf("token still valid at its expiry: %v", err)
			}
		}
	}
	dec1 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tok := func(expiry, key string) request {
		b, _ := json.Marshal(map[string]string{"expiry": expiry, "key": key})
		return sasToken(string(b))
	}
	ok := func(name, expiry, key string, at time.Time) sasCase {
		return sasCase{name: name, who: "dave", seed: enabledSAS, req: tok(expiry, key), status: http.StatusOK, check: verifies(key, at)}
	}
	bad := func(name, body, field string) sasCase {
		return sasCase{name: name, who: "dave", seed: enabledSAS, req: sasToken(body), status: http.StatusBadRequest, field: field}
	}
	badExpiry := func(name, expiry string) sasCase {
		return sasCase{name: name, who: "dave", seed: enabledSAS, req: tok(expiry, "primary"), status: http.StatusBadRequest, field: "expiry"}
	}
	runSAS(t, []sasCase{
		ok("RFC 3339", "2026-12-01T00:00:00Z", "primary", dec1),
		ok("RFC 3339, secondary key", "2026-12-01T00:00:00Z", "secondary", dec1),
		ok("RFC 3339 with an offset", "2026-12-01T02:00:00+02:00", "primary", dec1),
		ok("RFC 3339 with a fraction", "2026-12-01T00:00:00.5Z", "secondary", dec1.Add(500*time.Millisecond)),
		ok(".NET round-trip", "2026-12-01T00:00:00.0000000Z", "primary", dec1),
		ok(".NET round-trip, secondary key", "2026-12-01T00:00:00.0000000Z", "secondary", dec1),
		ok("MM/DD/YYYY H:MM PM", "12/01/2026 7:30 PM", "primary", time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC)),
		ok("MM/DD/YYYY H:MM AM, secondary key", "12/01/2026 7:30 AM", "secondary", time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC)),
		ok("M/D/YYYY 12:00 AM is midnight", "1/2/2027 12:00 AM", "primary", time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)),
		ok("MM/DD/YYYY 12:05 PM is noon", "11/24/2026 12:05 PM", "primary", time.Date(2026, 11, 24, 12, 5, 0, 0, time.UTC)),
		ok("one second ahead", "2026-11-23T19:30:01Z", "primary", t0.Add(time.Second)),
		ok("exactly 366 days ahead", "2027-11-24T19:30:00Z", "secondary", t0.Add(management.MaxSASLifetime)),
		{name: "no credential yet", who: "dave", req: tok("2026-12-01T00:00:00Z", "primary"), status: http.StatusOK},

		badExpiry("now", "2026-11-23T19:30:00Z"),
		badExpiry("past", "2026-11-23T19:29:59Z"),
		badExpiry("past, .NET round-trip", "2014-08-04T22:03:00.0000000Z"),
		badExpiry("past, MM/DD/YYYY", "11/23/2026 7:29 PM"),
		badExpiry("366 days and a second", "2027-11-24T19:30:01Z"),
		badExpiry("ten years", "2036-11-23T19:30:00Z"),
		badExpiry("garbage", "tomorrow"),
		badExpiry("empty", ""),
		badExpiry("date only", "2026-12-01"),
		badExpiry("no zone", "2026-12-01T00:00:00"),
		badExpiry("space for T", "2026-12-01 00:00:00Z"),
		badExpiry("eight fraction digits", "2026-12-01T00:00:00.00000000Z"),
		badExpiry("month 13", "2026-13-01T00:00:00Z"),
		badExpiry("February 30", "02/30/2027 7:30 PM"),
		badExpiry("24-hour clock with PM", "12/01/2026 19:30 PM"),
		badExpiry("lower-case pm", "12/01/2026 7:30 pm"),
		badExpiry("no AM or PM", "12/01/2026 7:30"),
		badExpiry("Unix time", "1796083200"),
		bad("expiry missing", `{"key":"primary"}`, "expiry"),
		bad("expiry a number", `{"expiry":1796083200,"key":"primary"}`, "expiry"),
		bad("expiry null", `{"expiry":null,"key":"primary"}`, "expiry"),
		bad("bad key name", `{"expiry":"2026-12-01T00:00:00Z","key":"tertiary"}`, "key"),
		bad("key missing", `{"expiry":"2026-12-01T00:00:00Z"}`, "key"),
		bad("unknown field", `{"expiry":"2026-12-01T00:00:00Z","key":"primary","scopes":["echo:read"]}`, "scopes"),
		bad("empty body", ``, "body"),
		{name: "bad expiry, no credential yet", who: "dave", req: tok("yesterday", "primary"), status: http.StatusBadRequest, field: "expiry"},
		{name: "disabled credential", who: "dave", seed: disabledSAS, req: tok("2026-12-01T00:00:00Z", "primary"), status: http.StatusConflict},
		{name: "disabled credential, secondary key", who: "dave", seed: disabledSAS, req: tok("2026-12-01T00:00:00Z", "secondary"), status: http.StatusConflict},
		{name: "restricted credential", who: "dave:narrow", seed: enabledSAS, req: tok("2026-12-01T00:00:00Z", "primary"),
			status: http.StatusForbidden, detail: "fewer scopes"},
		{name: "no issuer role, no credential", who: "erin", req: tok("2026-12-01T00:00:00Z", "primary"), status: http.StatusForbidden},
	})
}

// TestSASRouteScopes: GET /v1/sas needs sas:read, the other SAS routes
// sas:write; without it the route-table check refuses (403), before the
// body is read or any credential made.
func TestSASRouteScopes(t *testing.T) {
	reqs := map[string]request{
		"GET":        sasGet(),
		"regenerate": sasRegenerate(`{"key":"primary"}`),
		"PATCH":      sasPatch(`{"enabled":false}`),
		"token":      sasToken(`{"expiry":"2026-12-01T00:00:00Z","key":"primary"}`),
	}
	var cases []sasCase
	for _, name := range slices.Sorted(maps.Keys(reqs)) {
		r := reqs[name]
		lacking := "dave:no-sas-write"
		if name == "GET" {
			lacking = "dave:no-sas-read"
		}
		for _, seed := range []sasSeed{noSAS, enabledSAS} {
			suffix := map[sasSeed]string{noSAS: "", enabledSAS: ", existing credential"}[seed]
			cases = append(cases,
				sasCase{name: name + " without its scope" + suffix, who: lacking, seed: seed, req: r,
					status: http.StatusForbidden, detail: routeRefusal},
				sasCase{name: name + " without the SAS scopes" + suffix, who: "alice", seed: seed, req: r,
					status: http.StatusForbidden, detail: routeRefusal},
				// The route check comes before the body is read.
				sasCase{name: name + " without its scope, bad body" + suffix, who: lacking, seed: seed,
					req: request{method: r.method, resource: r.resource, body: `{"bogus":1}`}, status: http.StatusForbidden, detail: routeRefusal},
			)
		}
	}
	// frank holds sas:read and not sas:write, and his credential covers
	// him: reading works, writing is the route's refusal.
	cases = append(cases,
		sasCase{name: "owner with sas:read only reads", who: "frank", req: sasGet(), status: http.StatusOK},
		sasCase{name: "owner with sas:read only regenerates", who: "frank", seed: enabledSAS, req: reqs["regenerate"],
			status: http.StatusForbidden, detail: routeRefusal},
		sasCase{name: "owner with sas:read only patches", who: "frank", seed: enabledSAS, req: reqs["PATCH"],
			status: http.StatusForbidden, detail: routeRefusal},
		sasCase{name: "owner with sas:read only signs", who: "frank", seed: enabledSAS, req: reqs["token"],
			status: http.StatusForbidden, detail: routeRefusal},
	)
	runSAS(t, cases)
}

// TestSASKeysSealed: the stored record holds the keys only sealed, bound to
// project and identifier, and opens only with the deployment's key.
func TestSASKeysSealed(t *testing.T) {
	f := newFixture(t, sasCertUsers)
	r := f.send(t, "dave", sasGet())
	r.want(t, http.StatusOK, "")
	p, s := r.str(t, "primaryKey"), r.str(t, "secondaryKey")
	sealed, cred, ok := f.storedSAS(t, f.users["dave"].ID)
	if !ok || cred.Primary != p || cred.Secondary != s {
		t.Fatal("the stored credential does not open to the answered keys")
	}
	rawP, _ := base64.StdEncoding.DecodeString(p)
	rawS, _ := base64.StdEncoding.DecodeString(s)
	for name, needle := range map[string][]byte{"primary base64": []byte(p), "secondary base64": []byte(s),
		"primary raw": rawP, "secondary raw": rawS, "primary raw half": rawP[:16], "secondary raw half": rawS[16:32]} {
		if bytes.Contains(sealed.Keys, needle) {
			t.Errorf("the sealed bytes hold the %s key", name)
		}
	}
	if len(sealed.Keys) < 2*sas.KeyLen {
		t.Errorf("sealed keys are %d bytes, too short to hold two keys", len(sealed.Keys))
	}
	otherKey := sha256.Sum256([]byte("another deployment"))
	other, err := envelope.NewLocal(otherKey[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sas.Open(context.Background(), other, sealed); err == nil {
		t.Error("the sealed keys open with another key")
	}
	moved := sealed
	moved.Identifier = strings.Repeat("0", 24)
	if _, err := sas.Open(context.Background(), f.sealer, moved); err == nil {
		t.Error("the sealed keys open under another identifier")
	}
	moved = sealed
	moved.ProjectID = "elsewhere"
	if _, err := sas.Open(context.Background(), f.sealer, moved); err == nil {
		t.Error("the sealed keys open in another project")
	}
	// A regeneration reseals: the new record holds neither key in the clear.
	f.send(t, "dave", sasRegenerate(`{"key":"primary"}`)).want(t, http.StatusOK, "")
	resealed, _, _ := f.storedSAS(t, f.users["dave"].ID)
	if bytes.Equal(resealed.Keys, sealed.Keys) {
		t.Error("regenerate did not reseal the keys")
	}
}

// TestSASLifecycle walks one credential through its routes as a client
// would: tokens follow regeneration and disabling.
func TestSASLifecycle(t *testing.T) {
	f := newFixture(t, sasCertUsers)
	get := f.send(t, "dave", sasGet())
	get.want(t, http.StatusOK, "")
	ident, p0, s0 := get.str(t, "identifier"), get.str(t, "primaryKey"), get.str(t, "secondaryKey")

	token := func(expiry, key string) sas.Token {
		t.Helper()
		r := f.send(t, "dave", sasToken(`{"expiry":"`+expiry+`","key":"`+key+`"}`))
		r.want(t, http.StatusOK, "")
		tok, err := sas.Parse(r.str(t, "token"))
		if err != nil || tok.Identifier != ident {
			t.Fatalf("token %q: %v", r.str(t, "token"), err)
		}
		return tok
	}
	byPrimary := token("2026-12-01T00:00:00Z", "primary")
	bySecondary := token("2026-12-02T00:00:00Z", "secondary")
	if sas.Verify(byPrimary, t0, p0) != nil || sas.Verify(bySecondary, t0, s0) != nil {
		t.Fatal("tokens do not verify with the keys GET answered")
	}

	regen := f.send(t, "dave", sasRegenerate(`{"key":"primary"}`))
	regen.want(t, http.StatusOK, "")
	p1, s1 := regen.str(t, "primaryKey"), regen.str(t, "secondaryKey")
	if p1 == p0 || s1 != s0 || regen.str(t, "identifier") != ident {
		t.Fatalf("regenerating the primary key: identifier %s→%s, primary changed %v, secondary kept %v",
			ident, regen.str(t, "identifier"), p1 != p0, s1 == s0)
	}
	if err := sas.Verify(byPrimary, t0, p1, s1); !errors.Is(err, sas.ErrSignature) {
		t.Errorf("a token of the regenerated key still verifies against the stored keys: %v", err)
	}
	if err := sas.Verify(bySecondary, t0, p1, s1); err != nil {
		t.Errorf("a token of the other key fails after regeneration: %v", err)
	}
	token("2026-12-03T00:00:00Z", "primary")

	off := f.send(t, "dave", sasPatch(`{"enabled":false}`))
	off.want(t, http.StatusOK, "")
	f.send(t, "dave", sasToken(`{"expiry":"2026-12-04T00:00:00Z","key":"secondary"}`)).want(t, http.StatusConflict, "")
	shown := f.send(t, "dave", sasGet())
	shown.want(t, http.StatusOK, "")
	if string(shown.fields["enabled"]) != "false" || shown.str(t, "primaryKey") != p1 {
		t.Errorf("GET of the disabled credential: %s", shown.Body)
	}
	f.send(t, "dave", sasPatch(`{"enabled":true}`)).want(t, http.StatusOK, "")
	token("2026-12-05T00:00:00Z", "secondary")

	regen2 := f.send(t, "dave", sasRegenerate(`{"key":"secondary"}`))
	regen2.want(t, http.StatusOK, "")
	if regen2.str(t, "primaryKey") != p1 || regen2.str(t, "secondaryKey") == s1 {
		t.Error("regenerating the secondary key changed the primary or kept the secondary")
	}
	// send() checked throughout that no answer repeated an earlier token or
	// a regenerated key, and no stored record held a key in the clear.
	for _, k := range []string{p0, s0} {
		if !slices.Contains(f.sasKeys, k) {
			t.Errorf("key not tracked")
		}
	}
}
