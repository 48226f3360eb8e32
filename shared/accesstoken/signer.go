package accesstoken

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Signer signs with one key.
type Signer interface {
	// KeyID is the RFC 7638 JWK thumbprint (base64url SHA-256) of the public key.
	KeyID() string
	// PublicKey is the key that verifies this signer's signatures.
	PublicKey() *ecdsa.PublicKey
	// Sign returns the JOSE ES256 signature of signingInput: 64 bytes r||s.
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// sigLen is the length of a JOSE ES256 signature: r||s, 32 bytes each.
const sigLen = 64

// p256N is the order of P-256, big-endian, 32 bytes.
var p256N = elliptic.P256().Params().N.FillBytes(make([]byte, 32))

// scalarInRange reports whether the 32-byte big-endian v is in [1, N-1].
func scalarInRange(v []byte) bool {
	zero := true
	for _, b := range v {
		zero = zero && b == 0
	}
	return !zero && bytes.Compare(v, p256N) < 0
}

type localSigner struct {
	key *ecdsa.PrivateKey
	kid string
	err error
}

// NewLocalSigner returns a Signer over a local P-256 private key (the local
// stack and tests); Sign fails if the key is not P-256.
func NewLocalSigner(key *ecdsa.PrivateKey) Signer {
	if key == nil {
		return &localSigner{err: errors.New("accesstoken: nil signing key")}
	}
	kid, _, _, err := thumbprint(&key.PublicKey)
	if err != nil {
		return &localSigner{key: key, err: fmt.Errorf("accesstoken: signing key: %w", err)}
	}
	return &localSigner{key: key, kid: kid}
}

func (s *localSigner) KeyID() string { return s.kid }

func (s *localSigner) PublicKey() *ecdsa.PublicKey {
	if s.key == nil {
		return nil
	}
	return &s.key.PublicKey
}

func (s *localSigner) Sign(_ context.Context, signingInput []byte) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	digest := sha256.Sum256(signingInput)
	r, ss, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return nil, fmt.Errorf("accesstoken: signing: %w", err)
	}
	sig := make([]byte, sigLen)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return sig, nil
}

// KMSAPI is the part of *kms.Client the KMS signer uses.
type KMSAPI interface {
	Sign(ctx context.Context, params *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKey(ctx context.Context, params *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

type kmsSigner struct {
	client KMSAPI
	keyARN string // the key GetPublicKey named, so a re-pointed alias cannot switch keys
	pub    *ecdsa.PublicKey
	kid    string
}

// NewKMSSigner returns a Signer over an ECC_NIST_P256 SIGN_VERIFY key in AWS
// KMS. It reads the public key once; the private key never leaves KMS.
func NewKMSSigner(ctx context.Context, client KMSAPI, keyID string) (Signer, error) {
	if client == nil || keyID == "" {
		return nil, errors.New("accesstoken: KMS signer needs a client and a key id")
	}
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &keyID})
	if err != nil {
		return nil, fmt.Errorf("accesstoken: KMS GetPublicKey: %w", err)
	}
	if out.KeySpec != "" && out.KeySpec != types.KeySpecEccNistP256 {
		return nil, fmt.Errorf("accesstoken: KMS key spec %s is not ECC_NIST_P256", out.KeySpec)
	}
	if out.KeyUsage != "" && out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, fmt.Errorf("accesstoken: KMS key usage %s is not SIGN_VERIFY", out.KeyUsage)
	}
	if len(out.SigningAlgorithms) > 0 && !slices.Contains(out.SigningAlgorithms, types.SigningAlgorithmSpecEcdsaSha256) {
		return nil, errors.New("accesstoken: KMS key does not offer ECDSA_SHA_256")
	}
	parsed, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: KMS public key: %w", err)
	}
	pub, ok := parsed.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("accesstoken: KMS public key is not ECDSA")
	}
	kid, _, _, err := thumbprint(pub)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: KMS public key: %w", err)
	}
	arn := keyID
	if out.KeyId != nil && *out.KeyId != "" {
		arn = *out.KeyId
	}
	return &kmsSigner{client: client, keyARN: arn, pub: pub, kid: kid}, nil
}

func (s *kmsSigner) KeyID() string               { return s.kid }
func (s *kmsSigner) PublicKey() *ecdsa.PublicKey { return s.pub }

// Sign asks KMS to sign the SHA-256 digest and checks the answer against the
// public key before returning it, so a token that would not verify is never
// issued.
func (s *kmsSigner) Sign(ctx context.Context, signingInput []byte) ([]byte, error) {
	digest := sha256.Sum256(signingInput)
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            &s.keyARN,
		Message:          digest[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("accesstoken: KMS Sign: %w", err)
	}
	sig, err := derToRaw(out.Signature)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: KMS signature: %w", err)
	}
	if !ecdsa.VerifyASN1(s.pub, digest[:], out.Signature) {
		return nil, errors.New("accesstoken: KMS signature does not verify with the key's public key")
	}
	return sig, nil
}

// derToRaw converts a DER ECDSA signature (SEQUENCE of two INTEGERs, as
// KMS returns it) to JOSE r||s, each left-padded to 32 bytes. It accepts only
// minimal DER with r and s in [1, N-1] and nothing after them.
func derToRaw(der []byte) ([]byte, error) {
	// A P-256 signature is at most 72 bytes: only short-form lengths occur.
	if len(der) < 2 || der[0] != 0x30 || der[1] >= 0x80 || int(der[1]) != len(der)-2 {
		return nil, errors.New("not a DER ECDSA signature")
	}
	r, rest, ok := derUint(der[2:])
	if !ok {
		return nil, errors.New("bad r in DER signature")
	}
	s, rest, ok := derUint(rest)
	if !ok || len(rest) != 0 {
		return nil, errors.New("bad s in DER signature")
	}
	sig := make([]byte, sigLen)
	copy(sig[32-len(r):32], r)
	copy(sig[64-len(s):], s)
	if !scalarInRange(sig[:32]) || !scalarInRange(sig[32:]) {
		return nil, errors.New("signature value out of range")
	}
	return sig, nil
}

// derUint reads a minimal DER INTEGER that is non-negative and fits 32 bytes,
// returning its big-endian value without the sign byte.
func derUint(b []byte) (v, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != 0x02 || b[1] >= 0x80 {
		return nil, nil, false
	}
	n := int(b[1])
	if n == 0 || len(b) < 2+n {
		return nil, nil, false
	}
	v, rest = b[2:2+n], b[2+n:]
	switch {
	case v[0]&0x80 != 0: // negative
		return nil, nil, false
	case v[0] == 0 && n > 1 && v[1]&0x80 == 0: // not minimal
		return nil, nil, false
	case v[0] == 0 && n > 1:
		v = v[1:]
	}
	return v, rest, len(v) <= 32
}
