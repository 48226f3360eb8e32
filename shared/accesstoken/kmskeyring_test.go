package accesstoken

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// downKMS fails GetPublicKey while down, else answers as its fake.
type downKMS struct {
	*fakeKMS
	down  bool
	reads int
}

func (d *downKMS) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, o ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	d.reads++
	if d.down {
		return nil, errors.New("connection refused")
	}
	return d.fakeKMS.GetPublicKey(ctx, in, o...)
}

func TestKMSKeyringReadsOnFirstUse(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	client := &downKMS{fakeKMS: newFakeKMS(t, fx.key), down: true}
	k := NewKMSKeyring(client, []string{"alias/x"})
	if client.reads != 0 {
		t.Fatalf("%d reads before first use", client.reads)
	}
	if ring, err := k.Keyring(ctx); err == nil || ring != nil {
		t.Fatalf("KMS down: %v, %v; want an error", ring, err)
	}
	client.down = false
	ring, err := k.Keyring(ctx)
	if err != nil {
		t.Fatalf("after KMS is back: %v; a failed read must not be kept", err)
	}
	if ids := ring.KeyIDs(); len(ids) != 1 || ids[0] != NewLocalSigner(fx.key).KeyID() {
		t.Errorf("keyring %v, want the fake's key", ids)
	}
	again, err := k.Keyring(ctx)
	if err != nil || again != ring || client.reads != 2 {
		t.Errorf("second use: %v, %d reads; want the same keyring, read once", err, client.reads)
	}
}
