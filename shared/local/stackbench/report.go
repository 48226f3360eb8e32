package stackbench

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The phases' names and servers, as the goals look them up.
const (
	Whoami   = "GET /v1/whoami"
	Token    = "POST /oauth/token (client_credentials)"
	Tollgate = "Tollgate"
	BareHTTP = "bare net/http"
)

// Goals of issue 11 ("Speed") for the local stack.
const (
	MinWhoamiRatio = 0.5                    // Tollgate's whoami throughput over the bare server's
	MaxWhoamiP99   = 5 * time.Millisecond   // at the paced rate
	MinTokenRate   = 500.0                  // client_credentials grants a second at saturation
	MaxTokenP99    = 100 * time.Millisecond // at saturation
	minSuccess     = 0.999                  // a phase counts only if (nearly) every answer is 2xx
)

// Report is one run of the benchmark: where and when it ran, and what
// each phase measured.
type Report struct {
	Date       time.Time
	Machine    string // e.g. "2 CPUs, linux/amd64, go1.26.8"
	LoadBefore string // the 1, 5 and 15 minute load averages before the run
	LoadAfter  string // and after it
	Results    []Result
}

// find returns the result of name served by server at rate (0: saturation).
func (r Report) find(name, server string, rate int) (Result, bool) {
	for _, res := range r.Results {
		if res.Name == name && res.Server == server && res.Rate == rate {
			return res, true
		}
	}
	return Result{}, false
}

// Table is the results as a Markdown table.
func (r Report) Table() string {
	var b strings.Builder
	b.WriteString("| request | server | load | 2xx/s | 2xx | p50 | p99 | other answers |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, res := range r.Results {
		load := fmt.Sprintf("saturation (%d in flight)", res.Workers)
		if res.Rate > 0 {
			load = thousands(float64(res.Rate)) + "/s"
		}
		var other []string
		for _, code := range res.codes() {
			other = append(other, fmt.Sprintf("%s × %s", thousands(float64(res.Codes[code])), code))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %.1f %% | %s | %s | %s |\n", res.Name, res.Server, load,
			thousands(res.Throughput), 100*res.Success, millis(res.P50), millis(res.P99), strings.Join(other, ", "))
	}
	return b.String()
}

// Goals are the goals, one line each, with what was measured and
// whether it is met.
func (r Report) Goals(rate int) []string {
	var out []string
	stack, okS := r.find(Whoami, Tollgate, 0)
	bare, okB := r.find(Whoami, BareHTTP, 0)
	if okS && okB && bare.Throughput > 0 {
		ratio := stack.Throughput / bare.Throughput
		out = append(out, fmt.Sprintf("whoami throughput, Tollgate over bare: %.2f× (goal ≥ %.1f×): %s",
			ratio, MinWhoamiRatio, met(ratio >= MinWhoamiRatio && stack.Success >= minSuccess)))
	}
	if paced, ok := r.find(Whoami, Tollgate, rate); ok {
		out = append(out, fmt.Sprintf("whoami p99 at %s/s: %s (goal ≤ %s): %s", thousands(float64(rate)),
			millis(paced.P99), millis(MaxWhoamiP99), met(paced.P99 <= MaxWhoamiP99 && paced.Success >= minSuccess)))
	}
	if tok, ok := r.find(Token, Tollgate, 0); ok {
		out = append(out, fmt.Sprintf("client_credentials at saturation: %s/s, p99 %s (goal ≥ %s/s, p99 ≤ %s): %s",
			thousands(tok.Throughput), millis(tok.P99), thousands(MinTokenRate), millis(MaxTokenP99),
			met(tok.Throughput >= MinTokenRate && tok.P99 <= MaxTokenP99 && tok.Success >= minSuccess)))
	}
	return out
}

// Markdown is the report as the generated part of docs/benchmarks.md.
func (r Report) Markdown(rate int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Last run: %s, %s; load average before %s, after %s.\n\n", r.Date.UTC().Format("2006-01-02 15:04 MST"),
		r.Machine, r.LoadBefore, r.LoadAfter)
	b.WriteString(r.Table())
	b.WriteString("\n")
	for _, g := range r.Goals(rate) {
		b.WriteString("- " + g + "\n")
	}
	return b.String()
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

// thousands rounds f to a whole number written with thousands separators.
func thousands(f float64) string {
	s := strconv.FormatInt(int64(math.Round(f)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// millis writes d in milliseconds with two significant decimals below 10.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// Markers around the generated part of docs/benchmarks.md.
const (
	BeginMarker = "<!-- bench-stack:begin (written by make bench-stack) -->"
	EndMarker   = "<!-- bench-stack:end -->"
)

// UpdateDoc replaces the text between the markers in doc with generated,
// or, when doc has none, appends a "Local stack" section holding them.
func UpdateDoc(doc, generated string) string {
	block := BeginMarker + "\n" + strings.TrimSuffix(generated, "\n") + "\n" + EndMarker
	begin, end := strings.Index(doc, BeginMarker), strings.Index(doc, EndMarker)
	if begin >= 0 && end > begin {
		return doc[:begin] + block + doc[end+len(EndMarker):]
	}
	return strings.TrimRight(doc, "\n") + "\n\n## Local stack\n\n```sh\nmake bench-stack\n```\n\n" + block + "\n"
}
