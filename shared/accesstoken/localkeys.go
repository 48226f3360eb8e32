package accesstoken

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Local key files: <dir>/<sequence, 6 to 9 digits>.pem, one PKCS#8
// "PRIVATE KEY" PEM block each, mode 0600, modified time = creation time. The
// highest sequence signs; all verify. The name is only the sequence so that
// two concurrent writers cannot both take it. Files whose names start with
// "." (in-progress writes) or do not end in .pem are ignored.

const (
	keyFileMode  = 0o600
	keyDirMode   = 0o700
	maxKeyFile   = 16 << 10
	keyFileExt   = ".pem"
	seqDigits    = 6
	createTrials = 5
)

type localKey struct {
	seq  int
	name string
	key  *ecdsa.PrivateKey
}

// LoadOrCreateLocalKeys loads the local signing keys in dir, creating dir
// (0700) and a first key if there is none; the newest key signs and all of
// them verify, newest first.
func LoadOrCreateLocalKeys(dir string, now time.Time) (Signer, *Keyring, error) {
	if err := os.MkdirAll(dir, keyDirMode); err != nil {
		return nil, nil, fmt.Errorf("accesstoken: key folder: %w", err)
	}
	keys, err := readLocalKeys(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		// Only the first key: a concurrent start that wrote it first wins.
		if err := addLocalKey(dir, now, true); err != nil {
			return nil, nil, err
		}
		if keys, err = readLocalKeys(dir); err != nil {
			return nil, nil, err
		}
		if len(keys) == 0 {
			return nil, nil, errors.New("accesstoken: no local key after creating one")
		}
	}
	pubs := make([]*ecdsa.PublicKey, len(keys))
	for i, k := range keys {
		pubs[i] = &k.key.PublicKey
	}
	return NewLocalSigner(keys[0].key), NewKeyring(pubs...), nil
}

// RotateLocalKey adds a new newest key to dir; the older keys keep verifying
// until their files are deleted.
func RotateLocalKey(dir string, now time.Time) error {
	if err := os.MkdirAll(dir, keyDirMode); err != nil {
		return fmt.Errorf("accesstoken: key folder: %w", err)
	}
	return addLocalKey(dir, now, false)
}

// addLocalKey writes a new key under the next sequence number (only number 1
// if first, and then an existing key 1 is success); the file appears complete
// or not at all, and never replaces another.
func addLocalKey(dir string, now time.Time, first bool) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("accesstoken: generating key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("accesstoken: encoding key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})

	tmp, err := os.CreateTemp(dir, ".key-*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("accesstoken: writing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(keyFileMode); err != nil {
		tmp.Close()
		return fmt.Errorf("accesstoken: writing key: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("accesstoken: writing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("accesstoken: writing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("accesstoken: writing key: %w", err)
	}
	if err := os.Chtimes(tmp.Name(), now, now); err != nil {
		return fmt.Errorf("accesstoken: writing key: %w", err)
	}
	for range createTrials {
		keys, err := readLocalKeys(dir)
		if err != nil {
			return err
		}
		seq := 1
		if len(keys) > 0 && !first {
			seq = keys[0].seq + 1
		}
		name := fmt.Sprintf("%0*d%s", seqDigits, seq, keyFileExt)
		// Link fails if the name exists: a concurrent writer took this sequence.
		err = os.Link(tmp.Name(), filepath.Join(dir, name))
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("accesstoken: writing key: %w", err)
		}
		if first {
			return nil
		}
	}
	return errors.New("accesstoken: writing key: too many concurrent writers")
}

// readLocalKeys returns the keys in dir, newest (highest sequence) first.
func readLocalKeys(dir string) ([]localKey, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: key folder: %w", err)
	}
	var keys []localKey
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, keyFileExt) {
			continue
		}
		seq, ok := keySeq(name)
		if !ok {
			return nil, fmt.Errorf("accesstoken: key file %q: name is not <sequence>.pem", name)
		}
		key, err := readLocalKey(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("accesstoken: key file %q: %w", name, err)
		}
		keys = append(keys, localKey{seq: seq, name: name, key: key})
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].seq > keys[j].seq })
	for i := 1; i < len(keys); i++ {
		if keys[i].seq == keys[i-1].seq {
			return nil, fmt.Errorf("accesstoken: key files %q and %q share a sequence number", keys[i-1].name, keys[i].name)
		}
	}
	return keys, nil
}

// keySeq reads the sequence number that names a key file.
func keySeq(name string) (int, bool) {
	digits := strings.TrimSuffix(name, keyFileExt)
	if len(digits) < seqDigits || len(digits) > 9 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n > 0
}

// readLocalKey reads one key file, refusing files others may read.
func readLocalKey(path string) (*ecdsa.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("mode %04o: others may read it (want 0600)", st.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFile {
		return nil, errors.New("too large")
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" || len(block.Headers) != 0 {
		return nil, errors.New("not a PKCS#8 PRIVATE KEY PEM block")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("data after the PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("not a PKCS#8 private key")
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return key, nil
}
