package management

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/meter"
)

// FuzzLimits: the rateLimit and quota members of a body are refused with
// a 400 naming the member at fault, or give limits within meter's bounds
// whose balance starts in the interval holding now; what GET shows of
// them is taken back unchanged.
func FuzzLimits(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"limit":100,"windowSeconds":60}`, `{"limit":10000,"refill":{"amount":10000,"interval":"day"}}`},
		{`null`, `{"limit":10,"remaining":0,"refill":null}`},
		{`{"limit":1,"windowSeconds":86401}`, `{"remaining":5}`},
		{`{"limit":1e3,"windowSeconds":-1}`, `{"limit":5,"refill":{"amount":6,"interval":"week"}}`},
		{`{"Limit":1,"limit":1}`, `[]`},
		{`"100/60s"`, `{"limit":9223372036854775807,"remaining":-9223372036854775808}`},
	} {
		f.Add(seed[0], seed[1])
	}
	now := time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, rate, quota string) {
		var body struct {
			RateLimit limitMember `json:"rateLimit"`
			Quota     limitMember `json:"quota"`
		}
		if apigw.DecodeJSON([]byte(`{"rateLimit":`+rate+`,"quota":`+quota+`}`), &body) != nil {
			return // not a body: refused before the members are read
		}
		l, err := newLimits(body.RateLimit, body.Quota, now)
		if err != nil {
			var p *apigw.Problem
			if !errors.As(err, &p) || p.Status != http.StatusBadRequest ||
				!strings.HasPrefix(p.Detail, "rateLimit") && !strings.HasPrefix(p.Detail, "quota") {
				t.Fatalf("refused with %v, want a 400 naming rateLimit or quota", err)
			}
			return
		}
		if l.Rate != nil && l.Rate.Check() != nil || l.Quota != nil && l.Quota.Check() != nil {
			t.Fatalf("accepted out of bounds: %+v %+v", l.Rate, l.Quota)
		}
		if q := l.Quota; q != nil && (!q.Reset || q.Refill != nil && !q.Period.Equal(q.Refill.Interval.Start(now)) || q.Refill == nil && !q.Period.IsZero()) {
			t.Fatalf("new quota %+v: not a balance as of now", q)
		}
		shown := showLimits(l, now)
		r, _ := json.Marshal(shown.RateLimit)
		q, _ := json.Marshal(shown.Quota)
		var again struct {
			RateLimit limitMember `json:"rateLimit"`
			Quota     limitMember `json:"quota"`
		}
		if err := apigw.DecodeJSON([]byte(`{"rateLimit":`+string(r)+`,"quota":`+string(q)+`}`), &again); err != nil {
			t.Fatal(err)
		}
		back, err := newLimits(again.RateLimit, again.Quota, now)
		if err != nil || !sameLimits(back, l) {
			t.Fatalf("shown %s %s, taken back as %+v (%v), want %+v", r, q, back, err, l)
		}
	})
}

func sameLimits(a, b meter.Limits) bool {
	if (a.Rate == nil) != (b.Rate == nil) || a.Rate != nil && *a.Rate != *b.Rate || (a.Quota == nil) != (b.Quota == nil) {
		return false
	}
	if a.Quota == nil {
		return true
	}
	qa, qb := *a.Quota, *b.Quota
	if (qa.Refill == nil) != (qb.Refill == nil) || qa.Refill != nil && *qa.Refill != *qb.Refill {
		return false
	}
	qa.Refill, qb.Refill = nil, nil
	return qa == qb
}
