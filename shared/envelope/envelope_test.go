package envelope_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/local/services"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// realKMS is a client of the test binary's local-kms and two keys in it.
var realKMS struct {
	once       sync.Once
	client     *kms.Client
	keyA, keyB string
	err        error
}

// localKMS returns a client and two fresh SYMMETRIC_DEFAULT keys of the
// shared local-kms, skipping (or failing) the test when it is not installed.
func localKMS(t *testing.T) (*kms.Client, string, string) {
	t.Helper()
	endpoint := localtest.KMS(t)
	realKMS.once.Do(func() {
		ctx := context.Background()
		c, err := services.KMSClient(ctx, endpoint)
		if err != nil {
			realKMS.err = err
			return
		}
		realKMS.client = c
		for _, id := range []*string{&realKMS.keyA, &realKMS.keyB} {
			out, err := c.CreateKey(ctx, &kms.CreateKeyInput{
				KeySpec:  types.KeySpecSymmetricDefault,
				KeyUsage: types.KeyUsageTypeEncryptDecrypt,
			})
			if err != nil {
				realKMS.err = err
				return
			}
			*id = *out.KeyMetadata.KeyId
		}
	})
	if realKMS.err != nil {
		t.Fatal(realKMS.err)
	}
	return realKMS.client, realKMS.keyA, realKMS.keyB
}

func newLocal(t testing.TB) envelope.Sealer {
	t.Helper()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	key[0] = byte(len(t.Name())) // differs between tests, fixed within one
	s, err := envelope.NewLocal(append([]byte{}, key...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomLocal(t testing.TB) envelope.Sealer {
	t.Helper()
	key, err := envelope.LoadOrCreateLocalKey(t.TempDir() + "/k")
	if err != nil {
		t.Fatal(err)
	}
	s, err := envelope.NewLocal(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// eachSealer runs f against every sealer: the local one, the KMS one over
// an in-memory fake, and the KMS one over local-kms. other is a sealer of
// the same kind under a different key.
func eachSealer(t *testing.T, f func(t *testing.T, s, other envelope.Sealer)) {
	t.Run("local", func(t *testing.T) { f(t, randomLocal(t), randomLocal(t)) })
	t.Run("kms-fake", func(t *testing.T) {
		s, fake := fakeSealer("alias/tollgate")
		other, _ := fakeSealer("alias/tollgate")
		f(t, s, other)
		if !fake.allZeroed() {
			t.Error("a plaintext data key was not zeroed after use")
		}
	})
	t.Run("local-kms", func(t *testing.T) {
		c, a, b := localKMS(t)
		f(t, envelope.NewKMS(c, a), envelope.NewKMS(c, b))
	})
}

func TestRoundTrip(t *testing.T) {
	eachSealer(t, func(t *testing.T, s, _ envelope.Sealer) {
		ctx := context.Background()
		for _, pt := range [][]byte{
			{},
			[]byte("x"),
			[]byte("tgr_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"),
			bytes.Repeat([]byte{0xA5}, 64),
			bytes.Repeat([]byte{1}, envelope.MaxPlaintext),
		} {
			for _, aad := range []string{"sas#u1#primary", "refresh#fam1#succ", "é ✓ 日本"} {
				blob, err := s.Seal(ctx, pt, aad)
				if err != nil {
					t.Fatalf("Seal(%d bytes, %q): %v", len(pt), aad, err)
				}
				if len(pt) > 8 && bytes.Contains(blob, pt) {
					t.Fatal("sealed blob contains the plaintext")
				}
				got, err := s.Open(ctx, blob, aad)
				if err != nil {
					t.Fatalf("Open(%d bytes, %q): %v", len(pt), aad, err)
				}
				if got == nil || !bytes.Equal(got, pt) {
					t.Fatalf("Open = %d bytes %v, want %d bytes", len(got), got == nil, len(pt))
				}
			}
		}
	})
}

func TestSealDiffers(t *testing.T) {
	eachSealer(t, func(t *testing.T, s, _ envelope.Sealer) {
		ctx := context.Background()
		a, err := s.Seal(ctx, []byte("same secret"), "aad")
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Seal(ctx, []byte("same secret"), "aad")
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(a, b) {
			t.Fatal("two Seals of the same plaintext are equal")
		}
	})
}

func TestOpenRejects(t *testing.T) {
	eachSealer(t, func(t *testing.T, s, other envelope.Sealer) {
		ctx := context.Background()
		const aad = "sas#user-1#primary"
		secret := []byte("primary-key-material")
		blob, err := s.Seal(ctx, secret, aad)
		if err != nil {
			t.Fatal(err)
		}
		with := func(i int, b byte) []byte {
			c := bytes.Clone(blob)
			c[i] = b
			return c
		}
		cases := []struct {
			name string
			blob []byte
			aad  string
		}{
			{"wrong aad", blob, "sas#user-1#secondary"},
			{"aad prefix", blob, aad[:len(aad)-1]},
			{"aad extended", blob, aad + "x"},
			{"empty aad", blob, ""},
			{"invalid UTF-8 aad", blob, aad + "\xff"},
			{"empty", []byte{}, aad},
			{"nil", nil, aad},
			{"version only", blob[:1], aad},
			{"unknown version 0", with(0, 0x00), aad},
			{"unknown version 3", with(0, 0x03), aad},
			{"unknown version ff", with(0, 0xff), aad},
			{"other sealer's version", with(0, blob[0]^0x03), aad},
			{"appended byte", append(bytes.Clone(blob), 0), aad},
		}
		for n := range len(blob) {
			cases = append(cases, struct {
				name string
				blob []byte
				aad  string
			}{"truncated", blob[:n], aad})
		}
		for i := range len(blob) {
			cases = append(cases, struct {
				name string
				blob []byte
				aad  string
			}{"flipped bit", with(i, blob[i]^(1<<(i%8))), aad})
		}
		for _, c := range cases {
			got, err := s.Open(ctx, c.blob, c.aad)
			if !errors.Is(err, envelope.ErrOpen) || got != nil {
				t.Fatalf("%s (%d bytes): Open = %v, %v; want ErrOpen", c.name, len(c.blob), got, err)
			}
			if err.Error() != envelope.ErrOpen.Error() {
				t.Fatalf("%s: error %q carries detail", c.name, err)
			}
		}
		if got, err := other.Open(ctx, blob, aad); !errors.Is(err, envelope.ErrOpen) || got != nil {
			t.Fatalf("other key: Open = %v, %v; want ErrOpen", got, err)
		}
	})
}

func TestSealerKindsDoNotMix(t *testing.T) {
	ctx := context.Background()
	local := randomLocal(t)
	viaKMS, _ := fakeSealer("k")
	a, _ := local.Seal(ctx, []byte("v"), "aad")
	b, _ := viaKMS.Seal(ctx, []byte("v"), "aad")
	if _, err := viaKMS.Open(ctx, a, "aad"); !errors.Is(err, envelope.ErrOpen) {
		t.Fatalf("KMS sealer opened a local blob: %v", err)
	}
	if _, err := local.Open(ctx, b, "aad"); !errors.Is(err, envelope.ErrOpen) {
		t.Fatalf("local sealer opened a KMS blob: %v", err)
	}
}

func TestSealRefuses(t *testing.T) {
	eachSealer(t, func(t *testing.T, s, _ envelope.Sealer) {
		ctx := context.Background()
		big := bytes.Repeat([]byte("S"), envelope.MaxPlaintext+1)
		cases := []struct {
			name string
			pt   []byte
			aad  string
			want error
		}{
			{"empty aad", []byte("v"), "", envelope.ErrAAD},
			{"invalid UTF-8 aad", []byte("v"), "a\xc3", envelope.ErrAAD},
			{"too large", big, "aad", envelope.ErrTooLarge},
		}
		for _, c := range cases {
			blob, err := s.Seal(ctx, c.pt, c.aad)
			if !errors.Is(err, c.want) || blob != nil {
				t.Fatalf("%s: Seal = %d bytes, %v; want %v", c.name, len(blob), err, c.want)
			}
			if strings.Contains(err.Error(), "SSSS") {
				t.Fatalf("%s: error carries the plaintext", c.name)
			}
		}
	})
}

func TestNewLocalKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := envelope.NewLocal(make([]byte, n)); err == nil {
			t.Errorf("NewLocal accepted a %d-byte key", n)
		}
	}
}

func TestKMSRequests(t *testing.T) {
	ctx := context.Background()
	s, fake := fakeSealer("arn:aws:kms:us-east-1:111122223333:key/k1")
	blob, err := s.Seal(ctx, []byte("v"), "refresh#f1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, blob, "refresh#f1"); err != nil {
		t.Fatal(err)
	}
	g, d := fake.gens[0], fake.decrypts[0]
	if *g.KeyId != fake.keyID || g.KeySpec != types.DataKeySpecAes256 || g.NumberOfBytes != nil ||
		len(g.EncryptionContext) != 1 || g.EncryptionContext["tollgate"] != "refresh#f1" {
		t.Fatalf("GenerateDataKey input = %+v", g)
	}
	if d.KeyId == nil || *d.KeyId != fake.keyID || len(d.EncryptionContext) != 1 || d.EncryptionContext["tollgate"] != "refresh#f1" {
		t.Fatalf("Decrypt input = %+v", d)
	}
	if !fake.allZeroed() {
		t.Fatal("a plaintext data key was not zeroed after use")
	}
	// A failed open (wrong context) asks KMS and still zeroes nothing left over.
	if _, err := s.Open(ctx, blob, "refresh#f2"); !errors.Is(err, envelope.ErrOpen) {
		t.Fatalf("wrong context: %v", err)
	}
	// A sealer configured with another key id refuses, even with this KMS.
	if _, err := envelope.NewKMS(fake, "other").Open(ctx, blob, "refresh#f1"); !errors.Is(err, envelope.ErrOpen) {
		t.Fatalf("other key id: %v", err)
	}
}

func TestKMSUnavailable(t *testing.T) {
	ctx := context.Background()
	s, fake := fakeSealer("k")
	blob, err := s.Seal(ctx, []byte("secret-value"), "aad")
	if err != nil {
		t.Fatal(err)
	}
	fake.err = errThrottled
	if _, err := s.Seal(ctx, []byte("secret-value"), "aad"); !errors.Is(err, errThrottled) || strings.Contains(err.Error(), "secret-value") {
		t.Fatalf("Seal with KMS down = %v", err)
	}
	// KMS being unreachable is not "cannot open": the value may be fine.
	_, err = s.Open(ctx, blob, "aad")
	if !errors.Is(err, errThrottled) || errors.Is(err, envelope.ErrOpen) {
		t.Fatalf("Open with KMS down = %v, want a wrapped KMS error that is not ErrOpen", err)
	}
	if _, err := envelope.NewKMS(fake, "").Seal(ctx, []byte("v"), "aad"); err == nil {
		t.Fatal("Seal without a key id succeeded")
	}
}

// TestLocalKMSWrongContext checks that local-kms itself, not only our GCM
// layer, refuses a data key asked for under another encryption context.
func TestLocalKMSWrongContext(t *testing.T) {
	ctx := context.Background()
	c, a, b := localKMS(t)
	out, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: &a, KeySpec: types.DataKeySpecAes256, EncryptionContext: map[string]string{"tollgate": "one"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]*kms.DecryptInput{
		"wrong context": {CiphertextBlob: out.CiphertextBlob, KeyId: &a, EncryptionContext: map[string]string{"tollgate": "two"}},
		"no context":    {CiphertextBlob: out.CiphertextBlob, KeyId: &a},
		"other key":     {CiphertextBlob: out.CiphertextBlob, KeyId: &b, EncryptionContext: map[string]string{"tollgate": "one"}},
	} {
		if _, err := c.Decrypt(ctx, in); err == nil {
			t.Errorf("%s: local-kms decrypted", name)
		}
	}
	s := envelope.NewKMS(c, a)
	blob, err := s.Seal(ctx, []byte("v"), "one")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, blob, "two"); !errors.Is(err, envelope.ErrOpen) {
		t.Fatalf("Open with the wrong context = %v, want ErrOpen", err)
	}
}
