package envelope

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Sealer encrypts and decrypts small values, binding them to a context (AAD).
type Sealer interface {
	// Seal encrypts plaintext bound to aad, a non-empty UTF-8 string naming
	// where the value belongs (for example "sas#<userId>#primary").
	Seal(ctx context.Context, plaintext []byte, aad string) ([]byte, error)
	// Open decrypts what Seal returned for the same aad; ErrOpen otherwise.
	Open(ctx context.Context, sealed []byte, aad string) ([]byte, error)
}

// MaxPlaintext is the largest value Seal accepts.
const MaxPlaintext = 64 << 10

// Errors returned by the sealers.
var (
	// ErrOpen reports that a sealed value cannot be opened: wrong key, wrong
	// aad, tampered, truncated or of an unknown version. It says no more.
	ErrOpen = errors.New("envelope: cannot open sealed value")
	// ErrAAD reports an empty aad, or one that is not UTF-8, given to Seal.
	ErrAAD = errors.New("envelope: aad must be a non-empty UTF-8 string")
	// ErrTooLarge reports a plaintext longer than MaxPlaintext given to Seal.
	ErrTooLarge = errors.New("envelope: plaintext too large")
)

// Blob layout: a version byte naming the sealer, a header, then the GCM
// nonce and ciphertext. GCM authenticates the header followed by aad, so
// neither the version nor the wrapped data key can be swapped.
//
//	local: 0x01 | nonce (12) | ciphertext+tag
//	kms:   0x02 | len(edk) (uint16, big-endian) | edk | nonce (12) | ciphertext+tag
const (
	versionLocal byte = 0x01
	versionKMS   byte = 0x02
)

const (
	keySize   = 32 // AES-256
	nonceSize = 12 // 96-bit GCM nonce
	tagSize   = 16
)

// checkSeal validates Seal's arguments.
func checkSeal(plaintext []byte, aad string) error {
	if aad == "" || !utf8.ValidString(aad) {
		return ErrAAD
	}
	if len(plaintext) > MaxPlaintext {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(plaintext), MaxPlaintext)
	}
	return nil
}

// validAAD reports whether Seal could have accepted aad.
func validAAD(aad string) bool { return aad != "" && utf8.ValidString(aad) }

// newGCM makes AES-256-GCM with a 96-bit nonce and 128-bit tag.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal appends nonce and ciphertext to header, authenticating header+aad.
func seal(aead cipher.AEAD, header, plaintext []byte, aad string) ([]byte, error) {
	out := make([]byte, len(header)+nonceSize, len(header)+nonceSize+len(plaintext)+tagSize)
	copy(out, header)
	nonce := out[len(header):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("envelope: reading a nonce: %w", err)
	}
	return aead.Seal(out, nonce, plaintext, additional(header, aad)), nil
}

// open reverses seal for a blob whose first len(header) bytes are header.
func open(aead cipher.AEAD, blob []byte, headerLen int, aad string) ([]byte, error) {
	if len(blob) < headerLen+nonceSize+tagSize || len(blob)-headerLen-nonceSize-tagSize > MaxPlaintext {
		return nil, ErrOpen
	}
	header, nonce, ct := blob[:headerLen], blob[headerLen:headerLen+nonceSize], blob[headerLen+nonceSize:]
	pt, err := aead.Open(nil, nonce, ct, additional(header, aad))
	if err != nil {
		return nil, ErrOpen
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}

// additional is GCM's additional data: the self-delimiting header, then aad.
func additional(header []byte, aad string) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	return append(append(ad, header...), aad...)
}
