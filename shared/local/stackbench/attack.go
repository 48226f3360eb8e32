package stackbench

import (
	"net/http"
	"sort"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Phase is one load run against one target.
type Phase struct {
	Name     string // what is measured, e.g. "whoami"
	Server   string // who answers, e.g. "Tollgate" or "bare net/http"
	Target   vegeta.Target
	Rate     int // requests per second; 0: saturation, Workers requests in flight at all times
	Workers  int // at saturation, the requests kept in flight
	Duration time.Duration
}

// Result is what one phase measured.
type Result struct {
	Phase
	Requests   uint64
	Throughput float64 // successful (2xx) answers per second
	Success    float64 // the share of 2xx answers, 0 to 1
	P50, P99   time.Duration
	Codes      map[string]int // answers by status code ("0": no answer)
}

// Run runs p and measures it with vegeta; a saturation phase keeps
// p.Workers requests in flight, a paced one sends p.Rate a second.
func Run(p Phase) Result {
	opts := []func(*vegeta.Attacker){vegeta.KeepAlive(true), vegeta.Timeout(10 * time.Second), vegeta.Redirects(vegeta.NoFollow)}
	pacer := vegeta.Rate{Freq: p.Rate, Per: time.Second}
	if p.Rate == 0 {
		opts = append(opts, vegeta.Workers(uint64(p.Workers)), vegeta.MaxWorkers(uint64(p.Workers)))
	}
	atk := vegeta.NewAttacker(opts...)
	var m vegeta.Metrics
	for res := range atk.Attack(vegeta.NewStaticTargeter(p.Target), pacer, p.Duration, p.Name) {
		m.Add(res)
	}
	m.Close()
	ok := 0
	for code, n := range m.StatusCodes {
		if len(code) == 3 && code[0] == '2' {
			ok += n
		}
	}
	r := Result{Phase: p, Requests: m.Requests, P50: m.Latencies.P50, P99: m.Latencies.P99, Codes: m.StatusCodes}
	if m.Requests > 0 {
		r.Success = float64(ok) / float64(m.Requests)
	}
	if d := m.Duration + m.Wait; d > 0 {
		r.Throughput = float64(ok) / d.Seconds()
	}
	return r
}

// Get is a GET of target with header.
func Get(target string, header http.Header) vegeta.Target {
	return vegeta.Target{Method: http.MethodGet, URL: target, Header: header}
}

// Post is a POST of body to target with header.
func Post(target string, header http.Header, body string) vegeta.Target {
	return vegeta.Target{Method: http.MethodPost, URL: target, Header: header, Body: []byte(body)}
}

// codes lists the status codes of r other than 2xx, in order.
func (r Result) codes() []string {
	var out []string
	for code := range r.Codes {
		if len(code) != 3 || code[0] != '2' {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out
}
