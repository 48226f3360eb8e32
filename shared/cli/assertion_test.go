package cli_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/cli"
	"github.com/tollgate/tollgate/shared/local/devstacktest"
)

// tlsStack serves a fresh local stack over HTTP and over HTTPS asking for
// client certificates, as `make run` does.
func tlsStack(t *testing.T) (httpURL, httpsURL, adminKey string) {
	t.Helper()
	s := devstacktest.Start(t)
	return s.URL, s.TLSURL, s.AdminKey
}

// clientCertFiles writes a self-signed, non-CA client certificate and its
// SEC1 key (mode keyMode) and returns the certificate's PEM and the paths.
func clientCertFiles(t *testing.T, keyMode os.FileMode) (certPEM, certFile, keyFile string) {
	t.Helper()
	c := devstacktest.ClientCert(t, "alice")
	der := c.DER
	keyDER, err := x509.MarshalECPrivateKey(c.Key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	certFile, keyFile = filepath.Join(dir, "alice.pem"), filepath.Join(dir, "alice.key")
	if err := os.WriteFile(certFile, []byte(certPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, keyMode); err != nil {
		t.Fatal(err)
	}
	return certPEM, certFile, keyFile
}

func TestLoginByPrivateKeyJWT(t *testing.T) {
	httpURL, httpsURL, admin := tlsStack(t)
	aliceID, _ := alice(t, httpURL, admin, `["certificates:read","certificates:write","echo:read"]`)
	certPEM, certFile, keyFile := clientCertFiles(t, 0o644)
	body, _ := json.Marshal(map[string]string{"certificate": certPEM})
	api(t, 201, "PUT", httpURL+"/v1/users/"+aliceID+"/certificate", admin, string(body)) // an admin binds without a proof

	tm := newTerm(t)
	login := []string{"login", "--api-url", httpsURL, "--issuer", httpURL, "--insecure-skip-verify",
		"--cert", certFile, "--key", keyFile, "--user", aliceID}
	if code, _, errs := tm.run("", login[:len(login)-2]...); code != cli.ExitUsage || !strings.Contains(errs, "go together") {
		t.Fatalf("without --user: %d %s", code, errs)
	}
	_, errs := tm.ok("", login...)
	if !strings.Contains(errs, "insecure-skip-verify") || !strings.Contains(errs, "can be read by other users") {
		t.Fatalf("login warnings = %q", errs)
	}
	p1 := tm.profile("default")
	if p1.Kind != cli.KindAssertion || p1.CertFile != certFile || p1.KeyFile != keyFile || p1.UserID != aliceID ||
		p1.Issuer != httpURL || !p1.InsecureSkipVerify || p1.AccessToken == "" {
		t.Fatalf("profile: %+v", p1)
	}
	if raw, _ := os.ReadFile(tm.config); strings.Contains(string(raw), "PRIVATE KEY") || strings.Contains(string(raw), "CERTIFICATE") {
		t.Fatal("the config holds the PEM contents, not the paths")
	}
	if err := os.Chmod(keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	who, errs := tm.ok("", "whoami", "--output", "json")
	var m map[string]any
	_ = json.Unmarshal([]byte(who), &m)
	if m["principalId"] != aliceID || m["credentialType"] != "access_token" || errs != "" {
		t.Fatalf("whoami = %v (stderr %q)", m, errs)
	}
	if p := tm.profile("default"); p.AccessToken != p1.AccessToken {
		t.Fatal("renewed too early")
	}

	// Within the renewal window every call signs a fresh assertion (a
	// replayed one would be refused) and gets a new bound token.
	tm.renew = 2 * time.Hour
	before := p1.AccessToken
	for range 2 {
		if m := tm.jsonOf("whoami"); m["principalId"] != aliceID || m["credentialType"] != "access_token" {
			t.Fatalf("whoami after renewal = %v", m)
		}
		after := tm.profile("default").AccessToken
		if after == before || after == "" {
			t.Fatal("access token not renewed")
		}
		before = after
	}

	// The token is bound: without the certificate (plain HTTP) it is refused.
	if code := bearer(t, httpURL, before); code != 401 {
		t.Fatalf("bound token without its certificate: %d", code)
	}
}
