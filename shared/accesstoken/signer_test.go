package accesstoken

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/local/services"
)

func hexBytes(n int, fill byte) []byte { return bytes.Repeat([]byte{fill}, n) }

func derInt(v []byte) []byte { return append([]byte{0x02, byte(len(v))}, v...) }

func derSeq(parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return append([]byte{0x30, byte(len(body))}, body...)
}

func TestDERToRaw(t *testing.T) {
	r32 := append([]byte{0x11}, hexBytes(31, 0x22)...)
	s32 := append([]byte{0x33}, hexBytes(31, 0x44)...)
	high := append([]byte{0x80}, hexBytes(31, 0x01)...) // needs a 0x00 in DER
	pad := func(v []byte) []byte { return append(make([]byte, 32-len(v)), v...) }
	cases := []struct {
		name string
		der  []byte
		want []byte // nil: error
	}{
		{"32 and 32 bytes", derSeq(derInt(r32), derInt(s32)), append(r32, s32...)},
		{"r with high bit (33 bytes in DER)", derSeq(derInt(append([]byte{0}, high...)), derInt(s32)), append(append([]byte{}, high...), s32...)},
		{"s with high bit", derSeq(derInt(r32), derInt(append([]byte{0}, high...))), append(append([]byte{}, r32...), high...)},
		{"short r (31 bytes)", derSeq(derInt(r32[1:]), derInt(s32)), append(pad(r32[1:]), s32...)},
		{"short s (30 bytes)", derSeq(derInt(r32), derInt(s32[2:])), append(append([]byte{}, r32...), pad(s32[2:])...)},
		{"r=1 s=1", derSeq(derInt([]byte{1}), derInt([]byte{1})), append(pad([]byte{1}), pad([]byte{1})...)},
		{"r=N-1", derSeq(derInt(append([]byte{0}, nMinus(1)...)), derInt(s32)), append(nMinus(1), s32...)},
		{"r=0", derSeq(derInt([]byte{0}), derInt(s32)), nil},
		{"negative r", derSeq(derInt([]byte{0xff}), derInt(s32)), nil},
		{"r=N", derSeq(derInt(append([]byte{0}, p256N...)), derInt(s32)), nil},
		{"r of 33 bytes", derSeq(derInt(append([]byte{1}, r32...)), derInt(s32)), nil},
		{"non-minimal r", derSeq(derInt(append([]byte{0}, r32...)), derInt(s32)), nil},
		{"trailing data", append(derSeq(derInt(r32), derInt(s32)), 0), nil},
		{"three integers", derSeq(derInt(r32), derInt(s32), derInt(s32)), nil},
		{"one integer", derSeq(derInt(r32)), nil},
		{"raw r||s", append(r32, s32...), nil},
		{"long-form length", append([]byte{0x30, 0x81, 0x44}, derSeq(derInt(r32), derInt(s32))[2:]...), nil},
		{"sequence length past end", append([]byte{0x30, 0x50}, derSeq(derInt(r32), derInt(s32))[2:]...), nil},
		{"integer length past end", derSeq(derInt(r32), []byte{0x02, 0x21, 0x01}), nil},
		{"empty integer", derSeq([]byte{0x02, 0x00}, derInt(s32)), nil},
		{"wrong tag", derSeq(append([]byte{0x03, 0x20}, r32...), derInt(s32)), nil},
		{"not a sequence", append([]byte{0x31, 0x44}, derSeq(derInt(r32), derInt(s32))[2:]...), nil},
		{"empty", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := derToRaw(c.der)
			if c.want == nil {
				if err == nil {
					t.Fatalf("derToRaw = %x, want an error", got)
				}
				return
			}
			if err != nil || !bytes.Equal(got, c.want) {
				t.Fatalf("derToRaw = %x, %v; want %x", got, err, c.want)
			}
			// And back: the canonical DER of the result reads the same.
			der := rawToDER(t, got)
			if again, err := derToRaw(der); err != nil || !bytes.Equal(again, got) {
				t.Fatalf("round trip %x -> %x -> %x, %v", got, der, again, err)
			}
		})
	}
}

func nMinus(k int64) []byte {
	n := new(big.Int).SetBytes(p256N)
	return n.Sub(n, big.NewInt(k)).FillBytes(make([]byte, 32))
}

// rawToDER is the canonical DER of the JOSE signature r||s.
func rawToDER(tb testing.TB, sig []byte) []byte {
	tb.Helper()
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// derToRaw must read what crypto/ecdsa produces back to its r and s, for
// many random signatures (short r and s included: about 1 in 128 has a
// leading zero byte).
func TestDERToRawMatchesStdlib(t *testing.T) {
	key := fixedKey("der test")
	for i := range 2000 {
		d := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		der, err := ecdsa.SignASN1(nil, key, d[:])
		if err != nil {
			t.Fatal(err)
		}
		raw, err := derToRaw(der)
		if err != nil {
			t.Fatal(err)
		}
		if got := rawToDER(t, raw); !bytes.Equal(got, der) {
			t.Fatalf("rawToDER(%x) = %x, want %x", raw, got, der)
		}
	}
}

// kmsClient is a client of the test binary's local-kms.
func kmsClient(t *testing.T) *kms.Client {
	t.Helper()
	client, err := services.KMSClient(context.Background(), localtest.KMS(t))
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func TestKMSSigner(t *testing.T) {
	ctx := context.Background()
	client := kmsClient(t)
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec:  types.KeySpecEccNistP256,
		KeyUsage: types.KeyUsageTypeSignVerify,
	})
	if err != nil {
		t.Fatal(err)
	}
	keyID := aws.ToString(created.KeyMetadata.KeyId)
	signer, err := NewKMSSigner(ctx, client, keyID)
	if err != nil {
		t.Fatal(err)
	}

	// The public key, read independently of the signer.
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: &keyID})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := parsed.(*ecdsa.PublicKey)
	if !pub.Equal(signer.PublicKey()) {
		t.Fatal("signer's public key differs from GetPublicKey")
	}
	ring := NewKeyring(pub)
	if _, ok := ring.Key(signer.KeyID()); !ok {
		t.Fatal("signer's kid is not the thumbprint of GetPublicKey's key")
	}
	v := newVerifier(ring)
	// Enough signatures that some have short r or s (1 in 128 each).
	for i := range 40 {
		c := validClaims()
		c.ID = "jti_" + string(rune('a'+i%26))
		got, err := v.Verify(issue(t, signer, c))
		if err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		if got != c {
			t.Fatalf("claims = %+v, want %+v", got, c)
		}
	}

	// An alias works and is pinned to the key it named at start.
	alias := "alias/tollgate-test-" + strings.ReplaceAll(keyID, "-", "")[:12]
	if _, err := client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &alias, TargetKeyId: &keyID}); err != nil {
		t.Fatal(err)
	}
	byAlias, err := NewKMSSigner(ctx, client, alias)
	if err != nil {
		t.Fatal(err)
	}
	if byAlias.KeyID() != signer.KeyID() {
		t.Fatal("alias signer has another kid")
	}
	issue(t, byAlias, validClaims())
}

func TestNewKMSSignerRejectsWrongKeys(t *testing.T) {
	ctx := context.Background()
	client := kmsClient(t)
	for _, in := range []kms.CreateKeyInput{
		{KeySpec: types.KeySpecEccNistP384, KeyUsage: types.KeyUsageTypeSignVerify},
		{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify},
		{KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt},
	} {
		created, err := client.CreateKey(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewKMSSigner(ctx, client, aws.ToString(created.KeyMetadata.KeyId)); err == nil {
			t.Errorf("%s/%s key accepted", in.KeySpec, in.KeyUsage)
		}
	}
	if _, err := NewKMSSigner(ctx, client, "00000000-0000-0000-0000-000000000000"); err == nil {
		t.Error("unknown key accepted")
	}
}

// fakeKMS answers with a local key; sign can be replaced to misbehave.
type fakeKMS struct {
	key  *ecdsa.PrivateKey
	out  kms.GetPublicKeyOutput
	sign func(digest []byte) ([]byte, error)
}

func newFakeKMS(t testing.TB, key *ecdsa.PrivateKey) *fakeKMS {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeKMS{key: key, out: kms.GetPublicKeyOutput{
		KeyId: aws.String("arn:aws:kms:us-east-1:111122223333:key/fake"), PublicKey: der,
		KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify,
		SigningAlgorithms: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEcdsaSha256},
	}}
	f.sign = func(d []byte) ([]byte, error) { return ecdsa.SignASN1(nil, key, d) }
	return f
}

func (f *fakeKMS) GetPublicKey(_ context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	out := f.out
	return &out, nil
}

func (f *fakeKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	if aws.ToString(in.KeyId) != aws.ToString(f.out.KeyId) || in.MessageType != types.MessageTypeDigest ||
		in.SigningAlgorithm != types.SigningAlgorithmSpecEcdsaSha256 || len(in.Message) != 32 {
		return nil, errors.New("fake KMS: unexpected Sign input")
	}
	sig, err := f.sign(in.Message)
	return &kms.SignOutput{Signature: sig}, err
}

func TestKMSSignerWithFake(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	t.Run("signs with the key ARN as a DIGEST", func(t *testing.T) {
		s, err := NewKMSSigner(ctx, newFakeKMS(t, fx.key), "alias/x")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.verifier.Verify(issue(t, s, validClaims())); err != nil {
			t.Fatal(err)
		}
	})
	bad := []struct {
		name string
		edit func(*fakeKMS)
	}{
		{"wrong key spec", func(f *fakeKMS) { f.out.KeySpec = types.KeySpecEccNistP384 }},
		{"wrong usage", func(f *fakeKMS) { f.out.KeyUsage = types.KeyUsageTypeEncryptDecrypt }},
		{"no ES256", func(f *fakeKMS) {
			f.out.SigningAlgorithms = []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEcdsaSha384}
		}},
		{"garbage public key", func(f *fakeKMS) { f.out.PublicKey = []byte("nope") }},
		{"P-384 public key", func(f *fakeKMS) {
			der, _ := x509.MarshalPKIXPublicKey(&mustKey(t, elliptic.P384()).PublicKey)
			f.out.PublicKey = der
		}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeKMS(t, fx.key)
			c.edit(f)
			if _, err := NewKMSSigner(ctx, f, "k"); err == nil {
				t.Fatal("NewKMSSigner accepted")
			}
		})
	}
	signBad := []struct {
		name string
		sign func(*ecdsa.PrivateKey, []byte) ([]byte, error)
	}{
		{"KMS error", func(*ecdsa.PrivateKey, []byte) ([]byte, error) { return nil, errors.New("throttled") }},
		{"not DER", func(k *ecdsa.PrivateKey, d []byte) ([]byte, error) { return make([]byte, 64), nil }},
		{"other key's signature", func(_ *ecdsa.PrivateKey, d []byte) ([]byte, error) { return ecdsa.SignASN1(nil, fx.attacker, d) }},
		{"signature of another digest", func(k *ecdsa.PrivateKey, d []byte) ([]byte, error) {
			o := sha256.Sum256(d)
			return ecdsa.SignASN1(nil, k, o[:])
		}},
	}
	for _, c := range signBad {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeKMS(t, fx.key)
			f.sign = func(d []byte) ([]byte, error) { return c.sign(fx.key, d) }
			s, err := NewKMSSigner(ctx, f, "k")
			if err != nil {
				t.Fatal(err)
			}
			if tok, err := Issue(ctx, s, validClaims()); err == nil {
				t.Fatalf("Issue = %q, want an error", tok)
			}
		})
	}
	if _, err := NewKMSSigner(ctx, nil, "k"); err == nil {
		t.Error("nil client accepted")
	}
	if _, err := NewKMSSigner(ctx, newFakeKMS(t, fx.key), ""); err == nil {
		t.Error("empty key id accepted")
	}
}

var _ KMSAPI = (*kms.Client)(nil)
