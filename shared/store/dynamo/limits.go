package dynamo

import (
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/meter"
)

// Attributes of a credential's limits. rateLimit and quota (the quota's
// configuration) are on every item the authorizer may read a credential
// from; the quota's balance, which authorizers spend, is on the
// credential's record item only.
const (
	attrRateLimit      = "rateLimit"
	attrQuota          = "quota"
	attrQuotaRemaining = "quotaRemaining"
	attrQuotaPeriod    = "quotaPeriod" // absent when the quota has no refill
)

// rateLimitItem is a rate limit as stored.
type rateLimitItem struct {
	Limit         int64 `dynamodbav:"limit"`
	WindowSeconds int64 `dynamodbav:"windowSeconds"`
}

// quotaItem is a quota's configuration as stored; no refill attributes
// mean no refill.
type quotaItem struct {
	Limit          int64  `dynamodbav:"limit"`
	RefillAmount   int64  `dynamodbav:"refillAmount,omitempty"`
	RefillInterval string `dynamodbav:"refillInterval,omitempty"`
}

// limitsItem holds the limits of a credential's item; it is embedded in
// the item types, so its attributes sit beside theirs. The balance
// (Remaining and Period) is set on record items only.
type limitsItem struct {
	RateLimit *rateLimitItem `dynamodbav:"rateLimit,omitempty"`
	Quota     *quotaItem     `dynamodbav:"quota,omitempty"`
	Remaining *int64         `dynamodbav:"quotaRemaining,omitempty"`
	Period    string         `dynamodbav:"quotaPeriod,omitempty"`
}

func toRateLimitItem(r *meter.RateLimit) *rateLimitItem {
	if r == nil {
		return nil
	}
	return &rateLimitItem{Limit: r.Limit, WindowSeconds: int64(r.Window / time.Second)}
}

func toQuotaItem(q *meter.Quota) *quotaItem {
	if q == nil {
		return nil
	}
	it := &quotaItem{Limit: q.Limit}
	if q.Refill != nil {
		it.RefillAmount, it.RefillInterval = q.Refill.Amount, string(q.Refill.Interval)
	}
	return it
}

// toLimitsItem is l as stored; with balance (a record item), the quota's
// balance too.
func toLimitsItem(l meter.Limits, balance bool) limitsItem {
	it := limitsItem{RateLimit: toRateLimitItem(l.Rate), Quota: toQuotaItem(l.Quota)}
	if balance && l.Quota != nil {
		remaining := l.Quota.Remaining
		it.Remaining, it.Period = &remaining, formatPeriod(l.Quota)
	}
	return it
}

// formatPeriod is q's period as stored: "" without a refill.
func formatPeriod(q *meter.Quota) string {
	if q.Refill == nil {
		return ""
	}
	return formatTime(q.Period)
}

func fromRateLimitItem(it *rateLimitItem) *meter.RateLimit {
	if it == nil {
		return nil
	}
	return &meter.RateLimit{Limit: it.Limit, Window: time.Duration(it.WindowSeconds) * time.Second}
}

// limits decodes the limits of an item; a quota read from an item without
// its balance (a lookup item) has Remaining 0.
func (p *parser) limits(it limitsItem) meter.Limits {
	l := meter.Limits{Rate: fromRateLimitItem(it.RateLimit)}
	if it.Quota == nil {
		return l
	}
	q := &meter.Quota{Limit: it.Quota.Limit, Period: p.timeOrZero(it.Period)}
	if it.Quota.RefillInterval != "" {
		q.Refill = &meter.Refill{Amount: it.Quota.RefillAmount, Interval: meter.Interval(it.Quota.RefillInterval)}
	}
	if it.Remaining != nil {
		q.Remaining = *it.Remaining
	}
	l.Quota = q
	return l
}

// updateExpr builds an UpdateExpression that sets and removes attributes,
// with one placeholder each (#attr, :attr), and its names and values.
type updateExpr struct {
	set, remove []string
	names       map[string]string
	values      map[string]types.AttributeValue
}

func newUpdateExpr() *updateExpr {
	return &updateExpr{names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

// setTo sets attr to v.
func (u *updateExpr) setTo(attr string, v types.AttributeValue) {
	u.names["#"+attr], u.values[":"+attr] = attr, v
	u.set = append(u.set, "#"+attr+" = :"+attr)
}

// setValue sets attr to v encoded (every value of this package encodes).
func (u *updateExpr) setValue(attr string, v any) {
	av, err := attributevalue.Marshal(v)
	if err != nil {
		panic("dynamo: " + attr + " does not encode: " + err.Error())
	}
	u.setTo(attr, av)
}

// drop removes attr.
func (u *updateExpr) drop(attr string) {
	u.names["#"+attr] = attr
	u.remove = append(u.remove, "#"+attr)
}

// expression is the UpdateExpression, with extra SET clauses (which bring
// their own placeholders) after the attributes set.
func (u *updateExpr) expression(extra ...string) string {
	var b strings.Builder
	if set := slices.Concat(u.set, extra); len(set) > 0 {
		b.WriteString("SET " + strings.Join(set, ", "))
	}
	if len(u.remove) > 0 {
		b.WriteString(" REMOVE " + strings.Join(u.remove, ", "))
	}
	return strings.TrimSpace(b.String())
}

// setRateLimit writes r, or removes the rate limit when r is nil.
func (u *updateExpr) setRateLimit(r *meter.RateLimit) {
	if r == nil {
		u.drop(attrRateLimit)
		return
	}
	u.setValue(attrRateLimit, toRateLimitItem(r))
}

// setLimits writes l's configuration, removing what l has not. With
// balance (a record item) it also writes the quota's balance when
// l.Quota.Reset, and removes it with the quota; otherwise the stored
// balance, which authorizers spend concurrently, is left alone.
func (u *updateExpr) setLimits(l meter.Limits, balance bool) {
	u.setRateLimit(l.Rate)
	q := l.Quota
	if q == nil {
		u.drop(attrQuota)
		if balance {
			u.drop(attrQuotaRemaining)
			u.drop(attrQuotaPeriod)
		}
		return
	}
	u.setValue(attrQuota, toQuotaItem(q))
	if !balance || !q.Reset {
		return
	}
	u.setTo(attrQuotaRemaining, number(q.Remaining))
	if period := formatPeriod(q); period != "" {
		u.setTo(attrQuotaPeriod, &types.AttributeValueMemberS{Value: period})
	} else {
		u.drop(attrQuotaPeriod)
	}
}
