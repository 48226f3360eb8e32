package management

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/meter"
)

// rateLimitJSON is a rate limit as the API shows and takes it.
type rateLimitJSON struct {
	Limit         int64 `json:"limit"`
	WindowSeconds int64 `json:"windowSeconds"`
}

type refillJSON struct {
	Amount   int64  `json:"amount"`
	Interval string `json:"interval"`
}

// quotaJSON is a quota as the API shows it; Refill is null without one.
type quotaJSON struct {
	Limit     int64       `json:"limit"`
	Remaining int64       `json:"remaining"`
	Refill    *refillJSON `json:"refill"`
}

// limitsJSON is the limits of a key or a client as the API shows them:
// null where there is none.
type limitsJSON struct {
	RateLimit *rateLimitJSON `json:"rateLimit"`
	Quota     *quotaJSON     `json:"quota"`
}

func showRateLimit(r *meter.RateLimit) *rateLimitJSON {
	if r == nil {
		return nil
	}
	return &rateLimitJSON{Limit: r.Limit, WindowSeconds: int64(r.Window / time.Second)}
}

// showLimits is l as the API shows it at now: a quota's balance is the
// stored one plus the refills begun since.
func showLimits(l meter.Limits, now time.Time) limitsJSON {
	j := limitsJSON{RateLimit: showRateLimit(l.Rate)}
	if q := l.Quota; q != nil {
		remaining, _ := q.At(now)
		j.Quota = &quotaJSON{Limit: q.Limit, Remaining: remaining}
		if q.Refill != nil {
			j.Quota.Refill = &refillJSON{Amount: q.Refill.Amount, Interval: string(q.Refill.Interval)}
		}
	}
	return j
}

// tagged is j as an entity tag covers it: without the quota's balance,
// which authorizers spend and refills restore without a change to the
// record, so that an If-Match stays usable on a busy credential.
func (j limitsJSON) tagged() limitsJSON {
	if j.Quota != nil {
		q := *j.Quota
		q.Remaining = 0
		j.Quota = &q
	}
	return j
}

// limitMember is a request's rateLimit or quota: omitted, null or a value,
// kept raw until it is parsed.
type limitMember struct {
	set bool
	raw json.RawMessage
}

func (m *limitMember) UnmarshalJSON(b []byte) error {
	m.set, m.raw = true, append(json.RawMessage(nil), b...)
	return nil
}

func (m limitMember) null() bool { return string(m.raw) == "null" }

// limitsChange is a request's change of a credential's limits: each of the
// rate limit and the quota kept (not set), removed (set, nil) or replaced
// (a new quota's balance is remaining, or its limit when that is nil); or,
// with remaining alone, the quota's balance set (a top-up).
type limitsChange struct {
	rateSet, quotaSet bool
	rate              *meter.RateLimit
	quota             *meter.Quota
	remaining         *int64
}

// parseLimits reads the rateLimit and quota members of a request.
func parseLimits(rate, quota limitMember) (limitsChange, error) {
	c := limitsChange{rateSet: rate.set}
	var err error
	if rate.set {
		if c.rate, err = parseRateLimit(rate); err != nil {
			return limitsChange{}, err
		}
	}
	if quota.set && !quota.null() {
		if c.quota, c.remaining, err = parseQuota(quota.raw); err != nil {
			return limitsChange{}, err
		}
	}
	c.quotaSet = quota.set
	return c, nil
}

// newLimits is the limits of a credential created at now with the
// rateLimit and quota members given.
func newLimits(rate, quota limitMember, now time.Time) (meter.Limits, error) {
	c, err := parseLimits(rate, quota)
	if err != nil {
		return meter.Limits{}, err
	}
	return c.apply(meter.Limits{}, now)
}

// apply is l changed by c at now. A new quota starts with the remaining
// it was given (by default its limit), a top-up sets the balance of the
// quota l has; either's balance belongs to the refill interval holding now.
func (c limitsChange) apply(l meter.Limits, now time.Time) (meter.Limits, error) {
	l = l.Clone()
	if c.rateSet {
		l.Rate = c.rate
	}
	switch {
	case c.quota != nil:
		q := c.quota.ResetTo(c.quota.Remaining, now)
		l.Quota = &q
	case c.remaining != nil:
		if l.Quota == nil {
			return meter.Limits{}, apigw.Invalid("quota.limit", "required: there is no quota to top up")
		}
		q := l.Quota.ResetTo(*c.remaining, now)
		if err := limitProblem("quota", q.Check()); err != nil {
			return meter.Limits{}, err
		}
		l.Quota = &q
	case c.quotaSet:
		l.Quota = nil
	}
	return l, nil
}

// parseRateLimit reads a rateLimit member that was given: nil for null.
func parseRateLimit(member limitMember) (*meter.RateLimit, error) {
	const field = "rateLimit"
	if member.null() {
		return nil, nil
	}
	m, err := members(field, member.raw, "limit", "windowSeconds")
	if err != nil {
		return nil, err
	}
	limit, err := integer(field, m, "limit", true)
	if err != nil {
		return nil, err
	}
	secs, err := integer(field, m, "windowSeconds", true)
	if err != nil {
		return nil, err
	}
	// Clamped so that the product cannot overflow; anything clamped is out
	// of bounds still, and Check says so.
	r := &meter.RateLimit{Limit: *limit, Window: time.Duration(min(max(*secs, 0), 1<<32)) * time.Second}
	return r, limitProblem(field, r.Check())
}

// parseQuota reads a quota object: a new quota, whose balance is its
// remaining or else its limit, or a top-up (nil, remaining) when it holds
// remaining alone.
func parseQuota(raw json.RawMessage) (*meter.Quota, *int64, error) {
	m, err := members("quota", raw, "limit", "remaining", "refill")
	if err != nil {
		return nil, nil, err
	}
	remaining, err := integer("quota", m, "remaining", false)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := m["limit"]; !ok && remaining != nil {
		if len(m) > 1 {
			return nil, nil, apigw.Invalid("quota.limit", "required, unless remaining is given alone (a top-up)")
		}
		return nil, remaining, nil
	}
	limit, err := integer("quota", m, "limit", true)
	if err != nil {
		return nil, nil, err
	}
	q := &meter.Quota{Limit: *limit, Remaining: *limit}
	if remaining != nil {
		q.Remaining = *remaining
	}
	if q.Refill, err = parseRefill(m["refill"]); err != nil {
		return nil, nil, err
	}
	return q, nil, limitProblem("quota", q.Check())
}

// parseRefill reads a quota's refill: absent or null for none.
func parseRefill(raw json.RawMessage) (*meter.Refill, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	m, err := members("quota.refill", raw, "amount", "interval")
	if err != nil {
		return nil, err
	}
	amount, err := integer("quota.refill", m, "amount", true)
	if err != nil {
		return nil, err
	}
	var interval string
	in, ok := m["interval"]
	if !ok {
		return nil, apigw.Invalid("quota.refill.interval", "required")
	}
	if string(in) == "null" || json.Unmarshal(in, &interval) != nil {
		return nil, apigw.Invalid("quota.refill.interval", `must be "hour", "day" or "month"`)
	}
	return &meter.Refill{Amount: *amount, Interval: meter.Interval(interval)}, nil
}

// limitProblem is the 400 naming the member of object at fault for a
// *meter.FieldError; other errors pass.
func limitProblem(object string, err error) error {
	var fe *meter.FieldError
	if errors.As(err, &fe) {
		return apigw.Invalid(object+"."+fe.Field, "%s", fe.Reason)
	}
	return err
}

// members reads raw, the JSON object field, into its members, refusing
// any other JSON value, members not in known, and members given twice.
func members(field string, raw json.RawMessage, known ...string) (map[string]json.RawMessage, error) {
	notObject := apigw.Invalid(field, "must be an object or null")
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return nil, notObject
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		switch _, seen := m[name]; {
		case !slices.Contains(known, name):
			return nil, apigw.Invalid(field+"."+name, "unknown field (names are case-sensitive)")
		case seen:
			return nil, apigw.Invalid(field+"."+name, "given more than once")
		}
		m[name] = v
	}
	return m, nil
}

// integer reads the member name of the object field as an integer; nil
// when it is absent and not required.
func integer(field string, m map[string]json.RawMessage, name string, required bool) (*int64, error) {
	raw, ok := m[name]
	if !ok {
		if required {
			return nil, apigw.Invalid(field+"."+name, "required")
		}
		return nil, nil
	}
	var n int64
	if string(raw) == "null" || json.Unmarshal(raw, &n) != nil {
		return nil, apigw.Invalid(field+"."+name, "must be an integer")
	}
	return &n, nil
}

// mayLimit refuses a change of limits (a rateLimit or quota member given)
// to a caller without the issuing role: limits bound a credential, and one
// who may not issue credentials may not lift the bounds of those it holds
// either.
func mayLimit(c *call, rate, quota limitMember) error {
	if (rate.set || quota.set) && !c.user.MayIssue() {
		return apigw.Forbidden("changing limits needs the credential-issuer or admin role")
	}
	return nil
}
