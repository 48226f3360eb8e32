package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/cli"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstacktest"
	"github.com/tollgate/tollgate/shared/local/localtest"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// stack serves a fresh local stack over real HTTP and returns its URL and
// bootstrap admin key.
func stack(t *testing.T, settings ...func(*config.Config)) (url, adminKey string) {
	t.Helper()
	s := devstacktest.Start(t, settings...)
	return s.URL, s.AdminKey
}

// api calls the API directly (setup), wanting status.
func api(t *testing.T, status int, method, url, key, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("x-api-key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d (%v)", method, url, resp.StatusCode, status, m)
	}
	return m
}

// term runs the CLI against one config file.
type term struct {
	t      *testing.T
	config string
	env    map[string]string
	now    func() time.Time
	renew  time.Duration
}

func newTerm(t *testing.T) *term {
	return &term{t: t, config: filepath.Join(t.TempDir(), "tollgate", "config.json"), env: map[string]string{}}
}

// run runs the CLI with stdin and returns its exit code and output.
func (tm *term) run(stdin string, args ...string) (code int, stdout, stderr string) {
	tm.t.Helper()
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Now: tm.now, RenewBefore: tm.renew,
		Getenv: func(k string) string {
			if k == cli.EnvConfig {
				return tm.config
			}
			return tm.env[k]
		}}
	code = cli.Run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// ok runs the CLI, wanting exit code 0.
func (tm *term) ok(stdin string, args ...string) (stdout, stderr string) {
	tm.t.Helper()
	code, out, errs := tm.run(stdin, args...)
	if code != 0 {
		tm.t.Fatalf("tollgate %v: exit %d\nstdout: %s\nstderr: %s", args, code, out, errs)
	}
	return out, errs
}

// jsonOf runs the CLI with --output json and decodes the object printed.
func (tm *term) jsonOf(args ...string) map[string]any {
	tm.t.Helper()
	out, _ := tm.ok("", append(args, "--output", "json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		tm.t.Fatalf("tollgate %v: %v in %q", args, err, out)
	}
	return m
}

// jsonList runs the CLI with --output json and decodes the array printed.
func (tm *term) jsonList(args ...string) []map[string]any {
	tm.t.Helper()
	out, _ := tm.ok("", append(args, "--output", "json")...)
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		tm.t.Fatalf("tollgate %v: %v in %q", args, err, out)
	}
	return items
}

func (tm *term) profile(name string) cli.Profile {
	tm.t.Helper()
	cfg, err := cli.LoadConfig(tm.config)
	if err != nil {
		tm.t.Fatal(err)
	}
	p, ok := cfg.Profiles[name]
	if !ok {
		tm.t.Fatalf("no profile %q", name)
	}
	return *p
}

// issuerScopes are the scopes of a user who manages her own credentials.
const issuerScopes = `["credentials:read","credentials:write","echo:read"]`

// issuer creates a credential-issuing user with an API key.
func issuer(t *testing.T, url, admin, username, scopes string) (userID, key string) {
	u := api(t, 201, "POST", url+"/v1/users", admin, `{"username":"`+username+`","roles":["credential-issuer"],"scopes":`+scopes+`}`)
	k := api(t, 201, "POST", url+"/v1/keys", admin, `{"name":"`+username+`","owner":"`+u["userId"].(string)+`"}`)
	return u["userId"].(string), k["key"].(string)
}

// alice is the credential-issuing user most tests act as.
func alice(t *testing.T, url, admin, scopes string) (userID, key string) {
	return issuer(t, url, admin, "alice", scopes)
}

// aliceLoggedIn serves a fresh stack with alice (given scopes) and returns
// its URL and admin key, her id and a terminal logged in with her API key.
func aliceLoggedIn(t *testing.T, scopes string) (url, admin, aliceID string, tm *term) {
	url, admin = stack(t)
	aliceID, key := alice(t, url, admin, scopes)
	return url, admin, aliceID, loggedIn(t, url, key)
}

// loggedIn returns a terminal logged in with the API key key.
func loggedIn(t *testing.T, url, key string) *term {
	tm := newTerm(t)
	tm.ok(key+"\n", "login", "--api-url", url, "--token", "-")
	return tm
}

// whoamiStatus calls whoami with one header and returns the status.
func whoamiStatus(t *testing.T, url, header, value string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v1/whoami", nil)
	req.Header.Set(header, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// bearer calls whoami with a bearer token and returns the status.
func bearer(t *testing.T, url, token string) int {
	t.Helper()
	return whoamiStatus(t, url, "Authorization", "Bearer "+token)
}

// exchange spends a refresh token directly and returns its successor.
func exchange(t *testing.T, url, rt string) string {
	t.Helper()
	resp, err := http.PostForm(url+"/oauth/token", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	if resp.StatusCode != 200 {
		t.Fatalf("exchange: %d %v", resp.StatusCode, m)
	}
	return m["refresh_token"].(string)
}
