package envelope_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/tollgate/tollgate/shared/envelope"
)

// fakeKMS is an in-memory KMS: it wraps data keys with AES-GCM under a
// master key, authenticating the key id and the encryption context, and
// answers as KMS does (InvalidCiphertextException, IncorrectKeyException).
// It records what it was asked and the plaintext keys it handed out, so
// tests can check that the sealer zeroes them.
type fakeKMS struct {
	keyID  string
	master cipher.AEAD
	err    error // returned by every call when set

	mu       sync.Mutex
	gens     []*kms.GenerateDataKeyInput
	decrypts []*kms.DecryptInput
	handed   [][]byte // Plaintext slices returned to the caller
}

func newFakeKMS(keyID string) *fakeKMS {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err)
	}
	return newFakeKMSWithMaster(keyID, k)
}

// fakeSealer is a KMS sealer of keyID over a new fake KMS, and that fake.
func fakeSealer(keyID string) (envelope.Sealer, *fakeKMS) {
	fake := newFakeKMS(keyID)
	return envelope.NewKMS(fake, keyID), fake
}

// newFakeKMSWithMaster makes a fake KMS whose master key is fixed, so that
// separate processes (the fuzzer's workers) share it.
func newFakeKMSWithMaster(keyID string, k []byte) *fakeKMS {
	b, _ := aes.NewCipher(k)
	g, _ := cipher.NewGCM(b)
	return &fakeKMS{keyID: keyID, master: g}
}

func (f *fakeKMS) ad(ec map[string]string) []byte {
	b, _ := json.Marshal(ec) // map keys are sorted: canonical
	return append([]byte(f.keyID+"\x00"), b...)
}

func (f *fakeKMS) GenerateDataKey(_ context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gens = append(f.gens, in)
	if f.err != nil {
		return nil, f.err
	}
	if in.KeyId == nil || *in.KeyId != f.keyID {
		return nil, &types.NotFoundException{Message: new("no such key")}
	}
	if in.KeySpec != types.DataKeySpecAes256 {
		return nil, errors.New("ValidationException: want AES_256")
	}
	dk := make([]byte, 32)
	nonce := make([]byte, 12)
	_, _ = rand.Read(dk)
	_, _ = rand.Read(nonce)
	blob := f.master.Seal(append([]byte{}, nonce...), nonce, dk, f.ad(in.EncryptionContext))
	f.handed = append(f.handed, dk)
	return &kms.GenerateDataKeyOutput{KeyId: &f.keyID, Plaintext: dk, CiphertextBlob: blob}, nil
}

func (f *fakeKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.decrypts = append(f.decrypts, in)
	if f.err != nil {
		return nil, f.err
	}
	if in.KeyId != nil && *in.KeyId != f.keyID {
		return nil, &types.IncorrectKeyException{Message: new("wrong key")}
	}
	if len(in.CiphertextBlob) < 12 {
		return nil, &types.InvalidCiphertextException{}
	}
	dk, err := f.master.Open(nil, in.CiphertextBlob[:12], in.CiphertextBlob[12:], f.ad(in.EncryptionContext))
	if err != nil {
		return nil, &types.InvalidCiphertextException{}
	}
	f.handed = append(f.handed, dk)
	return &kms.DecryptOutput{KeyId: &f.keyID, Plaintext: dk}, nil
}

// allZeroed reports whether every data key handed out has been cleared.
func (f *fakeKMS) allZeroed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.handed {
		for _, b := range k {
			if b != 0 {
				return false
			}
		}
	}
	return true
}

var errThrottled = errors.New("ThrottlingException: rate exceeded")
