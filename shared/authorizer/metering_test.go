package authorizer_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

// leasing is a store that counts metering leases and may fail them, and
// counts the events it is asked to record.
type leasing struct {
	*memory.Store
	leases   atomic.Int64
	fail     error
	recorded atomic.Int64
}

func (s *leasing) RecordMeterEvent(ctx context.Context, p string, e meter.Event) (bool, error) {
	s.recorded.Add(1)
	return s.Store.RecordMeterEvent(ctx, p, e)
}

func (s *leasing) LeaseRate(ctx context.Context, p, counted string, w time.Time, l time.Duration, limit, n int64) (int64, error) {
	s.leases.Add(1)
	if s.fail != nil {
		return 0, s.fail
	}
	return s.Store.LeaseRate(ctx, p, counted, w, l, limit, n)
}

func (s *leasing) LeaseQuota(ctx context.Context, p, id string, period, now time.Time, n int64) (int64, error) {
	s.leases.Add(1)
	if s.fail != nil {
		return 0, s.fail
	}
	return s.Store.LeaseQuota(ctx, p, id, period, now, n)
}

// meteredFixture is a fixture whose authorizer leases through a counting
// store and logs into a buffer, with a second key of the owner carrying
// limits.
type meteredFixture struct {
	*fixture
	leasing *leasing
	logs    *bytes.Buffer
	limited apikey.Key
	token2  string
}

func newMeteredFixture(t testing.TB, limits meter.Limits) *meteredFixture {
	t.Helper()
	f := &meteredFixture{fixture: newFixture(t, false, nil), logs: &bytes.Buffer{}}
	f.leasing = &leasing{Store: f.store}
	exp := t0.Add(24 * time.Hour)
	var err error
	f.limited, f.token2, err = apikey.New(project, f.owner.ID, "limited", nil, t0, &exp, "")
	if err != nil {
		t.Fatal(err)
	}
	f.limited.Limits = limits
	if err := f.store.CreateKey(context.Background(), f.limited); err != nil {
		t.Fatal(err)
	}
	f.auth = authorizer.New(f.leasing, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock, Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	return f
}

// call runs n whoami calls with the limited key and returns how many were
// allowed and the last answer that was not.
func (f *meteredFixture) call(t *testing.T, n int) (allowed int, refused events.APIGatewayCustomAuthorizerResponse) {
	t.Helper()
	req := whoami(map[string]string{"x-api-key": f.token2})
	for range n {
		resp, err := f.auth.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if effect(resp, req.MethodArn) == authorizer.Allow {
			allowed++
		} else {
			refused = resp
		}
	}
	return allowed, refused
}

// TestOverLimit: a request over a limit gets an explicit Deny of its own
// method ARN whose context is what the 403 shows: the reason, Retry-After
// and the IETF RateLimit fields.
func TestOverLimit(t *testing.T) {
	day := meter.Day.Start(t0)
	for _, tc := range []struct {
		name    string
		limits  meter.Limits
		allowed int
		context map[string]any
	}{
		{name: "rate limit", limits: meter.Limits{Rate: &meter.RateLimit{Limit: 3, Window: time.Minute}}, allowed: 3,
			context: map[string]any{"message": "rate limit exceeded", "retryAfter": "60",
				"rateLimit": `"rate";r=0;t=60`, "rateLimitPolicy": `"rate";q=3;w=60`}},
		{name: "quota with refill", allowed: 2,
			limits: meter.Limits{Quota: &meter.Quota{Limit: 5, Remaining: 2, Period: day, Refill: &meter.Refill{Amount: 5, Interval: meter.Day}}},
			context: map[string]any{"message": "quota exhausted", "retryAfter": "16200",
				"rateLimit": `"quota";r=0;t=16200`, "rateLimitPolicy": `"quota";q=5;w=86400`}},
		{name: "quota", limits: meter.Limits{Quota: &meter.Quota{Limit: 1, Remaining: 1}}, allowed: 1,
			context: map[string]any{"message": "quota exhausted", "rateLimit": `"quota";r=0`, "rateLimitPolicy": `"quota";q=1`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newMeteredFixture(t, tc.limits)
			allowed, refused := f.call(t, tc.allowed+2)
			if allowed != tc.allowed {
				t.Fatalf("allowed %d, want %d", allowed, tc.allowed)
			}
			if effect(refused, whoami(nil).MethodArn) != authorizer.Deny || refused.Context["credentialId"] != f.limited.ID {
				t.Fatalf("refusal %+v is not an explicit Deny for the limited key", refused)
			}
			for k, v := range tc.context {
				if refused.Context[k] != v {
					t.Errorf("context %s = %v, want %v", k, refused.Context[k], v)
				}
			}
			if _, ok := tc.context["retryAfter"]; !ok && refused.Context["retryAfter"] != nil {
				t.Errorf("retryAfter %v for a quota that never refills", refused.Context["retryAfter"])
			}
		})
	}
}

// TestUnmeteredCostsNothing: a credential without limits (and an owner
// without one) never leases; revoked, inactive and expired credentials
// are refused without touching their counters.
func TestUnmeteredCostsNothing(t *testing.T) {
	f := newMeteredFixture(t, meter.Limits{Rate: &meter.RateLimit{Limit: 100, Window: time.Minute}})
	for range 3 {
		if resp, err := f.auth.Handle(context.Background(), whoami(map[string]string{"x-api-key": f.token})); err != nil || resp.Context["message"] != nil {
			t.Fatalf("unmetered key: %+v, %v", resp, err)
		}
	}
	k, _ := f.store.GetKey(context.Background(), project, f.limited.ID)
	k.Status = apikey.Inactive
	if err := f.store.UpdateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Handle(context.Background(), whoami(map[string]string{"x-api-key": f.token2})); !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("inactive metered key: %v", err)
	}
	if n := f.leasing.leases.Load(); n != 0 {
		t.Fatalf("%d leases taken for requests that are not metered", n)
	}
}

// TestMissingScopeSpendsNothing: a request the credential's scopes do not
// reach is refused before any count is spent.
func TestMissingScopeSpendsNothing(t *testing.T) {
	f := newMeteredFixture(t, meter.Limits{Rate: &meter.RateLimit{Limit: 1, Window: time.Minute}})
	req := request("POST", "/v1/users", map[string]string{"x-api-key": f.token2})
	for range 3 {
		resp, err := f.auth.Handle(context.Background(), req)
		if err != nil || effect(resp, req.MethodArn) != authorizer.Deny || resp.Context["message"] != authorizer.DeniedMessage {
			t.Fatalf("missing scope: %+v, %v", resp, err)
		}
	}
	if allowed, _ := f.call(t, 1); allowed != 1 || f.leasing.leases.Load() != 1 {
		t.Fatalf("after refusals for scope: allowed %d with %d leases; want the one count unspent", allowed, f.leasing.leases.Load())
	}
}

// TestMeteringFailsClosed: a lease the store cannot give refuses the
// request and logs the failure for the alarm.
func TestMeteringFailsClosed(t *testing.T) {
	f := newMeteredFixture(t, meter.Limits{Rate: &meter.RateLimit{Limit: 100, Window: time.Minute}})
	f.leasing.fail = errors.New("ProvisionedThroughputExceededException")
	if allowed, refused := f.call(t, 2); allowed != 0 || refused.Context["message"] != meter.Unavailable ||
		refused.Context["retryAfter"] != "1" || refused.Context["rateLimit"] != nil {
		t.Fatalf("allowed %d, refusal %+v; want every request refused", allowed, refused)
	}
	if !strings.Contains(f.logs.String(), authorizer.MeteringFailed) || strings.Contains(f.logs.String(), f.token2) {
		t.Fatalf("logs lack the failure or hold the key:\n%s", f.logs)
	}
}

// TestUsageIsRecorded: authorized and refused requests of a metered
// credential reach its hourly counts.
func TestUsageIsRecorded(t *testing.T) {
	f := newMeteredFixture(t, meter.Limits{Rate: &meter.RateLimit{Limit: 2, Window: time.Minute}})
	f.call(t, 5)
	f.clock.Advance(11 * time.Second)
	f.call(t, 1)
	f.auth.Wait()
	got, err := f.store.ListUsage(context.Background(), project, f.limited.ID, t0.Add(-time.Hour))
	if err != nil || len(got) != 1 || got[0].Authorized != 2 || got[0].Refused != 4 {
		t.Fatalf("usage = %+v, %v; want 2 authorized and 4 refused", got, err)
	}
}

// BenchmarkWarmMetered is the warm decision on a key with a rate limit and
// a quota, their leases in hand: what metering adds to the hot path when
// it needs no store call.
func BenchmarkWarmMetered(b *testing.B) {
	f := newMeteredFixture(&testing.T{}, meter.Limits{
		Rate:  &meter.RateLimit{Limit: meter.MaxLimit, Window: meter.MaxWindow},
		Quota: &meter.Quota{Limit: meter.MaxLimit, Remaining: meter.MaxLimit},
	})
	req := whoami(map[string]string{"x-api-key": f.token2})
	for range 64 { // grow the leases to their cap
		if _, err := f.auth.Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	leases := f.leasing.leases.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := f.auth.Handle(context.Background(), req)
		if err != nil || resp.Context[access.ContextMessage] != nil {
			b.Fatal(resp, err)
		}
	}
	b.ReportMetric(float64(f.leasing.leases.Load()-leases)/float64(b.N), "leases/op")
}

// TestRotatedKeySharesLimits: during a rotation's overlap the old key and
// its successor spend one rate limit and one balance, so rotating never
// doubles what a key may do.
func TestRotatedKeySharesLimits(t *testing.T) {
	f := newMeteredFixture(t, meter.Limits{Rate: &meter.RateLimit{Limit: 4, Window: time.Minute},
		Quota: &meter.Quota{Limit: 100, Remaining: 3}})
	ctx := context.Background()
	old, err := f.store.GetKey(ctx, project, f.limited.ID)
	if err != nil {
		t.Fatal(err)
	}
	ended, successor, tok, err := apikey.Rotate(old, t0, time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.RotateKey(ctx, ended, successor); err != nil {
		t.Fatal(err)
	}
	allowed := 0
	for _, key := range []string{f.token2, tok, f.token2, tok, f.token2} {
		req := whoami(map[string]string{"x-api-key": key})
		resp, err := f.auth.Handle(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if effect(resp, req.MethodArn) == authorizer.Allow {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("old key and successor together passed %d, want the 3 credits they share", allowed)
	}
}

// TestOwnerLimitCoversEveryKind: a user's rate limit holds for the
// credentials that carry no limits of their own: its SAS tokens and its
// certificate over mutual TLS.
func TestOwnerLimitCoversEveryKind(t *testing.T) {
	limit := &meter.RateLimit{Limit: 3, Window: time.Minute}
	expiry := t0.Add(time.Hour)
	cases := map[string]func(t *testing.T) (*authorizer.Authorizer, events.APIGatewayCustomAuthorizerRequestTypeRequest){
		"shared access signature": func(t *testing.T) (*authorizer.Authorizer, events.APIGatewayCustomAuthorizerRequestTypeRequest) {
			f := newSASFixture(t)
			f.setOwner(t, func(u *user.User) { u.RateLimit = limit })
			return f.auth, whoami(map[string]string{"Authorization": sas.Sign(f.cred.Identifier, f.cred.Primary, expiry)})
		},
		"certificate": func(t *testing.T) (*authorizer.Authorizer, events.APIGatewayCustomAuthorizerRequestTypeRequest) {
			f := newCertFixture(t)
			f.setOwner(t, func(u *user.User) { u.RateLimit = limit })
			return f.auth, overMTLS(f.pem, nil)
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			a, req := setup(t)
			allowed := 0
			for range 5 {
				resp, err := a.Handle(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				if effect(resp, req.MethodArn) == authorizer.Allow {
					allowed++
				} else if resp.Context["message"] != meter.RateLimited {
					t.Fatalf("refusal %v", resp.Context)
				}
			}
			if allowed != 3 {
				t.Fatalf("allowed %d, want the owner's 3", allowed)
			}
		})
	}
}
