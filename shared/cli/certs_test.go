package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/local/devstacktest"
)

// selfSigned makes a self-signed, non-CA P-256 certificate and its key.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	c := devstacktest.ClientCert(t, "alice-cli-test")
	return []byte(c.PEM), c.KeyPEM(t)
}

func TestCerts(t *testing.T) {
	_, _, aliceID, tm := aliceLoggedIn(t, `["credentials:read","credentials:write","certificates:read","certificates:write","echo:read"]`)
	certPEM, keyPEM := selfSigned(t)
	dir := t.TempDir()
	certFile, bothFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "both.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bothFile, append(append([]byte{}, certPEM...), keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}

	// A file with a private key is refused before anything is sent.
	code, _, errs := tm.run("", "certs", "upload", "--user", aliceID, "--file", bothFile)
	if code != 1 || !strings.Contains(errs, "private key") || strings.Contains(errs, "HTTP") {
		t.Fatalf("private key: %d %q", code, errs)
	}
	if code, _, errs := tm.run(string(keyPEM), "certs", "upload", "--user", aliceID, "--file", "-"); code != 1 || !strings.Contains(errs, "private key") {
		t.Fatalf("private key on stdin: %d %q", code, errs)
	}
	if code, _, _ := tm.run("", "certs", "show", "--user", aliceID); code != 1 {
		t.Fatal("a certificate was bound after a refusal")
	}

	// A non-admin proves possession of the key: without --key, 400 naming proof.
	if code, _, errs := tm.run("", "certs", "upload", "--user", aliceID, "--file", certFile); code != 1 || !strings.Contains(errs, "proof") {
		t.Fatalf("upload without --key: %d %q", code, errs)
	}
	if code, _, errs := tm.run(string(certPEM), "certs", "upload", "--user", aliceID, "--file", "-", "--key", keyFile); code != 2 {
		t.Fatalf("--key with stdin: %d %q", code, errs)
	}
	out, _ := tm.ok("", "certs", "upload", "--user", aliceID, "--file", certFile, "--key", keyFile)
	if !strings.Contains(out, "thumbprint") || !strings.Contains(out, "alice-cli-test") {
		t.Fatalf("upload = %q", out)
	}
	shown := tm.jsonOf("certs", "show", "--user", aliceID)
	if !strings.Contains(shown["subject"].(string), "alice-cli-test") || len(shown["thumbprint"].(string)) != 64 {
		t.Fatalf("show = %v", shown)
	}
	if out, _ := tm.ok("", "certs", "revoke", "--user", aliceID); !strings.Contains(out, "Revoked") {
		t.Fatalf("revoke = %q", out)
	}
	if code, _, errs := tm.run("", "certs", "show", "--user", aliceID); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("show after revoke: %d %q", code, errs)
	}
	// From stdin, once revoked.
	if m := tm.jsonOf("certs", "upload", "--user", aliceID, "--file", certFile, "--key", keyFile); m["thumbprint"] != shown["thumbprint"] {
		t.Fatalf("upload again = %v", m)
	}
	for _, a := range [][]string{{"certs", "upload", "--file", certFile}, {"certs", "upload", "--user", aliceID}, {"certs", "show"}} {
		if code, _, _ := tm.run("", a...); code != 2 {
			t.Errorf("tollgate %v: exit %d, want 2", a, code)
		}
	}
}
