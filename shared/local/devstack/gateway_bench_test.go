package devstack

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// BenchmarkGateway is the gateway's own cost for one protected request:
// an authorizer and a function that answer at once, as a warm key's
// whoami does.
func BenchmarkGateway(b *testing.B) {
	resp := policy("user-1", "Allow", arnPrefix+"/*")
	resp.Context = map[string]any{"principalId": "user-1", "credentialType": "api_key", "credentialId": "key_1",
		"scopes": "echo:read", "projectId": "default"}
	auth := func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return resp, nil
	}
	fn := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"},
			Body: `{"principalId":"user-1"}`}, nil
	}
	g := &Gateway{Protected: testProtected, Authorizer: auth, Functions: map[string]Handler{"fn": fn}}
	req := httptest.NewRequest("GET", "/v1/whoami", nil)
	req.Header.Set("Authorization", "Bearer tgk_secret")
	req.Header.Set("User-Agent", "bench")
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
