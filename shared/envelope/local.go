package envelope

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// ErrKeyFile reports a local key file that must not be used: wrong size,
// not a regular file, or readable or writable by group or others.
var ErrKeyFile = errors.New("envelope: unusable local key file")

// localSealer seals with one AES-256-GCM key and random 96-bit nonces
// (fine for a development store; stay well below 2^32 seals per key).
type localSealer struct{ aead cipher.AEAD }

// NewLocal returns a Sealer using AES-256-GCM under a 32-byte key.
func NewLocal(key []byte) (Sealer, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("envelope: local key must be %d bytes, got %d", keySize, len(key))
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	return &localSealer{aead: aead}, nil
}

func (s *localSealer) Seal(_ context.Context, plaintext []byte, aad string) ([]byte, error) {
	if err := checkSeal(plaintext, aad); err != nil {
		return nil, err
	}
	return seal(s.aead, []byte{versionLocal}, plaintext, aad)
}

func (s *localSealer) Open(_ context.Context, sealed []byte, aad string) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] != versionLocal || !validAAD(aad) {
		return nil, ErrOpen
	}
	return open(s.aead, sealed, 1, aad)
}

// LoadOrCreateLocalKey returns the 32-byte key kept in path, creating it
// from crypto/rand (file 0600, missing folders 0700) on first use.
func LoadOrCreateLocalKey(path string) ([]byte, error) {
	key, err := readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("envelope: creating the key folder: %w", err)
	}
	if err := createKey(path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return readKey(path) // ours, or the one a concurrent caller linked first
}

// readKey reads a key file, refusing one that is not exactly 32 bytes in a
// regular file closed to group and others.
func readKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("envelope: opening the local key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, fmt.Errorf("envelope: reading the local key: %w", err)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrKeyFile, path)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0:
		return nil, fmt.Errorf("%w: %s has mode %04o; it must be closed to group and others (chmod 600)", ErrKeyFile, path, fi.Mode().Perm())
	case fi.Size() != keySize:
		return nil, fmt.Errorf("%w: %s holds %d bytes, not %d", ErrKeyFile, path, fi.Size(), keySize)
	}
	key := make([]byte, keySize+1)
	n, err := io.ReadFull(f, key)
	if n != keySize || !errors.Is(err, io.ErrUnexpectedEOF) {
		clear(key)
		return nil, fmt.Errorf("%w: %s changed size while being read", ErrKeyFile, path)
	}
	return key[:keySize:keySize], nil
}

// createKey writes a new key to a private temporary file and links it into
// place, so no reader ever sees a partly written key and an existing key is
// never replaced (fs.ErrExist then).
func createKey(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tollgate-key-*") // mode 0600
	if err != nil {
		return fmt.Errorf("envelope: creating the local key: %w", err)
	}
	defer os.Remove(tmp.Name())
	key := make([]byte, keySize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		tmp.Close()
		return fmt.Errorf("envelope: reading random bits: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("envelope: creating the local key: %w", err)
	}
	_, err = tmp.Write(key)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("envelope: writing the local key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("envelope: creating the local key: %w", err)
	}
	return nil
}
