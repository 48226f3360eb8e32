package authorizer_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/secret"
)

// instances is how many authorizer instances share one DynamoDB Local
// table in the tests below, as Lambda runs many at once.
const instances = 10

// limitedKey stores a key of f's owner with limits and returns its token.
func (f *dynamoFixture) limitedKey(t *testing.T, limits meter.Limits) string {
	t.Helper()
	owner, err := f.store.GetKeyByHash(context.Background(), project, secret.Sum(f.tokens[0]))
	if err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(365 * 24 * time.Hour)
	k, tok, err := apikey.New(project, owner.Owner, "limited", nil, t0, &exp, "")
	if err != nil {
		t.Fatal(err)
	}
	k.Limits = limits
	if err := f.store.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return tok
}

// hammer sends n whoami requests with tok, spread over the instances at
// once, and returns how many were allowed.
func hammer(t *testing.T, auths []*authorizer.Authorizer, tok string, n int) int {
	t.Helper()
	req := whoami(map[string]string{"x-api-key": tok})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i, a := range auths {
		share := n / len(auths)
		if i < n%len(auths) {
			share++
		}
		wg.Go(func() {
			for range share {
				resp, err := a.Handle(context.Background(), req)
				if err != nil {
					t.Error(err)
					return
				}
				if effect(resp, req.MethodArn) == authorizer.Allow {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(allowed.Load())
}

// TestRateLimitAcrossInstances: ten instances hammered at three times a
// key's rate limit for several windows authorize no more than the limit in
// each window, and at least 90 % of it.
func TestRateLimitAcrossInstances(t *testing.T) {
	const limit = 1000
	f := newDynamoFixture(t, 1)
	tok := f.limitedKey(t, meter.Limits{Rate: &meter.RateLimit{Limit: limit, Window: time.Minute}})
	auths := make([]*authorizer.Authorizer, instances)
	for i := range auths {
		auths[i] = f.authorizer()
	}
	for w := range 3 {
		allowed := hammer(t, auths, tok, 3*limit)
		t.Logf("window %d: %d allowed of %d requests, limit %d", w, allowed, 3*limit, limit)
		if allowed > limit || allowed < limit*9/10 {
			t.Fatalf("window %d: %d allowed, want %d to %d", w, allowed, limit*9/10, limit)
		}
		f.clock.Advance(time.Minute)
	}
}

// TestQuotaAcrossInstances: ten instances hammering a key whose quota has
// 1,000 credits left authorize exactly 1,000 requests, never one more.
func TestQuotaAcrossInstances(t *testing.T) {
	const credits = 1000
	f := newDynamoFixture(t, 1)
	tok := f.limitedKey(t, meter.Limits{Quota: &meter.Quota{Limit: 5000, Remaining: credits, Reset: true}})
	auths := make([]*authorizer.Authorizer, instances)
	for i := range auths {
		auths[i] = f.authorizer()
	}
	total := 0
	for round := 0; round < 10; round++ {
		got := hammer(t, auths, tok, credits)
		total += got
		if got == 0 {
			break
		}
	}
	if total != credits {
		t.Fatalf("%d requests authorized, want exactly the %d credits", total, credits)
	}
}
