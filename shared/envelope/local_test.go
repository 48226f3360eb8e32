package envelope_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tollgate/tollgate/shared/envelope"
)

func TestLoadOrCreateLocalKey(t *testing.T) {
	defer setUmask(0)() // the file and folder modes must not rely on the umask
	dir := filepath.Join(t.TempDir(), "state", "nested")
	path := filepath.Join(dir, "envelope.key")
	key, err := envelope.LoadOrCreateLocalKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != 32 || bytes.Equal(key, make([]byte, 32)) {
		t.Fatalf("key = %x", key)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir, filepath.Dir(dir): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the key (no temporary file left)", len(entries))
	}
	again, err := envelope.LoadOrCreateLocalKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second load = %x, %v; want the same key", again, err)
	}
	other, err := envelope.LoadOrCreateLocalKey(filepath.Join(dir, "other.key"))
	if err != nil || bytes.Equal(other, key) {
		t.Fatalf("a second key file = %x, %v; want a different key", other, err)
	}
}

func TestLoadOrCreateLocalKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	keys := make([][]byte, 8)
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i], errs[i] = envelope.LoadOrCreateLocalKey(path) })
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("caller %d: %x, %v; want every caller to get the same key", i, keys[i], errs[i])
		}
	}
}

func TestLoadOrCreateLocalKeyRefuses(t *testing.T) {
	key32 := bytes.Repeat([]byte{7}, 32)
	cases := []struct {
		name  string
		setup func(path string) error
		want  error // nil: any error
	}{
		{"empty file", func(p string) error { return os.WriteFile(p, nil, 0o600) }, envelope.ErrKeyFile},
		{"short", func(p string) error { return os.WriteFile(p, key32[:31], 0o600) }, envelope.ErrKeyFile},
		{"long", func(p string) error { return os.WriteFile(p, append(key32, '\n'), 0o600) }, envelope.ErrKeyFile},
		{"group readable", writeMode(key32, 0o640), envelope.ErrKeyFile},
		{"group writable", writeMode(key32, 0o620), envelope.ErrKeyFile},
		{"other readable", writeMode(key32, 0o604), envelope.ErrKeyFile},
		{"world readable", writeMode(key32, 0o644), envelope.ErrKeyFile},
		{"a folder", func(p string) error { return os.Mkdir(p, 0o700) }, envelope.ErrKeyFile},
		{"unreadable", writeMode(key32, 0o000), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "unreadable" && os.Geteuid() == 0 {
				t.Skip("root reads any file")
			}
			path := filepath.Join(t.TempDir(), "k")
			if err := c.setup(path); err != nil {
				t.Fatal(err)
			}
			key, err := envelope.LoadOrCreateLocalKey(path)
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) || key != nil {
				t.Fatalf("LoadOrCreateLocalKey = %x, %v; want %v", key, err, c.want)
			}
			if bytes.Contains([]byte(err.Error()), key32[:4]) {
				t.Fatal("error carries key bytes")
			}
		})
	}
	t.Run("accepted at 0600 and 0400", func(t *testing.T) {
		for _, mode := range []os.FileMode{0o600, 0o400} {
			path := filepath.Join(t.TempDir(), "k")
			if err := writeMode(key32, mode)(path); err != nil {
				t.Fatal(err)
			}
			if key, err := envelope.LoadOrCreateLocalKey(path); err != nil || !bytes.Equal(key, key32) {
				t.Fatalf("mode %04o: %x, %v", mode, key, err)
			}
		}
	})
}

func writeMode(b []byte, mode os.FileMode) func(string) error {
	return func(p string) error {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
		return os.Chmod(p, mode)
	}
}

func ExampleNewLocal() {
	dir, err := os.MkdirTemp("", "tollgate-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	key, err := envelope.LoadOrCreateLocalKey(filepath.Join(dir, ".tollgate", "envelope.key"))
	if err != nil {
		panic(err)
	}
	sealer, err := envelope.NewLocal(key)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	blob, _ := sealer.Seal(ctx, []byte("hmac key"), "sas#user-1#primary")
	plain, _ := sealer.Open(ctx, blob, "sas#user-1#primary")
	_, err = sealer.Open(ctx, blob, "sas#user-2#primary")
	fmt.Println(string(plain), errors.Is(err, envelope.ErrOpen))
	// Output: hmac key true
}
