package authorizer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
)

// flakyKeys fails its first reads, then gives ring.
type flakyKeys struct {
	failures int
	ring     *accesstoken.Keyring
	reads    int
}

func (k *flakyKeys) Keyring(context.Context) (*accesstoken.Keyring, error) {
	k.reads++
	if k.reads <= k.failures {
		return nil, errors.New("KMS unreachable")
	}
	return k.ring, nil
}

// TestKeysReadOnFirstJWT: with Options.Keys, the signing keys are read on
// the first JWT; a failed read fails that request (an error: API Gateway's
// 500), never allows or caches a refusal, and the next request reads again.
func TestKeysReadOnFirstJWT(t *testing.T) {
	f := newJWTFixture(t)
	keys := &flakyKeys{failures: 2, ring: accesstoken.NewKeyring(&f.key.PublicKey)}
	f.auth = authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock, Keys: keys,
		Verifier: &accesstoken.Verifier{Issuer: issuer, Audience: audience, Clock: f.clock},
	})
	req := whoami(map[string]string{"Authorization": "Bearer " + f.issue(t, f.claims())})
	if _, err := f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": "Bearer " + f.fixture.token})); err != nil {
		t.Fatalf("an API key needs no signing key: %v", err)
	}
	if keys.reads != 0 {
		t.Fatalf("%d key reads before any JWT, want none", keys.reads)
	}
	for i := range keys.failures {
		resp, err := f.auth.Handle(context.Background(), req)
		if err == nil || errors.Is(err, authorizer.ErrUnauthorized) || len(resp.PolicyDocument.Statement) > 0 {
			t.Fatalf("read %d failed: answer %+v, %v; want an error", i+1, resp, err)
		}
	}
	for range 2 {
		if resp, err := f.auth.Handle(context.Background(), req); err != nil || effect(resp, req.MethodArn) != authorizer.Allow {
			t.Fatalf("after the keys are read: %+v, %v; want Allow", resp, err)
		}
	}
	if keys.reads != keys.failures+1 {
		t.Errorf("%d key reads, want %d: the keys, once read, are kept", keys.reads, keys.failures+1)
	}
}
