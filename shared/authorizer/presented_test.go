package authorizer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tollgate/tollgate/shared/authorizer"
)

func TestPresentations(t *testing.T) {
	cases := []struct {
		name    string
		query   bool
		headers func(tok string) map[string]string
		qs      func(tok string) map[string]string
		want    error
	}{
		{"bearer", false, func(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }, nil, nil},
		{"bearer lowercase header and scheme", false, func(k string) map[string]string { return map[string]string{"authorization": "bearer " + k} }, nil, nil},
		{"apiToken", false, func(k string) map[string]string { return map[string]string{"Authorization": "apiToken " + k} }, nil, nil},
		{"x-api-key", false, func(k string) map[string]string { return map[string]string{"X-Api-Key": k} }, nil, nil},
		{"query enabled", true, nil, func(k string) map[string]string { return map[string]string{"api_token": k} }, nil},
		{"query disabled", false, nil, func(k string) map[string]string { return map[string]string{"api_token": k} }, authorizer.ErrUnauthorized},
		{"basic scheme", false, func(k string) map[string]string { return map[string]string{"Authorization": "Basic " + k} }, nil, authorizer.ErrUnauthorized},
		{"no scheme", false, func(k string) map[string]string { return map[string]string{"Authorization": k} }, nil, authorizer.ErrUnauthorized},
		{"nothing", false, func(string) map[string]string { return nil }, nil, authorizer.ErrUnauthorized},
		{"two presentations", false, func(k string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + k, "x-api-key": k}
		}, nil, authorizer.ErrUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.query, nil)
			req := whoami(nil)
			if c.headers != nil {
				req.Headers = c.headers(f.token)
			}
			if c.qs != nil {
				req.QueryStringParameters = c.qs(f.token)
			}
			resp, err := f.auth.Handle(context.Background(), req)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if c.want == nil {
				if effect(resp, req.MethodArn) != authorizer.Allow || resp.PrincipalID != "usr_alice" {
					t.Fatalf("not allowed: %+v", resp)
				}
				ctx := resp.Context
				if ctx["credentialType"] != "api_key" || ctx["credentialId"] != f.key.ID || ctx["projectId"] != project ||
					ctx["scopes"] != "credentials:read echo:read" || ctx["principalId"] != "usr_alice" {
					t.Fatalf("context = %v", ctx)
				}
			}
		})
	}
}
