package devstack_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstacktest"
	"github.com/tollgate/tollgate/shared/sas"
)

// tlsStack serves a fresh local stack over HTTP and over HTTPS asking for
// client certificates, as `make run` does.
func tlsStack(t *testing.T) (httpURL, httpsURL, adminKey string) {
	t.Helper()
	s := devstacktest.Start(t, func(c *config.Config) { c.RefreshGrace = testGrace })
	return s.URL, s.TLSURL, s.AdminKey
}

// userCert makes a self-signed client certificate and its key.
func userCert(t *testing.T) (tls.Certificate, *ecdsa.PrivateKey, string) {
	t.Helper()
	c := devstacktest.ClientCert(t, "alice")
	return c.TLS, c.Key, c.PEM
}

// httpsClient presents cert (if any) and trusts the stack's self-signed server.
func httpsClient(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the local stack's self-signed server certificate
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

func status(t *testing.T, c *http.Client, url, auth string) (int, map[string]any) {
	t.Helper()
	return send(t, c, "GET", url, auth, "")
}

// send makes one request with c and decodes its JSON answer.
func send(t *testing.T, c *http.Client, method, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if name, value, ok := strings.Cut(auth, ": "); ok {
		req.Header.Set(name, value)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// assertionFor is a private_key_jwt client assertion signed with key.
func assertionFor(key *ecdsa.PrivateKey, der []byte, sub, aud, jti string) string {
	sum := sha256.Sum256(der)
	b64 := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "x5t#S256": b64.EncodeToString(sum[:])})
	c, _ := json.Marshal(map[string]any{"iss": sub, "sub": sub, "aud": aud, "jti": jti, "exp": time.Now().Add(2 * time.Minute).Unix(), "iat": time.Now().Unix()})
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	r, s, _ := ecdsa.Sign(rand.Reader, key, digest[:])
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	return input + "." + b64.EncodeToString(sig)
}

func TestMutualTLSAndPrivateKeyJWT(t *testing.T) {
	httpURL, httpsURL, admin := tlsStack(t)
	c := client{t, httpURL}
	u := c.want(201, "POST", "/v1/users", "x-api-key: "+admin,
		`{"username":"alice","roles":["credential-issuer"],"scopes":["certificates:read","certificates:write","echo:read"]}`)
	aliceID := u["userId"].(string)
	key := c.want(201, "POST", "/v1/keys", "x-api-key: "+admin, `{"name":"alice","owner":"`+aliceID+`"}`)["key"].(string)
	cert, certKey, certPEM := userCert(t)

	body, _ := json.Marshal(map[string]string{"certificate": certPEM})
	// A non-admin proves it holds the key: not without proof, over mutual
	// TLS with another certificate, but over mutual TLS with that one.
	if got := c.want(400, "PUT", "/v1/users/"+aliceID+"/certificate", "x-api-key: "+key, string(body)); !strings.HasPrefix(got["detail"].(string), "proof") {
		t.Fatalf("without proof: %v", got)
	}
	other, _, _ := userCert(t)
	if code, got := send(t, httpsClient(&other), "PUT", httpsURL+"/v1/users/"+aliceID+"/certificate", "x-api-key: "+key, string(body)); code != 400 {
		t.Fatalf("over mutual TLS with another certificate: %d %v", code, got)
	}
	code, bound := send(t, httpsClient(&cert), "PUT", httpsURL+"/v1/users/"+aliceID+"/certificate", "x-api-key: "+key, string(body))
	sum := sha256.Sum256(cert.Certificate[0])
	if code != 201 || bound["thumbprint"] != strings.ToUpper(hexString(sum[:])) {
		t.Fatalf("bound over mutual TLS: %d %v", code, bound)
	}
	if code, got := send(t, httpsClient(&cert), "PUT", httpsURL+"/v1/users/"+aliceID+"/certificate", "x-api-key: "+key, string(body)); code != 409 {
		t.Fatalf("bound again: %d %v", code, got)
	}
	c.want(200, "GET", "/v1/users/"+aliceID+"/certificate", "x-api-key: "+key, "")

	// Mutual TLS alone authenticates.
	if code, who := status(t, httpsClient(&cert), httpsURL+"/v1/whoami", ""); code != 200 || who["credentialType"] != "certificate" || who["principalId"] != aliceID {
		t.Fatalf("mTLS whoami: %d %v", code, who)
	}
	if code, _ := status(t, httpsClient(nil), httpsURL+"/v1/whoami", ""); code != 401 {
		t.Fatalf("no certificate: %d", code)
	}
	if code, _ := status(t, httpsClient(&other), httpsURL+"/v1/whoami", ""); code != 401 {
		t.Fatalf("unbound certificate: %d", code)
	}

	// curl, a real TLS client, with --cert and --key.
	if curl, err := exec.LookPath("curl"); err == nil {
		dir := t.TempDir()
		keyDER, _ := x509.MarshalPKCS8PrivateKey(certKey)
		_ = os.WriteFile(filepath.Join(dir, "user.pem"), []byte(certPEM), 0o600)
		_ = os.WriteFile(filepath.Join(dir, "user.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
		out, err := exec.Command(curl, "-sk", "--cert", filepath.Join(dir, "user.pem"), "--key", filepath.Join(dir, "user.key"),
			httpsURL+"/v1/whoami").CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"credentialType":"certificate"`) {
			t.Fatalf("curl --cert: %v %s", err, out)
		}
	}

	// private_key_jwt: a certificate-bound access token.
	assertion := assertionFor(certKey, cert.Certificate[0], aliceID, httpURL+"/oauth/token", "j-1")
	form := map[string][]string{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {assertion}}
	code, tok, _ := c.form("/oauth/token", "", form)
	if code != 200 {
		t.Fatalf("private_key_jwt: %d %v", code, tok)
	}
	at := tok["access_token"].(string)
	if code, _, _ := c.form("/oauth/token", "", form); code != 401 {
		t.Fatalf("replayed assertion: %d", code)
	}
	c.want(401, "GET", "/v1/whoami", "Authorization: Bearer "+at, "") // bound: not without its certificate
	if code, who := status(t, httpsClient(&other), httpsURL+"/v1/whoami", "Authorization: Bearer "+at); code != 401 {
		t.Fatalf("bound token with another certificate: %d %v", code, who)
	}
	if code, who := status(t, httpsClient(&cert), httpsURL+"/v1/whoami", "Authorization: Bearer "+at); code != 200 || who["credentialType"] != "access_token" {
		t.Fatalf("bound token with its certificate: %d %v", code, who)
	}

	// Revoking the certificate stops mutual TLS, bound tokens and assertions.
	c.want(204, "DELETE", "/v1/users/"+aliceID+"/certificate", "x-api-key: "+key, "")
	c.want(404, "GET", "/v1/users/"+aliceID+"/certificate", "x-api-key: "+key, "")
	if code, _ := status(t, httpsClient(&cert), httpsURL+"/v1/whoami", ""); code != 401 {
		t.Fatalf("revoked certificate over mTLS: %d", code)
	}
	if code, _ := status(t, httpsClient(&cert), httpsURL+"/v1/whoami", "Authorization: Bearer "+at); code != 401 {
		t.Fatalf("bound token after revocation: %d", code)
	}
	form["client_assertion"] = []string{assertionFor(certKey, cert.Certificate[0], aliceID, httpURL+"/oauth/token", "j-2")}
	if code, _, _ := c.form("/oauth/token", "", form); code != 401 {
		t.Fatalf("assertion after revocation: %d", code)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

func TestSharedAccessSignatures(t *testing.T) {
	url, admin, _ := stack(t)
	c := client{t, url}
	u := c.want(201, "POST", "/v1/users", "x-api-key: "+admin,
		`{"username":"sam","roles":["credential-issuer"],"scopes":["sas:read","sas:write","echo:read"]}`)
	key := c.want(201, "POST", "/v1/keys", "x-api-key: "+admin, `{"name":"sam","owner":"`+u["userId"].(string)+`"}`)["key"].(string)
	auth := "x-api-key: " + key

	status, creds, h := c.do("GET", "/v1/sas", auth, "")
	if status != 200 || h.Get("Cache-Control") != "no-store" || creds["enabled"] != true {
		t.Fatalf("GET /v1/sas: %d %v %v", status, creds, h)
	}
	again := c.want(200, "GET", "/v1/sas", auth, "")
	if again["identifier"] != creds["identifier"] || again["primaryKey"] != creds["primaryKey"] {
		t.Fatal("a second GET made a second credential")
	}
	expiry := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
	tokenFor := func(k, ex string) string {
		return c.want(200, "POST", "/v1/sas/token", auth, `{"expiry":"`+ex+`","key":"`+k+`"}`)["token"].(string)
	}
	primary := tokenFor("primary", expiry.Format(time.RFC3339))
	secondary := tokenFor("secondary", expiry.Format("01/02/2006 3:04 PM"))
	// The token is exactly what Azure's recipe gives with the key.
	if want := sas.Sign(creds["identifier"].(string), creds["primaryKey"].(string), expiry); primary != want {
		t.Fatalf("token %q, want %q", primary, want)
	}
	for _, tok := range []string{primary, secondary} {
		who := c.want(200, "GET", "/v1/whoami", "Authorization: "+tok, "")
		if who["credentialType"] != "sas" || who["credentialId"] != creds["identifier"] {
			t.Fatalf("whoami = %v", who)
		}
	}
	expired := sas.Sign(creds["identifier"].(string), creds["primaryKey"].(string), time.Now().Add(-time.Minute))
	c.want(401, "GET", "/v1/whoami", "Authorization: "+expired, "")
	if strings.Contains(primary, "+") { // a "+" a URL decoder turned into a space
		c.want(401, "GET", "/v1/whoami", "Authorization: "+strings.Replace(primary, "+", " ", 1), "")
	}

	// Regenerating one key kills its tokens; the other key's still work.
	c.want(200, "POST", "/v1/sas/regenerate", auth, `{"key":"primary"}`)
	c.want(401, "GET", "/v1/whoami", "Authorization: "+primary, "")
	c.want(200, "GET", "/v1/whoami", "Authorization: "+secondary, "")
	// Disabling rejects every token of the credential.
	if m := c.want(200, "PATCH", "/v1/sas", auth, `{"enabled":false}`); m["enabled"] != false || m["primaryKey"] != nil {
		t.Fatalf("PATCH answered %v", m)
	}
	c.want(401, "GET", "/v1/whoami", "Authorization: "+secondary, "")
	c.want(200, "PATCH", "/v1/sas", auth, `{"enabled":true}`)
	c.want(200, "GET", "/v1/whoami", "Authorization: "+secondary, "")
	c.want(400, "POST", "/v1/sas/token", auth, `{"expiry":"tomorrow","key":"primary"}`)
	c.want(400, "POST", "/v1/sas/token", auth, `{"expiry":"`+expiry.Format(time.RFC3339)+`","key":"tertiary"}`)
}

// TestCertificateFlowScript runs the README's certificate walk-through
// (examples/certificate-flow.sh: openssl, curl) against a stack.
func TestCertificateFlowScript(t *testing.T) {
	for _, tool := range []string{"bash", "openssl", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	httpURL, httpsURL, admin := tlsStack(t)
	c := client{t, httpURL}
	u := c.want(201, "POST", "/v1/users", "x-api-key: "+admin,
		`{"username":"pat","roles":["credential-issuer"],"scopes":["certificates:read","certificates:write"]}`)
	key := c.want(201, "POST", "/v1/keys", "x-api-key: "+admin, `{"name":"pat","owner":"`+u["userId"].(string)+`"}`)["key"].(string)
	script, _ := filepath.Abs("../../../examples/certificate-flow.sh")
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "TOLLGATE_URL="+httpURL, "TOLLGATE_TLS_URL="+httpsURL, "KEY="+key, "USER_ID="+u["userId"].(string))
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), `"credentialType"`) != 2 {
		t.Fatalf("the walk-through failed: %v\n%s", err, out)
	}
}
