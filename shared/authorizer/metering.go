package authorizer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
)

// DeniedMessage is the message of a 403 for a route the credential's
// scopes do not reach: API Gateway's own for an explicit Deny.
const DeniedMessage = "User is not authorized to access this resource with an explicit deny"

// MeteringFailed starts the log line of a metering write that failed (the
// request is refused): the CDK app alarms on it.
const MeteringFailed = "authorizer: metering failed"

// spend spends one count of each of p's limits, records the outcome in
// the credential's usage, and returns the refusal of a request over a
// limit, announced by an event. A store error refuses (fail closed:
// meter.Unavailable, retry in a second) and is logged for the alarm, with
// no event: the credential is not over a limit.
func (a *Authorizer) spend(ctx context.Context, p *meter.Plan, kind credential.Type, now time.Time) *meter.Refusal {
	over, err := a.meter.Spend(ctx, p, now)
	if err != nil {
		a.opt.Logger.Error(MeteringFailed, "credentialId", p.Credential, "error", err)
		over = &meter.Refusal{Reason: meter.Unavailable, RetryAfter: time.Second}
	} else if over != nil {
		a.announce(ctx, meter.EventOf(p, over, string(kind), now))
	}
	a.record(ctx, p.Credential, now, over == nil)
	return over
}

// errLate is an event not recorded within meter.EventDeadline of its time.
var errLate = errors.New("past its deadline: dropped")

// announce records e in the background, the first time this instance
// sees its credential, type and minute (the store keeps one across
// instances). An event that cannot be written within meter.EventDeadline
// of its time is dropped, so the forwarder can take a minute as complete.
func (a *Authorizer) announce(ctx context.Context, e meter.Event) {
	if !a.events.First(e) {
		return
	}
	a.inBackground(ctx, "recording an event", e.CredentialID, func(ctx context.Context) error {
		left := e.Time.Add(meter.EventDeadline).Sub(a.opt.Clock.Now())
		if left <= 0 {
			return errLate
		}
		ctx, cancel := context.WithTimeout(ctx, left)
		defer cancel()
		_, err := a.store.RecordMeterEvent(ctx, a.opt.ProjectID, e)
		return err
	})
}

// record counts a decision on credential in its usage; the counts are
// written in the background when due.
func (a *Authorizer) record(ctx context.Context, credential string, now time.Time, authorized bool) {
	if counts, due := a.meter.Record(credential, now, authorized); due {
		a.inBackground(ctx, "recording usage", credential, func(ctx context.Context) error {
			return a.store.AddUsage(ctx, a.opt.ProjectID, credential, counts.Hour, counts.Authorized, counts.Refused)
		})
	}
}

// inBackground runs write off the decision's path, within the store
// timeout: a failure is logged (naming the credential by id), a panic
// recovered, counted and logged, never fatal.
func (a *Authorizer) inBackground(ctx context.Context, what, credentialID string, write func(context.Context) error) {
	a.pending.Add(1)
	go func() {
		defer a.pending.Done()
		defer a.recoverBackground(what, credentialID)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.opt.StoreTimeout)
		defer cancel()
		if err := write(sctx); err != nil {
			a.opt.Logger.Warn("authorizer: "+what+" failed", "credentialId", credentialID, "error", err)
		}
	}()
}

// recoverBackground, deferred by a background write, keeps its panic from
// ending the process: it counts and logs it. The panic's value is not
// logged (a store's could hold anything); a runtime error's text and the
// stack are.
func (a *Authorizer) recoverBackground(what, credentialID string) {
	r := recover()
	if r == nil {
		return
	}
	a.panics.Add(1)
	kind := fmt.Sprintf("%T", r)
	if re, ok := r.(runtime.Error); ok {
		kind = re.Error()
	}
	a.opt.Logger.Error("authorizer: "+what+" panicked", "credentialId", credentialID, "panic", kind, "stack", string(debug.Stack()))
}

// Panics is how many background writes panicked.
func (a *Authorizer) Panics() int64 { return a.panics.Load() }

// Wait blocks until the background writes have finished.
func (a *Authorizer) Wait() { a.pending.Wait() }

// refusal is the answer to a request p may not make: an explicit Deny of
// refused (its method ARN), with what API Gateway's ACCESS_DENIED
// response shows in the context. Over a limit (over), that is the reason
// as the message, Retry-After in whole seconds, and the IETF RateLimit
// and RateLimit-Policy fields; otherwise DeniedMessage.
func refusal(p access.Principal, routes routeList, refused string, over *meter.Refusal) events.APIGatewayCustomAuthorizerResponse {
	resp := response(p, routes, refused)
	resp.Context[access.ContextMessage] = DeniedMessage
	if over == nil {
		return resp
	}
	resp.Context[access.ContextMessage] = over.Reason
	retry := int64(math.Ceil(over.RetryAfter.Seconds()))
	if retry > 0 {
		resp.Context[access.ContextRetryAfter] = strconv.FormatInt(retry, 10)
	}
	if over.Limit == 0 { // no limit was reached: metering is unavailable
		return resp
	}
	name := "rate"
	if over.Reason == meter.Exhausted {
		name = "quota"
	}
	policy := strconv.Quote(name) + ";q=" + strconv.FormatInt(over.Limit, 10)
	if over.Window > 0 {
		policy += ";w=" + strconv.FormatInt(int64(over.Window/time.Second), 10)
	}
	state := strconv.Quote(name) + ";r=0"
	if retry > 0 {
		state += ";t=" + strconv.FormatInt(retry, 10)
	}
	resp.Context[access.ContextRateLimit], resp.Context[access.ContextRateLimitPolicy] = state, policy
	return resp
}
