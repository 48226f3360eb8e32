package functions_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/local/seed"
)

// ColdStartRuns, when set to a number, makes TestColdStart start each
// function that many times (`make coldstart`, docs/benchmarks.md).
const ColdStartRuns = "TOLLGATE_COLDSTART_RUNS"

// coldStartSamples is the first event each function is measured with.
var coldStartSamples = []struct{ fn, sample string }{
	{"authorizer", "authorizer/bearer.json"},
	{"authorizer", "authorizer/jwt-bearer.json"}, // the first JWT reads the signing keys
	{"issuekeys", "issuekeys/whoami.json"},
	{"token", "token/jwks.json"},
	{"certificates", "certificates/get-certificate.json"},
	{"sweeper", "sweeper/forward.json"},
}

// TestColdStart measures each function's cold start under the emulator:
// the init phase as the emulator's INIT REPORT gives it (its REPORT line's
// Init Duration is near zero, init running apart from the invocation) and
// the first invocation's wall time, init included, from a fresh emulator
// each run. It reports min, median and max.
func TestColdStart(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv(ColdStartRuns))
	if runs < 1 {
		t.Skip("set " + ColdStartRuns + "=10 (make coldstart) to measure cold starts")
	}
	e := newEmulated(t)
	samples, err := seed.Samples(e.now)
	if err != nil {
		t.Fatal(err)
	}
	payloads := map[string][]byte{}
	for _, s := range samples {
		if payloads[s.Path], err = s.JSON(); err != nil {
			t.Fatal(err)
		}
	}
	var report strings.Builder
	fmt.Fprintf(&report, "%d runs each, ms (min / median / max)\n%-34s %-22s %s\n", runs, "function, first event", "init (INIT REPORT)", "first invocation")
	for _, c := range coldStartSamples {
		var inits, firsts []time.Duration
		for range runs {
			em := e.start(t, c.fn, nil)
			start := time.Now()
			if _, err := em.Invoke(context.Background(), payloads[c.sample]); err != nil {
				t.Fatal(err)
			}
			firsts = append(firsts, time.Since(start))
			if _, ok := waitOutput(em, "INIT REPORT"); !ok {
				t.Fatalf("%s: no INIT REPORT", c.fn)
			}
			d, _ := em.InitDuration()
			inits = append(inits, d)
			em.Stop()
		}
		fmt.Fprintf(&report, "%-34s %-22s %s\n", c.fn+", "+c.sample, spread(inits), spread(firsts))
	}
	t.Log("\n" + report.String())
}

// spread is "min / median / max" in milliseconds.
func spread(ds []time.Duration) string {
	slices.Sort(ds)
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
	}
	return ms(ds[0]) + " / " + ms(ds[len(ds)/2]) + " / " + ms(ds[len(ds)-1])
}
