package stackbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Fixture is what the benchmark presents: an API key made by the admin
// for a user of its own, and a client of that user.
type Fixture struct {
	Key          string // the user's API key
	ClientID     string
	ClientSecret string
}

// Answer is one HTTP answer as recorded: status, headers and body.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// NewFixture creates, with the admin key, a user that may issue
// credentials, an API key for it, and (with that key) a client.
func NewFixture(ctx context.Context, c *http.Client, base, adminKey string) (Fixture, error) {
	var u struct {
		UserID string `json:"userId"`
	}
	if err := call(ctx, c, base+"/v1/users", adminKey, map[string]any{"username": "bench",
		"roles": []string{"credential-issuer"}, "scopes": []string{"credentials:read", "credentials:write", "echo:read"}}, &u); err != nil {
		return Fixture{}, err
	}
	var k struct {
		Key string `json:"key"`
	}
	if err := call(ctx, c, base+"/v1/keys", adminKey, map[string]any{"name": "bench", "owner": u.UserID}, &k); err != nil {
		return Fixture{}, err
	}
	var cl struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := call(ctx, c, base+"/v1/clients", k.Key, map[string]any{"name": "bench", "scopes": []string{"echo:read"}}, &cl); err != nil {
		return Fixture{}, err
	}
	return Fixture{Key: k.Key, ClientID: cl.ClientID, ClientSecret: cl.ClientSecret}, nil
}

// call POSTs body as JSON with key and decodes a 201 answer into out.
func call(ctx context.Context, c *http.Client, target, key string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	a, err := Fetch(c, req)
	if err != nil {
		return err
	}
	if a.Status != http.StatusCreated {
		return fmt.Errorf("POST %s: %d %s", target, a.Status, a.Body)
	}
	return json.Unmarshal(a.Body, out)
}

// Fetch sends req and records the answer.
func Fetch(c *http.Client, req *http.Request) (Answer, error) {
	resp, err := c.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, err
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// WhoamiRequest is GET /v1/whoami presenting key.
func WhoamiRequest(base, key string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/v1/whoami", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return req, nil
}

// TokenBody is the form of a client_credentials grant for f's client.
func (f Fixture) TokenBody() string {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {f.ClientID}, "client_secret": {f.ClientSecret}}.Encode()
}

// tokenHeader is the header of a token request's form body.
func tokenHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
}
