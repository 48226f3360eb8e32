package main

import (
	"context"
	"crypto/rand"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/tollgate/tollgate/infra/stack"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/store/memory"
)

// contextKMS is a stand-in for KMS that hands out data keys and records
// the encryption context of every call.
type contextKMS struct {
	mu       sync.Mutex
	keys     map[string][]byte
	contexts []map[string]string
}

func (k *contextKMS) GenerateDataKey(_ context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	key, blob := make([]byte, 32), make([]byte, 16)
	_, _ = rand.Read(key)
	_, _ = rand.Read(blob)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[string(blob)] = key
	k.contexts = append(k.contexts, in.EncryptionContext)
	return &kms.GenerateDataKeyOutput{Plaintext: slices.Clone(key), CiphertextBlob: blob}, nil
}

func (k *contextKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.contexts = append(k.contexts, in.EncryptionContext)
	return &kms.DecryptOutput{Plaintext: slices.Clone(k.keys[string(in.CiphertextBlob)])}, nil
}

// TestSealPurposes checks that what shared/sas and shared/refresh seal
// reaches KMS with the encryption context the grants of stack.Keys
// condition on: SAS keys match PurposeSAS only, refresh-token successors
// PurposeRefresh only.
func TestSealPurposes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		purpose stack.Purpose
		use     func(t *testing.T, s envelope.Sealer)
	}{
		{"SAS keys, sealed and opened", stack.PurposeSAS, func(t *testing.T, s envelope.Sealer) {
			sealed, err := sas.Seal(ctx, s, sas.Credential{ProjectID: "proj", Identifier: "sas_1", Owner: "usr_1", Primary: "p", Secondary: "s"})
			if err == nil {
				_, err = sas.Open(ctx, s, sealed)
			}
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"refresh-token successors, sealed and opened within the grace period", stack.PurposeRefresh, func(t *testing.T, s envelope.Sealer) {
			st := memory.New()
			f, first, tok, err := refresh.NewFamily("proj", "usr_1", "laptop", nil, now, now.Add(time.Hour), time.Minute, "")
			if err == nil {
				err = st.CreateFamily(ctx, f, first)
			}
			e := &refresh.Exchanger{Store: st, Sealer: s, Grace: refresh.DefaultGrace}
			for i := 0; i < 2 && err == nil; i++ {
				_, _, err = e.Exchange(ctx, "proj", tok, "", now, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := &contextKMS{keys: map[string][]byte{}}
			tc.use(t, envelope.NewKMS(k, "arn:aws:kms:us-east-1:123456789012:key/test"))
			if len(k.contexts) < 2 {
				t.Fatalf("%d KMS calls, want a seal and an open", len(k.contexts))
			}
			for _, c := range k.contexts {
				if len(c) != 1 || !likePattern(string(tc.purpose)+"*").MatchString(c[envelope.ContextKey]) {
					t.Errorf("encryption context %v, want only %s: %s*", c, envelope.ContextKey, tc.purpose)
				}
				for _, other := range []stack.Purpose{stack.PurposeSAS, stack.PurposeRefresh} {
					if other != tc.purpose && likePattern(string(other)+"*").MatchString(c[envelope.ContextKey]) {
						t.Errorf("encryption context %v also matches %s*", c, other)
					}
				}
			}
		})
	}
}
