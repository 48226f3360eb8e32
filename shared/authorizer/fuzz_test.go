package authorizer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/secret"
)

// FuzzHandle feeds arbitrary presentations to the authorizer: it must never
// panic, never allow anything but the stored key, and never read the store
// for a token whose shape or checksum is wrong.
func FuzzHandle(f *testing.F) {
	fx := newFixture(f, true, nil)
	for _, s := range []string{"Bearer " + fx.token, "apiToken " + fx.token, "Bearer", "Bearer  ", "bearer tgk_", "Basic dXNlcjpwYXNz",
		"SharedAccessSignature uid=a&ex=b&sn=c", "Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer " + fx.token + "\x00"} {
		f.Add(s, "", "")
	}
	f.Add("", fx.token, "")
	f.Add("", "", fx.token)
	f.Add("", "tgk_"+fx.token[4:], fx.token)
	f.Fuzz(func(t *testing.T, authorization, apiKey, query string) {
		fx := newFixture(t, true, nil)
		headers := map[string]string{}
		if authorization != "" {
			headers["Authorization"] = authorization
		}
		if apiKey != "" {
			headers["x-api-key"] = apiKey
		}
		req := whoami(headers)
		if query != "" {
			req.QueryStringParameters = map[string]string{"api_token": query}
		}
		resp, err := fx.auth.Handle(context.Background(), req)
		presented := []string{apiKey, query}
		if _, tok, ok := cut(authorization); ok {
			presented = append(presented, tok)
		}
		wellFormed := false
		for _, p := range presented {
			if _, cerr := secret.Check(p, secret.PrefixAPIKey); cerr == nil {
				wellFormed = true
			}
		}
		if !wellFormed && fx.store.Reads.Load() != 0 {
			t.Fatalf("store read for malformed presentations %q", presented)
		}
		if err == nil && resp.Context["credentialId"] != fx.key.ID {
			t.Fatalf("allowed %v", resp.Context)
		}
		if err != nil && !errors.Is(err, authorizer.ErrUnauthorized) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func cut(authorization string) (string, string, bool) {
	for i := 0; i < len(authorization); i++ {
		if authorization[i] == ' ' {
			return authorization[:i], authorization[i+1:], true
		}
	}
	return "", "", false
}
