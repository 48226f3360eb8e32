package services

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrAccessKeyFile reports an access key file that is open to others or
// does not hold an access key.
var ErrAccessKeyFile = errors.New("bad DynamoDB Local access key file")

// accessKeyLen is the length of NewAccessKey's keys.
const accessKeyLen = 32

// NewAccessKey returns a fresh random DynamoDB Local access key: 160 bits
// from crypto/rand as 32 upper-case letters and digits (DynamoDB Local
// accepts only letters and digits).
func NewAccessKey() string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base32.StdEncoding.EncodeToString(b[:])[:accessKeyLen]
}

// LoadOrCreateAccessKey returns the access key kept in path, first writing
// a new one there (mode 0600, its folder 0700) when there is none. It
// refuses a file open to group or others.
func LoadOrCreateAccessKey(path string) (string, error) {
	key, err := ReadAccessKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating the DynamoDB Local access key folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return ReadAccessKey(path) // a concurrent start wrote it first
	}
	if err != nil {
		return "", fmt.Errorf("creating the DynamoDB Local access key: %w", err)
	}
	key = NewAccessKey()
	_, err = f.WriteString(key + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("writing the DynamoDB Local access key: %w", err)
	}
	return key, nil
}

// ReadAccessKey reads an access key file, refusing one open to group or
// others or holding anything but letters and digits.
func ReadAccessKey(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("reading the DynamoDB Local access key: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o; it must be closed to group and others (chmod 600)", ErrAccessKeyFile, path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the DynamoDB Local access key: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if len(key) < accessKeyLen || strings.IndexFunc(key, notAlphanumeric) >= 0 {
		return "", fmt.Errorf("%w: %s must hold at least %d letters and digits", ErrAccessKeyFile, path, accessKeyLen)
	}
	return key, nil
}

func notAlphanumeric(r rune) bool {
	return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
}
