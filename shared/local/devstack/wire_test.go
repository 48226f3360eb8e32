package devstack

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// roundTrip passes v through JSON, as every Lambda event does.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWireIsJSON(t *testing.T) {
	for name, s := range map[string]string{
		"empty": "", "ascii": "abc", "utf-8": "é€😀", "one bad byte": "a\xffb", "bad run": "a\xff\xfe\xfdb",
		"truncated rune": "\xe2\x82", "surrogate": "\xed\xa0\x80", "bad at end": "abc\xc3",
	} {
		t.Run(name, func(t *testing.T) {
			if got, want := wire(s), roundTrip(t, s); got != want {
				t.Errorf("wire(%q) = %q, JSON gives %q", s, got, want)
			}
		})
	}
}

func TestWireMapCollisions(t *testing.T) {
	m := map[string]string{"a\xff": "1", "a\xfe": "2", "b": "3"}
	if got, want := wireStrings(m), roundTrip(t, m); !reflect.DeepEqual(got, want) {
		t.Errorf("wireStrings = %q, JSON gives %q", got, want)
	}
}

// The events the gateway builds are what JSON gives back for them: every
// string valid UTF-8, numbers as float64, nil and empty kept apart; each
// invocation gets maps of its own.
func TestEventsAreTheirOwnRoundTrip(t *testing.T) {
	c := &capture{}
	withNumber := func(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		resp, err := allowAll(ctx, ev)
		resp.PrincipalID = "user-\xff"
		resp.Context = map[string]any{"scopes": "echo:read \xfe", "admin": true}
		ev.Headers["X-Mutated"] = "by the authorizer"
		return resp, err
	}
	g := newGateway(c, withNumber, ok)
	req := httptest.NewRequest("GET", "/v1/keys/%FFkey?q%FE=v%FD&q%FF=w&empty=&r=1&r=2", nil)
	req.Header.Set("X-Bad", "va\xfflue")
	req.Header.Add("X-Two", "1")
	req.Header.Add("X-Two", "\xc3")
	if rec := serve(g, req); rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got := roundTrip(t, c.authEvent); !reflect.DeepEqual(c.authEvent, got) {
		t.Errorf("authorizer event differs from its JSON round trip:\n%+v\n%+v", c.authEvent, got)
	}
	if got := roundTrip(t, c.proxyEvent); !reflect.DeepEqual(c.proxyEvent, got) {
		t.Errorf("proxy event differs from its JSON round trip:\n%+v\n%+v", c.proxyEvent, got)
	}
	if v := c.proxyEvent.Headers["X-Bad"]; v != "va\uFFFDlue" {
		t.Errorf("proxy event header X-Bad = %q", v)
	}
	if _, ok := c.proxyEvent.Headers["X-Mutated"]; ok {
		t.Error("the authorizer's change to its event reached the function's")
	}
	if p := c.proxyEvent.PathParameters["keyId"]; p != "\uFFFDkey" {
		t.Errorf("keyId = %q", p)
	}
	if a := c.proxyEvent.RequestContext.Authorizer; a["principalId"] != "user-\uFFFD" || a["scopes"] != "echo:read \uFFFD" || a["admin"] != "true" {
		t.Errorf("authorizer context = %q", a)
	}
}
