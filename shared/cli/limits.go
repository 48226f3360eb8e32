package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// rateLimit and quota are a credential's limits as the API shows them.
type rateLimit struct {
	Limit         int64 `json:"limit"`
	WindowSeconds int64 `json:"windowSeconds"`
}

type quota struct {
	Limit     int64 `json:"limit"`
	Remaining int64 `json:"remaining"`
	Refill    *struct {
		Amount   int64  `json:"amount"`
		Interval string `json:"interval"`
	} `json:"refill"`
}

// String is r as --rate-limit takes it: 100/60s.
func (r *rateLimit) String() string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%d/%ds", r.Limit, r.WindowSeconds)
}

// limitCell is a rateLimit or quota member as a table shows it.
func limitCell(field string, v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var s fmt.Stringer = &rateLimit{}
	if field == "quota" {
		s = &quota{}
	}
	if json.Unmarshal(b, s) != nil {
		return fmt.Sprint(v)
	}
	return s.String()
}

// String is q as a table shows it: remaining/limit, and the refill.
func (q *quota) String() string {
	if q == nil {
		return "-"
	}
	s := fmt.Sprintf("%d/%d", q.Remaining, q.Limit)
	if q.Refill != nil {
		s += fmt.Sprintf(" +%d/%s", q.Refill.Amount, q.Refill.Interval)
	}
	return s
}

// limitFlags are the flags that set a credential's limits: on an update
// also their removal and a top-up; rateOnly (a user) has no quota.
type limitFlags struct {
	fs                  *pflag.FlagSet
	update, rateOnly    bool
	rate, quota, refill string
	remaining           int64
	noRate, noQuota     bool
}

func (f *limitFlags) register(c *cobra.Command, update, rateOnly bool) {
	f.fs, f.update, f.rateOnly = c.Flags(), update, rateOnly
	f.fs.StringVar(&f.rate, "rate-limit", "", "at most N requests per window, such as 100/60s or 100/1m")
	if update {
		f.fs.BoolVar(&f.noRate, "no-rate-limit", false, "remove the rate limit (as --rate-limit none)")
	}
	if rateOnly {
		return
	}
	f.fs.StringVar(&f.quota, "quota", "", "a quota of N credits, one spent per request")
	f.fs.StringVar(&f.refill, "refill", "", "with --quota: add N credits every hour, day or month, such as 10000/day")
	help := "with --quota: the credits to start with (default: the quota)"
	if update {
		help += "; alone: set the balance of the quota there is (a top-up)"
		f.fs.BoolVar(&f.noQuota, "no-quota", false, "remove the quota (as --quota none)")
	}
	f.fs.Int64Var(&f.remaining, "remaining", 0, help)
}

// addTo adds the rateLimit and quota members the flags give to body.
func (f *limitFlags) addTo(body map[string]any) error {
	if err := f.addRate(body); err != nil {
		return err
	}
	if f.rateOnly {
		return nil
	}
	return f.addQuota(body)
}

func (f *limitFlags) addRate(body map[string]any) error {
	switch {
	case f.noRate && f.rate != "":
		return usagef("give --rate-limit or --no-rate-limit, not both")
	case f.noRate || f.update && f.rate == "none":
		body["rateLimit"] = nil
	case f.rate != "":
		r, err := parseRate(f.rate)
		if err != nil {
			return err
		}
		body["rateLimit"] = r
	}
	return nil
}

func (f *limitFlags) addQuota(body map[string]any) error {
	remaining := f.fs.Changed("remaining")
	switch {
	case f.noQuota && (f.quota != "" || f.refill != "" || remaining):
		return usagef("give --no-quota alone")
	case f.noQuota || f.update && f.quota == "none":
		body["quota"] = nil
	case f.quota == "" && f.refill != "":
		return usagef("--refill needs --quota")
	case f.quota == "" && remaining && !f.update:
		return usagef("--remaining needs --quota")
	case f.quota == "" && remaining:
		body["quota"] = map[string]any{"remaining": f.remaining}
	case f.quota != "":
		q, err := f.newQuota(remaining)
		if err != nil {
			return err
		}
		body["quota"] = q
	}
	return nil
}

// newQuota is the quota --quota, --refill and --remaining give.
func (f *limitFlags) newQuota(remaining bool) (map[string]any, error) {
	n, err := strconv.ParseInt(f.quota, 10, 64)
	if err != nil || n < 1 {
		return nil, usagef("--quota: a number of credits, 1 or more")
	}
	q := map[string]any{"limit": n}
	if remaining {
		q["remaining"] = f.remaining
	}
	if f.refill != "" {
		amount, interval, ok := strings.Cut(f.refill, "/")
		a, err := strconv.ParseInt(amount, 10, 64)
		if !ok || err != nil || a < 1 || interval != "hour" && interval != "day" && interval != "month" {
			return nil, usagef("--refill: N/hour, N/day or N/month, such as 10000/day")
		}
		q["refill"] = map[string]any{"amount": a, "interval": interval}
	}
	return q, nil
}

// parseRate parses --rate-limit: N/DURATION, the duration whole seconds.
func parseRate(s string) (rateLimit, error) {
	bad := usagef("--rate-limit: N/DURATION in whole seconds, such as 100/60s or 100/1m")
	limit, window, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(limit, 10, 64)
	if !ok || err != nil || n < 1 {
		return rateLimit{}, bad
	}
	d, err := time.ParseDuration(window)
	if err != nil || d < time.Second || d%time.Second != 0 {
		return rateLimit{}, bad
	}
	return rateLimit{Limit: n, WindowSeconds: int64(d / time.Second)}, nil
}

// limitsUse is the limit flags of a create command's usage line.
const limitsUse = "[--rate-limit N/DURATION] [--quota N [--refill N/INTERVAL] [--remaining N]]"
