package devstack

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestHeadLimit: a request line and headers over API Gateway's
// 10,240-byte quota get its 413 before routing or the authorizer; at the
// quota the request goes on (here to a public route).
func TestRequestHeadLimit(t *testing.T) {
	// The head of GET /healthz with no header but Host: example.com, as
	// requestHeadSize counts it.
	base := requestHeadSize(httptest.NewRequest("GET", "/healthz", nil))
	pad := func(n int) string { return strings.Repeat("x", n) }
	for _, tt := range []struct {
		name    string
		target  string
		headers map[string]string
		status  int
	}{
		{"one header of 100 KB", "/healthz", map[string]string{"X-Big": pad(100 << 10)}, 413},
		{"at the quota", "/healthz", map[string]string{"X-Pad": pad(maxRequestHead - base - len("X-Pad"))}, 200},
		{"a byte over the quota", "/healthz", map[string]string{"X-Pad": pad(maxRequestHead - base - len("X-Pad") + 1)}, 413},
		{"many headers over the quota", "/healthz", func() map[string]string {
			h := map[string]string{}
			for i := range 40 {
				h["X-H"+strings.Repeat("h", i)] = pad(300)
			}
			return h
		}(), 413},
		{"a query string over the quota", "/healthz?q=" + pad(maxRequestHead), nil, 413},
		{"a protected route, before the authorizer", "/v1/whoami", map[string]string{"Authorization": "Bearer " + pad(20000)}, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &capture{}
			g := newGateway(c, allowAll, ok)
			req := httptest.NewRequest("GET", tt.target, nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := serve(g, req)
			if tt.status == 413 {
				assertGatewayResponse(t, rec, 413, `{"message":"Request Too Long"}`, "")
				if c.authCalls+c.fnCalls != 0 {
					t.Errorf("authorizer called %d times, handler %d", c.authCalls, c.fnCalls)
				}
			} else if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
		})
	}
}

// TestRequestHeadLimitOverTheWire: the 100 KB header of the finding, sent
// to a listening gateway, is refused by the gateway, not let through by
// net/http's larger default limit.
func TestRequestHeadLimitOverTheWire(t *testing.T) {
	srv := httptest.NewServer(newGateway(&capture{}, allowAll, ok))
	defer srv.Close()
	req, err := http.NewRequest("GET", srv.URL+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("x", 100<<10))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", resp.StatusCode)
	}
}
