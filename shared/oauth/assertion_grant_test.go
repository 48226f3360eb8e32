package oauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tollgate/tollgate/shared/oauth"
)

// TestAssertionWithClientID: a client_id beside a client assertion (RFC
// 7521 §4.2) is accepted when it names the assertion's user, refused with
// invalid_client otherwise; a second authentication method beside the
// assertion is still refused. A refused assertion stays unused.
func TestAssertionWithClientID(t *testing.T) {
	long := "usr_" + strings.Repeat("a", 3000)
	cases := []struct {
		name    string
		kv      func(t *testing.T, f *fixture, h holder) []string
		headers func(f *fixture, h holder) []string
		status  int
		code    string
	}{
		{name: "no client_id", status: 200},
		{name: "client_id naming the assertion's user", kv: func(_ *testing.T, _ *fixture, h holder) []string { return []string{"client_id", h.owner} }, status: 200},
		{name: "client_id naming another user", kv: func(_ *testing.T, f *fixture, _ holder) []string { return []string{"client_id", f.users["bob"].ID} },
			status: 401, code: "invalid_client"},
		{name: "client_id naming the user's client", kv: func(t *testing.T, f *fixture, _ holder) []string {
			c, _ := f.client(t, "alice", nil)
			return []string{"client_id", c.ID}
		}, status: 401, code: "invalid_client"},
		{name: "client_id naming the user by username", kv: func(_ *testing.T, _ *fixture, _ holder) []string { return []string{"client_id", "alice"} },
			status: 401, code: "invalid_client"},
		{name: "empty client_id", kv: func(*testing.T, *fixture, holder) []string { return []string{"client_id", ""} }, status: 401, code: "invalid_client"},
		{name: "oversize client_id", kv: func(*testing.T, *fixture, holder) []string { return []string{"client_id", long} }, status: 401, code: "invalid_client"},
		{name: "client_secret too", kv: func(*testing.T, *fixture, holder) []string { return []string{"client_secret", "tgc_x"} },
			status: 400, code: "invalid_request"},
		{name: "client_id and client_secret too", kv: func(_ *testing.T, _ *fixture, h holder) []string {
			return []string{"client_id", h.owner, "client_secret", "tgc_x"}
		},
			status: 400, code: "invalid_request"},
		{name: "Basic too", headers: func(_ *fixture, h holder) []string { return []string{basic(h.owner, "x")} },
			status: 400, code: "invalid_request"},
		{name: "Basic and client_id too", kv: func(_ *testing.T, _ *fixture, h holder) []string { return []string{"client_id", h.owner} },
			headers: func(_ *fixture, h holder) []string { return []string{basic(h.owner, "x")} }, status: 400, code: "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			h := f.bindCertificate(t, "alice")
			var kv, headers []string
			if c.kv != nil {
				kv = c.kv(t, f, h)
			}
			if c.headers != nil {
				headers = c.headers(f, h)
			}
			signed := f.assertion(t, h)
			a := f.call(t, assertionGrant(signed, kv, headers...))
			if c.status == 200 {
				a.wantOK(t)
				if a.claims.Subject != h.owner || a.claims.Confirmation == nil || a.claims.Confirmation.X5tS256 != h.cert.X5tS256 {
					t.Fatalf("claims %+v", a.claims)
				}
				return
			}
			a.wantError(t, c.status, c.code)
			if c.status == 400 && (a.reads != 0 || a.writes != 0) {
				t.Errorf("a request with two methods made %d reads and %d writes before its refusal", a.reads, a.writes)
			}
			f.ok(t, assertionGrant(signed, nil)) // the refused assertion was not spent
		})
	}
}

// serve is the token function over HTTP, as API Gateway would hand it
// requests.
func (f *fixture) serve(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := event(r.Method, r.URL.Path, string(body))
		for name := range r.Header {
			req.Headers[name] = r.Header.Get(name)
		}
		resp, err := f.h.Handle(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for name, value := range resp.Headers {
			w.Header().Set(name, value)
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.WriteString(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAssertionStandardClient: golang.org/x/oauth2's client-credentials
// client, sending its client_id in the body beside an RFC 7523 assertion
// (RFC 7521 §4.2), gets a token when client_id is the assertion's user and
// invalid_client otherwise.
func TestAssertionStandardClient(t *testing.T) {
	f := newFixture(t)
	srv := f.serve(t)
	h := f.bindCertificate(t, "alice")
	config := func(clientID string) *clientcredentials.Config {
		return &clientcredentials.Config{ClientID: clientID, TokenURL: srv.URL + "/oauth/token", Scopes: []string{"echo:read"},
			AuthStyle: oauth2.AuthStyleInParams, EndpointParams: url.Values{
				"client_assertion_type": {oauth.AssertionType}, "client_assertion": {f.assertion(t, h)}}}
	}
	tok, err := config(h.owner).Token(context.Background())
	if err != nil {
		t.Fatalf("the standard client was refused: %v", err)
	}
	if tok.Extra("scope") != "echo:read" || f.verify(t, tok.AccessToken).Subject != h.owner {
		t.Fatalf("token scope %v", tok.Extra("scope"))
	}
	_, err = config(f.users["bob"].ID).Token(context.Background())
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized || re.ErrorCode != "invalid_client" {
		t.Fatalf("client_id of another user: %v", err)
	}
}
