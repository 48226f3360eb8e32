package scanning_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/scanning/scanningtest"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/memory"
)

const project = "p"

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// backend is what the tests read back from a store besides scanning.Store.
type backend interface {
	scanning.Store
	CreateKey(context.Context, apikey.Key) error
	GetKey(ctx context.Context, projectID, keyID string) (apikey.Key, error)
	CreateFamily(context.Context, refresh.Family, refresh.Token) error
	CreateClient(context.Context, credential.Client) error
	GetFamily(ctx context.Context, projectID, familyID string) (refresh.Family, error)
	GetClient(ctx context.Context, projectID, clientID string) (credential.Client, error)
	RevokeSession(ctx context.Context, projectID, id string, at time.Time) error
	ListAudit(ctx context.Context, projectID, targetID string, since, now time.Time, p store.Page) ([]audit.Record, string, error)
	ListMeterEvents(ctx context.Context, projectID string, hour, from time.Time, limit int) ([]meter.Event, error)
}

// fixture is a handler over st with GitHub's keys.
type fixture struct {
	t      *testing.T
	st     backend
	gh     *scanningtest.GitHub
	h      *scanning.Handler
	clock  *clock.Fake
	prefix string
}

func newFixture(t *testing.T, st backend, action scanning.Action) *fixture {
	gh := scanningtest.New(t, 2)
	keys, err := scanning.ParseKeys(gh.KeySet(t))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, gh: gh, clock: clock.NewFake(t0)}
	f.h = scanning.New(st, scanning.Options{ProjectID: project, Keys: keys, Action: action, Clock: f.clock})
	return f
}

// setup is the context of a change the test makes, with its audit record.
func setup(action string) context.Context {
	return audit.With(context.Background(), audit.New(project, "usr_test", action, audit.User("usr_a"), "", "", t0))
}

func (f *fixture) key() (apikey.Key, string) {
	exp := t0.Add(24 * time.Hour)
	k, tok, err := apikey.New(project, "usr_a", "ci", nil, t0, &exp, f.prefix)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.CreateKey(setup(audit.KeyCreate), k); err != nil {
		f.t.Fatal(err)
	}
	return k, tok
}

func (f *fixture) family() (refresh.Family, string) {
	fam, first, tok, err := refresh.NewFamily(project, "usr_a", "cli", nil, t0, t0.Add(time.Hour), time.Hour, f.prefix)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.CreateFamily(setup(audit.RefreshCreate), fam, first); err != nil {
		f.t.Fatal(err)
	}
	return fam, tok
}

func (f *fixture) client() (credential.Client, string) {
	c, sec, err := credential.NewClient(project, "usr_a", "svc", nil, t0, f.prefix)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.CreateClient(setup(audit.ClientCreate), c); err != nil {
		f.t.Fatal(err)
	}
	return c, sec
}

// post sends body signed with GitHub's key i (headers replaced by hdr
// when set).
func (f *fixture) post(body []byte, hdr map[string]string) (int, []scanning.Result, string) {
	f.t.Helper()
	if hdr == nil {
		hdr = f.gh.Sign(f.t, 0, body)
	}
	resp, err := f.h.Handle(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: scanning.Method, Resource: scanning.Resource, Path: scanning.Resource, Headers: hdr, Body: string(body),
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1", Identity: events.APIGatewayRequestIdentity{SourceIP: "192.0.2.1"}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	var results []scanning.Result
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(resp.Body), &results); err != nil {
			f.t.Fatalf("answer %s: %v", resp.Body, err)
		}
	} else if resp.Headers["Content-Type"] != "application/problem+json" {
		f.t.Errorf("a %d answered %q, not a problem", resp.StatusCode, resp.Headers["Content-Type"])
	}
	return resp.StatusCode, results, resp.Body
}

// leaked are the credential.leaked audit records and events of id.
func (f *fixture) leaked(id string) ([]audit.Record, []meter.Event) {
	f.t.Helper()
	ctx := context.Background()
	recs, _, err := f.st.ListAudit(ctx, project, id, t0.Add(-time.Hour), f.clock.Now().Add(time.Hour), store.Page{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	var leaks []audit.Record
	for _, r := range recs {
		if r.Action == audit.CredentialLeaked {
			leaks = append(leaks, r)
		}
	}
	evs, err := f.st.ListMeterEvents(ctx, project, t0.Truncate(time.Hour), t0.Truncate(time.Hour), 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	var mine []meter.Event
	for _, e := range evs {
		if e.CredentialID == id {
			mine = append(mine, e)
		}
	}
	return leaks, mine
}

// once checks that id's leak was audited and announced exactly once,
// naming the url and source of report r.
func (f *fixture) once(id string, typ credential.Type, r scanningtest.Report) {
	f.t.Helper()
	recs, evs := f.leaked(id)
	if len(recs) != 1 || len(evs) != 1 {
		f.t.Fatalf("%d audit records and %d events of %s's leak, want 1 and 1", len(recs), len(evs), id)
	}
	rec, ev := recs[0], evs[0]
	if rec.Actor != scanning.Actor || rec.TargetType != string(typ) || rec.SourceIP != "192.0.2.1" || rec.RequestID != "req-1" {
		f.t.Errorf("audit record %+v", rec)
	}
	if ev.Type != scanning.EventLeaked || ev.Kind != string(typ) || ev.Owner != "usr_a" || ev.URL != r.URL || ev.Source != r.Source {
		f.t.Errorf("event %+v", ev)
	}
}

func wantResults(t *testing.T, got []scanning.Result, want ...scanning.Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func result(r scanningtest.Report, label string) scanning.Result {
	return scanning.Result{TokenHash: scanningtest.Hash(r.Token), TokenType: r.Type, Label: label}
}

func TestActions(t *testing.T) {
	for _, tc := range []struct {
		action scanning.Action
		prefix string
		// after checks the credentials once reported.
		key    func(t *testing.T, k apikey.Key, err error)
		family credential.Status
		client credential.Status
	}{
		{action: scanning.Deactivate, key: func(t *testing.T, k apikey.Key, err error) {
			if err != nil || k.Status != apikey.Inactive || k.Version != 2 {
				t.Errorf("key after deactivation: %+v, %v", k, err)
			}
		}, family: credential.Revoked, client: credential.Revoked},
		{action: scanning.Deactivate, prefix: "acme_", key: func(t *testing.T, k apikey.Key, err error) {
			if err != nil || k.Status != apikey.Inactive {
				t.Errorf("key after deactivation: %+v, %v", k, err)
			}
		}, family: credential.Revoked, client: credential.Revoked},
		{action: scanning.Revoke, key: func(t *testing.T, k apikey.Key, err error) {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("key after revocation: %+v, %v", k, err)
			}
		}, family: credential.Revoked, client: credential.Revoked},
		{action: scanning.Notify, key: func(t *testing.T, k apikey.Key, err error) {
			if err != nil || k.Status != apikey.Active || k.Version != 1 {
				t.Errorf("key after notification: %+v, %v", k, err)
			}
		}, family: credential.Active, client: credential.Active},
	} {
		for name, st := range stores(t) {
			t.Run(name+"/"+string(tc.action)+tc.prefix, func(t *testing.T) {
				f := newFixture(t, st, tc.action)
				f.prefix = tc.prefix
				k, keyTok := f.key()
				fam, famTok := f.family()
				cl, clientSec := f.client()
				reports := []scanningtest.Report{scanningtest.Leak(keyTok), scanningtest.Leak(famTok), scanningtest.Leak(clientSec)}
				reports[1].Type, reports[2].Type, reports[2].Source = "tollgate_refresh_token", "tollgate_client_secret", "gist"
				status, got, body := f.post(scanningtest.Body(t, reports...), nil)
				if status != http.StatusOK {
					t.Fatalf("answered %d %s", status, body)
				}
				wantResults(t, got, result(reports[0], scanning.TruePositive), result(reports[1], scanning.TruePositive), result(reports[2], scanning.TruePositive))
				for _, r := range reports {
					if strings.Contains(body, r.Token) {
						t.Fatal("the answer echoes a token")
					}
				}
				got2, err := k2(f, k.ID)
				tc.key(t, got2, err)
				if got, _ := f.st.GetFamily(context.Background(), project, fam.ID); got.Status != tc.family {
					t.Errorf("family %s, want %s", got.Status, tc.family)
				}
				if got, _ := f.st.GetClient(context.Background(), project, cl.ID); got.Status != tc.client {
					t.Errorf("client %s, want %s", got.Status, tc.client)
				}
				f.once(k.ID, credential.TypeAPIKey, reports[0])
				f.once(fam.ID, credential.TypeRefreshToken, reports[1])
				f.once(cl.ID, credential.TypeClient, reports[2])

				// Reported again (by the retired key too), and twice in one
				// batch: still true positives, nothing more written.
				f.clock.Advance(time.Minute)
				body2 := scanningtest.Body(t, reports[0], reports[0], reports[1], reports[2])
				status, got, _ = f.post(body2, f.gh.Sign(t, 1, body2))
				if status != http.StatusOK {
					t.Fatalf("again: answered %d", status)
				}
				wantResults(t, got, result(reports[0], scanning.TruePositive), result(reports[0], scanning.TruePositive),
					result(reports[1], scanning.TruePositive), result(reports[2], scanning.TruePositive))
				f.once(k.ID, credential.TypeAPIKey, reports[0])
				f.once(fam.ID, credential.TypeRefreshToken, reports[1])
				f.once(cl.ID, credential.TypeClient, reports[2])
			})
		}
	}
}

func k2(f *fixture, id string) (apikey.Key, error) {
	return f.st.GetKey(context.Background(), project, id)
}

func TestDuplicateInOneBatch(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, st, scanning.Deactivate)
			k, tok := f.key()
			r := scanningtest.Leak(tok)
			status, got, _ := f.post(scanningtest.Body(t, r, r, r), nil)
			if status != http.StatusOK {
				t.Fatalf("answered %d", status)
			}
			wantResults(t, got, result(r, scanning.TruePositive), result(r, scanning.TruePositive), result(r, scanning.TruePositive))
			f.once(k.ID, credential.TypeAPIKey, r)
		})
	}
}

func TestFalsePositives(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) { falsePositives(t, st) })
	}
}

func falsePositives(t *testing.T, st backend) {
	f := newFixture(t, st, scanning.Deactivate)
	unknown, _ := secret.Generate("", secret.PrefixAPIKey)
	unknownClient, _ := secret.Generate("acme_", secret.PrefixClientSecret)
	fam, famTok := f.family()
	if err := st.RevokeSession(setup(audit.RefreshRevoke), project, fam.ID, t0); err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(-time.Hour)
	expired, expiredTok, _ := apikey.New(project, "usr_a", "old", nil, t0.Add(-2*time.Hour), &exp, "")
	if err := st.CreateKey(setup(audit.KeyCreate), expired); err != nil {
		t.Fatal(err)
	}
	reports := []scanningtest.Report{
		scanningtest.Leak("not a tollgate token"),
		scanningtest.Leak(unknown[:secret.Len-1] + "x"), // checksum wrong
		scanningtest.Leak(unknown),                      // well formed, never issued
		scanningtest.Leak(unknownClient),
		scanningtest.Leak(famTok),     // its family revoked
		scanningtest.Leak(expiredTok), // expired
	}
	status, got, _ := f.post(scanningtest.Body(t, reports...), nil)
	if status != http.StatusOK {
		t.Fatalf("answered %d", status)
	}
	var want []scanning.Result
	for _, r := range reports {
		want = append(want, result(r, scanning.FalsePositive))
	}
	wantResults(t, got, want...)
	if recs, evs := f.leaked(fam.ID); len(recs)+len(evs) != 0 {
		t.Errorf("a false positive was recorded: %v %v", recs, evs)
	}
	if recs, evs := f.leaked(expired.ID); len(recs)+len(evs) != 0 {
		t.Errorf("a false positive was recorded: %v %v", recs, evs)
	}
}

// TestRefused: a request that is not GitHub's, or not a batch, is refused
// with nothing read and nothing written.
func TestRefused(t *testing.T) {
	st := memory.New()
	f := newFixture(t, st, scanning.Revoke)
	k, tok := f.key()
	good := scanningtest.Body(t, scanningtest.Leak(tok))
	signed := f.gh.Sign(t, 0, good)
	other := scanningtest.New(t, 1)
	tooMany := make([]scanningtest.Report, scanning.MaxReports+1)
	for i := range tooMany {
		tooMany[i] = scanningtest.Leak(tok)
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		hdr    map[string]string
		status int
		detail string
	}{
		{"no headers", good, map[string]string{}, http.StatusUnauthorized, "Github-Public-Key-Identifier"},
		{"unknown key id", good, map[string]string{scanning.HeaderKeyID: "nope", scanning.HeaderSignature: signed[scanning.HeaderSignature]},
			http.StatusUnauthorized, "Github-Public-Key-Identifier"},
		{"another's key", good, other.Sign(t, 0, good), http.StatusUnauthorized, "Github-Public-Key-Identifier"},
		{"signature of another body", good, f.gh.Sign(t, 0, append([]byte(" "), good...)), http.StatusUnauthorized, "Github-Public-Key-Signature"},
		{"body changed", append(good, ' '), signed, http.StatusUnauthorized, "Github-Public-Key-Signature"},
		{"signature not base64", good, map[string]string{scanning.HeaderKeyID: f.gh.Keys[0].ID, scanning.HeaderSignature: "!!"},
			http.StatusUnauthorized, "Github-Public-Key-Signature"},
		{"signed with the other key, named as this one", good,
			map[string]string{scanning.HeaderKeyID: f.gh.Keys[0].ID, scanning.HeaderSignature: f.gh.Sign(t, 1, good)[scanning.HeaderSignature]},
			http.StatusUnauthorized, "Github-Public-Key-Signature"},
		{"malformed JSON", []byte(`[{"token":`), nil, http.StatusBadRequest, "body"},
		{"an object", []byte(`{"token":"x"}`), nil, http.StatusBadRequest, "body"},
		{"empty batch", []byte(`[]`), nil, http.StatusBadRequest, "body"},
		{"too many", scanningtest.Body(t, tooMany...), nil, http.StatusBadRequest, "body"},
		{"unknown field", []byte(`[{"token":"t","type":"x","url":"","source":"","extra":1}]`), nil, http.StatusBadRequest, "reports[0].extra"},
		{"token a number", []byte(`[{"token":1,"type":"x","url":"","source":""}]`), nil, http.StatusBadRequest, "reports[0].token"},
		{"no token", []byte(`[{"type":"x","url":"","source":""}]`), nil, http.StatusBadRequest, "reports[0].token"},
		{"control character in url", []byte(`[{"token":"t","type":"x","url":"a\u0000b","source":""}]`), nil, http.StatusBadRequest, "reports[0].url"},
		{"key twice", []byte(`[{"token":"t","token":"u","type":"x","url":"","source":""}]`), nil, http.StatusBadRequest, "reports[0].token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := st.Reads.Load()
			status, _, body := f.post(tc.body, tc.hdr)
			if status != tc.status || !strings.Contains(body, tc.detail) {
				t.Fatalf("answered %d %s, want %d naming %s", status, body, tc.status, tc.detail)
			}
			if strings.Contains(body, tok) {
				t.Fatal("the answer echoes the token")
			}
			if n := st.Reads.Load() - before; n != 0 {
				t.Errorf("%d store reads", n)
			}
			if got, err := k2(f, k.ID); err != nil || got.Version != 1 {
				t.Errorf("key changed: %+v, %v", got, err)
			}
		})
	}
}

func TestNotConfigured(t *testing.T) {
	h := scanning.New(memory.New(), scanning.Options{ProjectID: project, Clock: clock.NewFake(t0)})
	resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: scanning.Method, Resource: scanning.Resource, Body: "[]"})
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("answered %d, %v", resp.StatusCode, err)
	}
}

func TestParseKeys(t *testing.T) {
	gh := scanningtest.New(t, 2)
	set := gh.KeySet(t)
	keys, err := scanning.ParseKeys(set)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ParseKeys = %d keys, %v", len(keys), err)
	}
	if keys, err := scanning.ParseKeys(""); err != nil || len(keys) != 0 {
		t.Fatalf("ParseKeys(\"\") = %v, %v", keys, err)
	}
	var doc map[string][]map[string]any
	_ = json.Unmarshal([]byte(set), &doc)
	with := func(change func(k map[string]any)) string {
		var d map[string][]map[string]any
		_ = json.Unmarshal([]byte(set), &d)
		change(d["public_keys"][0])
		b, _ := json.Marshal(d)
		return string(b)
	}
	rsa := "-----BEGIN PUBLIC KEY-----\nMCgwDQYJKoZIhvcNAQEBBQADFwAwFAINAMbbh9ld2ftH2f2EXQIDAQAB\n-----END PUBLIC KEY-----\n"
	for name, bad := range map[string]string{
		"not JSON":      "public_keys",
		"two values":    set + set,
		"no identifier": with(func(k map[string]any) { k["key_identifier"] = "" }),
		"twice":         with(func(k map[string]any) { k["key_identifier"] = doc["public_keys"][1]["key_identifier"] }),
		"not PEM":       with(func(k map[string]any) { k["key"] = "MFkw" }),
		"PEM and more":  with(func(k map[string]any) { k["key"] = k["key"].(string) + "junk" }),
		"RSA":           with(func(k map[string]any) { k["key"] = rsa }),
		"key a number":  with(func(k map[string]any) { k["key"] = 1 }),
	} {
		if _, err := scanning.ParseKeys(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Fields GitHub may add are ignored.
	if _, err := scanning.ParseKeys(with(func(k map[string]any) { k["new_field"] = true })); err != nil {
		t.Errorf("an added field: %v", err)
	}
}

func TestParseAction(t *testing.T) {
	for in, want := range map[string]scanning.Action{"": scanning.Deactivate, "deactivate": scanning.Deactivate,
		"revoke": scanning.Revoke, "notify": scanning.Notify} {
		if got, err := scanning.ParseAction(in); err != nil || got != want {
			t.Errorf("ParseAction(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"Revoke", "delete", " notify"} {
		if _, err := scanning.ParseAction(bad); err == nil {
			t.Errorf("ParseAction(%q) accepted", bad)
		}
	}
}
