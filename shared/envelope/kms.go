package envelope

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSAPI is the part of the KMS client the KMS sealer uses.
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, params *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, params *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ KMSAPI = (*kms.Client)(nil)

// ContextKey is the encryption context key under which aad is given to KMS.
const ContextKey = "tollgate"

// maxWrappedKey bounds the encrypted data key (KMS's are about 200 bytes).
const maxWrappedKey = 1<<16 - 1

// kmsSealer seals each value under a fresh KMS data key.
type kmsSealer struct {
	client KMSAPI
	keyID  string
}

// NewKMS returns a Sealer that envelope-encrypts each value under a new
// AES-256 data key from the KMS key keyID, with aad as the encryption
// context {"tollgate": aad}. Open names keyID to KMS, so a value wrapped by
// any other key is refused. The plaintext data key is cleared as soon as
// the cipher is made (the AES key schedule is left to the collector).
func NewKMS(client KMSAPI, keyID string) Sealer {
	return &kmsSealer{client: client, keyID: keyID}
}

func (s *kmsSealer) Seal(ctx context.Context, plaintext []byte, aad string) ([]byte, error) {
	if err := checkSeal(plaintext, aad); err != nil {
		return nil, err
	}
	if s.keyID == "" {
		return nil, errors.New("envelope: no KMS key configured")
	}
	out, err := s.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             &s.keyID,
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: map[string]string{ContextKey: aad},
	})
	if err != nil {
		return nil, fmt.Errorf("envelope: generating a data key: %w", err)
	}
	defer clear(out.Plaintext)
	if len(out.Plaintext) != keySize || len(out.CiphertextBlob) == 0 || len(out.CiphertextBlob) > maxWrappedKey {
		return nil, errors.New("envelope: KMS returned a malformed data key")
	}
	aead, err := newGCM(out.Plaintext)
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	header := make([]byte, 3, 3+len(out.CiphertextBlob))
	header[0] = versionKMS
	binary.BigEndian.PutUint16(header[1:], uint16(len(out.CiphertextBlob)))
	return seal(aead, append(header, out.CiphertextBlob...), plaintext, aad)
}

// Open returns ErrOpen for any blob that cannot be opened with this key and
// aad; an error that is not ErrOpen means KMS could not be asked (network,
// throttling, permissions, a disabled key) and the value may be fine.
func (s *kmsSealer) Open(ctx context.Context, sealed []byte, aad string) ([]byte, error) {
	if len(sealed) < 3 || sealed[0] != versionKMS || !validAAD(aad) {
		return nil, ErrOpen
	}
	n := int(binary.BigEndian.Uint16(sealed[1:3]))
	headerLen := 3 + n
	if n == 0 || len(sealed) < headerLen+nonceSize+tagSize {
		return nil, ErrOpen
	}
	out, err := s.client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:      sealed[3:headerLen],
		KeyId:               &s.keyID,
		EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault,
		EncryptionContext:   map[string]string{ContextKey: aad},
	})
	if err != nil {
		var badCiphertext *types.InvalidCiphertextException
		var wrongKey *types.IncorrectKeyException
		if errors.As(err, &badCiphertext) || errors.As(err, &wrongKey) {
			return nil, ErrOpen
		}
		return nil, fmt.Errorf("envelope: decrypting the data key: %w", err)
	}
	defer clear(out.Plaintext)
	if len(out.Plaintext) != keySize {
		return nil, ErrOpen
	}
	aead, err := newGCM(out.Plaintext)
	if err != nil {
		return nil, ErrOpen
	}
	return open(aead, sealed, headerLen, aad)
}
