package services_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate/tollgate/shared/local/services"
)

func TestLoadOrCreateAccessKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "dynamodb.key")
	first, err := services.LoadOrCreateAccessKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Fatalf("key folder mode %04o, want 0700", fi.Mode().Perm())
	}
	again, err := services.LoadOrCreateAccessKey(path)
	if err != nil || again != first {
		t.Fatalf("second load: %v; same key: %v", err, again == first)
	}
	if other := services.NewAccessKey(); other == first || len(other) != 32 {
		t.Fatalf("NewAccessKey gave %d characters, or the same key twice", len(other))
	}
}

func TestReadAccessKeyRefuses(t *testing.T) {
	cases := []struct {
		name    string
		content string
		mode    os.FileMode
	}{
		{"open to others", services.NewAccessKey(), 0o644},
		{"open to group", services.NewAccessKey(), 0o640},
		{"too short", "ABC123", 0o600},
		{"not alphanumeric", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-", 0o600},
		{"empty", "", 0o600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dynamodb.key")
			if err := os.WriteFile(path, []byte(c.content), c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil {
				t.Fatal(err)
			}
			_, err := services.LoadOrCreateAccessKey(path)
			if !errors.Is(err, services.ErrAccessKeyFile) {
				t.Fatalf("got %v, want ErrAccessKeyFile", err)
			}
		})
	}
}

func TestAdoptSharedDB(t *testing.T) {
	cases := []struct {
		name           string
		shared, own    bool
		wantOwnContent string
	}{
		{name: "moves the shared database", shared: true, wantOwnContent: "shared"},
		{name: "keeps the key's own database", shared: true, own: true, wantOwnContent: "own"},
		{name: "nothing to move", own: true, wantOwnContent: "own"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, key := t.TempDir(), services.NewAccessKey()
			own := filepath.Join(dir, key+"_us-east-1.db")
			write := func(name, content string) {
				if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if c.shared {
				write(filepath.Join(dir, "shared-local-instance.db"), "shared")
			}
			if c.own {
				write(own, "own")
			}
			if err := services.AdoptSharedDB(dir, key); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(own); string(b) != c.wantOwnContent {
				t.Fatalf("the key's database holds %q, want %q", b, c.wantOwnContent)
			}
		})
	}
}
