package management_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store/memory"
)

func TestCallerChecks(t *testing.T) {
	each(t, []step{
		{"no authorizer context", "nobody", request{method: "GET", resource: "/v1/keys"}, http.StatusUnauthorized},
		{"another project", "other-project", request{method: "GET", resource: "/v1/keys"}, http.StatusUnauthorized},
		{"deleted user", "ghost", request{method: "GET", resource: "/v1/keys"}, http.StatusForbidden},
		{"deleted user creating", "ghost", request{method: "POST", resource: "/v1/keys", body: `{"name":"x"}`}, http.StatusForbidden},
		{"unknown route", "admin", request{method: "GET", resource: "/v1/nothing"}, http.StatusNotFound},
		{"unknown method", "admin", request{method: "PUT", resource: "/v1/keys"}, http.StatusNotFound},
		{"credential without the route's read scope", "alice:echo", request{method: "GET", resource: "/v1/keys"}, http.StatusForbidden},
		{"credential without the route's write scope", "alice:echo", request{method: "POST", resource: "/v1/keys", body: `{"name":"x","scopes":["echo:read"]}`}, http.StatusForbidden},
		{"whoami needs no scope", "alice:echo", request{method: "GET", resource: "/v1/whoami"}, http.StatusOK},
	})
}

func TestDisabledCallerIsForbidden(t *testing.T) {
	f := newFixture(t)
	f.send(t, "admin", userReq("PATCH", "{alice}", `{"disabled":true}`)).want(t, http.StatusOK, "")
	f.send(t, "alice", request{method: "GET", resource: "/v1/keys"}).want(t, http.StatusForbidden, "")
	f.send(t, "alice", request{method: "POST", resource: "/v1/keys", body: `{"name":"x","scopes":[]}`}).want(t, http.StatusForbidden, "")
}

func TestListParameters(t *testing.T) {
	routes := []struct{ who, resource string }{{"admin", "/v1/users"}, {"alice", "/v1/keys"}}
	tests := []struct {
		name   string
		query  map[string]string
		status int
		field  string
	}{
		{"limit 1", map[string]string{"limit": "1"}, http.StatusOK, ""},
		{"limit 100", map[string]string{"limit": "100"}, http.StatusOK, ""},
		{"limit 0", map[string]string{"limit": "0"}, http.StatusBadRequest, "limit"},
		{"limit 101", map[string]string{"limit": "101"}, http.StatusBadRequest, "limit"},
		{"limit abc", map[string]string{"limit": "abc"}, http.StatusBadRequest, "limit"},
		{"limit empty", map[string]string{"limit": ""}, http.StatusBadRequest, "limit"},
		{"limit negative", map[string]string{"limit": "-1"}, http.StatusBadRequest, "limit"},
		{"limit fraction", map[string]string{"limit": "1.5"}, http.StatusBadRequest, "limit"},
		{"limit exponent", map[string]string{"limit": "1e2"}, http.StatusBadRequest, "limit"},
		{"limit with space", map[string]string{"limit": " 5"}, http.StatusBadRequest, "limit"},
		{"limit overflowing", map[string]string{"limit": "18446744073709551617"}, http.StatusBadRequest, "limit"},
		{"cursor not base64", map[string]string{"cursor": "!!!"}, http.StatusBadRequest, "cursor"},
		{"cursor of one character", map[string]string{"cursor": "a"}, http.StatusBadRequest, "cursor"},
		{"cursor too long", map[string]string{"cursor": strings.Repeat("A", 1025)}, http.StatusBadRequest, "cursor"},
		{"cursor well-formed base64 but never issued", map[string]string{"cursor": base64.RawURLEncoding.EncodeToString([]byte("not a cursor"))},
			http.StatusBadRequest, "cursor"},
		{"bad limit and cursor", map[string]string{"limit": "0", "cursor": "!!!"}, http.StatusBadRequest, ""},
	}
	for _, rt := range routes {
		for _, tt := range tests {
			t.Run(rt.resource+" "+tt.name, func(t *testing.T) {
				f := newFixture(t)
				f.seedKey(t, "alice", scope.Set{"echo:read"}, t0, nil)
				r := f.send(t, rt.who, request{method: "GET", resource: rt.resource, query: tt.query})
				r.want(t, tt.status, tt.field)
				if tt.field == "limit" && r.keyReads != 0 {
					t.Errorf("a bad limit read %d key lists", r.keyReads)
				}
			})
		}
	}
}

// TestFunctionRoutes checks that the issuekeys and certificates handlers
// each serve exactly the routes access.Routes gives their function: a route
// served answers an anonymous request 401, one not served 404.
func TestFunctionRoutes(t *testing.T) {
	handlers := []struct {
		fn string
		h  *management.Handler
	}{
		{access.FnIssueKeys, management.NewIssueKeys(memory.New(), management.Options{ProjectID: "p"})},
		{access.FnCertificates, management.NewCertificates(memory.New(), management.Options{ProjectID: "p"})},
	}
	for _, hd := range handlers {
		for _, r := range access.Routes {
			t.Run(hd.fn+" "+r.Method+" "+r.Resource, func(t *testing.T) {
				want := http.StatusNotFound
				if r.Function == hd.fn {
					want = http.StatusUnauthorized
				}
				resp, err := hd.h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: r.Method, Resource: r.Resource})
				if err != nil || resp.StatusCode != want {
					t.Errorf("status %d (%v), want %d", resp.StatusCode, err, want)
				}
			})
		}
	}
}
