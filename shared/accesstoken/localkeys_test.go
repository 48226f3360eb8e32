package accesstoken

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoadOrCreateLocalKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys", "jwt")
	signer, ring, err := LoadOrCreateLocalKeys(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %04o, want 0700", st.Mode().Perm())
	}
	files := keyFiles(t, dir)
	if len(files) != 1 || files[0] != "000001.pem" {
		t.Fatalf("files = %v", files)
	}
	fst, err := os.Stat(filepath.Join(dir, files[0]))
	if err != nil {
		t.Fatal(err)
	}
	if fst.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fst.Mode().Perm())
	}
	if !fst.ModTime().Equal(testNow) {
		t.Errorf("key file time %v, want %v", fst.ModTime(), testNow)
	}
	data, _ := os.ReadFile(filepath.Join(dir, files[0]))
	if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("key file is not a PKCS#8 PEM: %.30q", data)
	}
	if ids := ring.KeyIDs(); len(ids) != 1 || ids[0] != signer.KeyID() {
		t.Fatalf("ring %v, signer %s", ids, signer.KeyID())
	}

	// Second call: the same key.
	again, ring2, err := LoadOrCreateLocalKeys(dir, testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.KeyID() != signer.KeyID() || len(ring2.KeyIDs()) != 1 || len(keyFiles(t, dir)) != 1 {
		t.Fatal("second load did not reuse the key")
	}

	// Rotation: the new key signs, the old one still verifies.
	oldTok := issue(t, signer, validClaims())
	if err := RotateLocalKey(dir, testNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	newSigner, newRing, err := LoadOrCreateLocalKeys(dir, testNow.Add(25*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if newSigner.KeyID() == signer.KeyID() {
		t.Fatal("rotation did not change the signer")
	}
	if ids := newRing.KeyIDs(); len(ids) != 2 || ids[0] != newSigner.KeyID() || ids[1] != signer.KeyID() {
		t.Fatalf("ring after rotation %v", ids)
	}
	v := newVerifier(newRing)
	for name, tok := range map[string]string{"old": oldTok, "new": issue(t, newSigner, validClaims())} {
		if _, err := v.Verify(tok); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}
	// Rotating with a clock that went backwards still makes a newer key.
	if err := RotateLocalKey(dir, testNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	third, _, err := LoadOrCreateLocalKeys(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if third.KeyID() == newSigner.KeyID() || third.KeyID() == signer.KeyID() {
		t.Fatal("second rotation did not make a new signer")
	}
	// Deleting the old file retires the old key.
	if err := os.Remove(filepath.Join(dir, files[0])); err != nil {
		t.Fatal(err)
	}
	_, ring3, err := LoadOrCreateLocalKeys(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	v.Keys = ring3
	if _, err := v.Verify(oldTok); err == nil {
		t.Fatal("token of a deleted key still verifies")
	}
}

func keyFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestLocalKeysRefuse(t *testing.T) {
	writeKeyDir := func(t *testing.T) string {
		dir := t.TempDir()
		if _, _, err := LoadOrCreateLocalKeys(dir, testNow); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	first := "000001.pem"
	cases := []struct {
		name string
		edit func(t *testing.T, dir string)
	}{
		{"group-readable key", func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, first), 0o640); err != nil {
				t.Fatal(err)
			}
		}},
		{"not PEM", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "000002.pem"), []byte("hello"), 0o600)
		}},
		{"RSA-like block", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "000002.pem"), []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"), 0o600)
		}},
		{"data after the block", func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, first))
			os.WriteFile(filepath.Join(dir, "000002.pem"), append(data, "junk"...), 0o600)
		}},
		{"name without sequence", func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, first))
			os.WriteFile(filepath.Join(dir, "key-1.pem"), data, 0o600)
		}},
		{"same sequence twice", func(t *testing.T, dir string) {
			data, _ := os.ReadFile(filepath.Join(dir, first))
			os.WriteFile(filepath.Join(dir, "0000001.pem"), data, 0o600)
		}},
		{"folder is a file", func(t *testing.T, dir string) {
			os.RemoveAll(dir)
			os.WriteFile(dir, nil, 0o600)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeKeyDir(t)
			c.edit(t, dir)
			if _, _, err := LoadOrCreateLocalKeys(dir, testNow); err == nil {
				t.Fatal("LoadOrCreateLocalKeys accepted")
			}
		})
	}
	t.Run("ignores dot files and other extensions", func(t *testing.T) {
		dir := writeKeyDir(t)
		os.WriteFile(filepath.Join(dir, ".key-123.tmp"), []byte("partial"), 0o600)
		os.WriteFile(filepath.Join(dir, "README"), []byte("keys"), 0o644)
		if _, ring, err := LoadOrCreateLocalKeys(dir, testNow); err != nil || len(ring.KeyIDs()) != 1 {
			t.Fatalf("ring %v, %v", ring, err)
		}
	})
}

// Concurrent first starts and rotations never lose or overwrite a key.
func TestLocalKeysConcurrent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	var wg sync.WaitGroup
	kids := make([]string, 8)
	for i := range kids {
		wg.Go(func() {
			s, _, err := LoadOrCreateLocalKeys(dir, testNow)
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = s.KeyID()
		})
	}
	wg.Wait()
	for _, kid := range kids {
		if kid != kids[0] {
			t.Fatalf("concurrent first starts got different keys: %v", kids)
		}
	}
	for i := range 4 {
		wg.Go(func() {
			if err := RotateLocalKey(dir, testNow.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	_, ring, err := LoadOrCreateLocalKeys(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	// One first key and four rotations, each in its own file.
	if n := len(ring.KeyIDs()); n != 5 || n != len(keyFiles(t, dir)) {
		t.Fatalf("%d keys in the ring, %d files", n, len(keyFiles(t, dir)))
	}
}
