package stackbench

import (
	"strings"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999.4: "999", 999.5: "1,000", 27917.3: "27,917", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestMillis(t *testing.T) {
	for in, want := range map[time.Duration]string{1220 * time.Microsecond: "1.22 ms", 38900 * time.Microsecond: "38.9 ms",
		342 * time.Millisecond: "342 ms", 0: "0.00 ms"} {
		if got := millis(in); got != want {
			t.Errorf("millis(%v) = %q, want %q", in, got, want)
		}
	}
}

// report is a run with the given whoami and token numbers.
func report(stackRate, bareRate float64, pacedP99, tokenP99 time.Duration, tokenRate, tokenSuccess float64) Report {
	res := func(name, server string, rate int, tput float64, p99 time.Duration, success float64, codes map[string]int) Result {
		return Result{Phase: Phase{Name: name, Server: server, Rate: rate, Workers: 64}, Throughput: tput, Success: success,
			P50: p99 / 4, P99: p99, Codes: codes}
	}
	return Report{Date: time.Date(2026, 12, 6, 10, 30, 0, 0, time.UTC), Machine: "2 CPUs, linux/amd64, go1.26.8",
		LoadBefore: "0.50 0.40 0.30", LoadAfter: "1.00 0.50 0.30", Results: []Result{
			res(Whoami, Tollgate, 0, stackRate, 6*time.Millisecond, 1, map[string]int{"200": 100}),
			res(Whoami, BareHTTP, 0, bareRate, 4*time.Millisecond, 1, map[string]int{"200": 100}),
			res(Whoami, Tollgate, 3000, 3000, pacedP99, 1, map[string]int{"200": 100}),
			res(Token, Tollgate, 0, tokenRate, tokenP99, tokenSuccess, map[string]int{"200": 90, "429": 10}),
		}}
}

func TestGoals(t *testing.T) {
	cases := []struct {
		name string
		rep  Report
		want []string // "met" or "**not met**" for each goal
	}{
		{"all met", report(25000, 45000, 1200*time.Microsecond, 40*time.Millisecond, 1500, 1), []string{"met", "met", "met"}},
		{"whoami too slow", report(20000, 45000, 1200*time.Microsecond, 40*time.Millisecond, 1500, 1), []string{"**not met**", "met", "met"}},
		{"whoami tail", report(25000, 45000, 5100*time.Microsecond, 40*time.Millisecond, 1500, 1), []string{"met", "**not met**", "met"}},
		{"token tail", report(25000, 45000, time.Millisecond, 101*time.Millisecond, 1500, 1), []string{"met", "met", "**not met**"}},
		{"token refused", report(25000, 45000, time.Millisecond, 40*time.Millisecond, 1500, 0.9), []string{"met", "met", "**not met**"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			goals := c.rep.Goals(3000)
			if len(goals) != len(c.want) {
				t.Fatalf("goals %q", goals)
			}
			for i, g := range goals {
				if !strings.HasSuffix(g, ": "+c.want[i]) {
					t.Errorf("goal %d = %q, want it %s", i, g, c.want[i])
				}
			}
		})
	}
}

func TestTable(t *testing.T) {
	got := report(27917, 45791, 1220*time.Microsecond, 38900*time.Microsecond, 1493, 0.9).Table()
	want := `| request | server | load | 2xx/s | 2xx | p50 | p99 | other answers |
| --- | --- | --- | --- | --- | --- | --- | --- |
| ` + "`GET /v1/whoami`" + ` | Tollgate | saturation (64 in flight) | 27,917 | 100.0 % | 1.50 ms | 6.00 ms |  |
| ` + "`GET /v1/whoami`" + ` | bare net/http | saturation (64 in flight) | 45,791 | 100.0 % | 1.00 ms | 4.00 ms |  |
| ` + "`GET /v1/whoami`" + ` | Tollgate | 3,000/s | 3,000 | 100.0 % | 0.30 ms | 1.22 ms |  |
| ` + "`POST /oauth/token (client_credentials)`" + ` | Tollgate | saturation (64 in flight) | 1,493 | 90.0 % | 9.72 ms | 38.9 ms | 10 × 429 |
`
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestUpdateDoc(t *testing.T) {
	const doc = "# Benchmarks\n\nText.\n"
	first := UpdateDoc(doc, "run 1\n")
	if !strings.HasPrefix(first, doc+"\n## Local stack\n") || !strings.Contains(first, BeginMarker+"\nrun 1\n"+EndMarker) {
		t.Fatalf("first update:\n%s", first)
	}
	edited := strings.Replace(first, "## Local stack\n", "## Local stack\n\nHand-written notes.\n", 1) + "\n## After\n"
	second := UpdateDoc(edited, "run 2\n")
	if want := strings.Replace(edited, "run 1", "run 2", 1); second != want {
		t.Errorf("second update:\n%s\nwant:\n%s", second, want)
	}
}
