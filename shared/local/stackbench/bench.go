package stackbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

// Config is how Measure runs.
type Config struct {
	Jar          string        // DynamoDBLocal.jar
	Duration     time.Duration // of each measured phase
	Warmup       time.Duration // unmeasured load before each server's first phase
	Rate         int           // the paced whoami phases' requests a second
	Workers      int           // requests in flight in the whoami saturation phases
	TokenWorkers int           // requests in flight in the token saturation phase
	Log          io.Writer     // the stack's log
	Progress     io.Writer     // a line as each phase ends
}

// Measure starts a local stack and a bare server answering its whoami
// bytes, runs every phase and returns the report.
func Measure(ctx context.Context, cfg Config) (Report, error) {
	rep := Report{Date: time.Now(), LoadBefore: loadAverage(),
		Machine: fmt.Sprintf("%d CPUs, %s/%s, %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())}
	stack, err := Start(ctx, cfg.Jar, cfg.Log)
	if err != nil {
		return rep, err
	}
	defer func() { _ = stack.Stop() }()
	c := &http.Client{Timeout: 30 * time.Second}
	fx, err := NewFixture(ctx, c, stack.URL, stack.AdminKey)
	if err != nil {
		return rep, fmt.Errorf("creating the key and client: %w", err)
	}
	req, err := WhoamiRequest(stack.URL, fx.Key)
	if err != nil {
		return rep, err
	}
	answer, err := Fetch(c, req)
	if err != nil || answer.Status != http.StatusOK {
		return rep, errors.Join(fmt.Errorf("whoami answered %d %s", answer.Status, answer.Body), err)
	}
	bare, err := ServeBare(answer)
	if err != nil {
		return rep, err
	}
	defer func() { _ = bare.Close() }()
	whoami := func(server, base string) Phase {
		return Phase{Name: Whoami, Server: server, Target: Get(base+"/v1/whoami", req.Header), Workers: cfg.Workers, Duration: cfg.Duration}
	}
	token := Phase{Name: Token, Server: Tollgate, Workers: cfg.TokenWorkers, Duration: cfg.Duration,
		Target: Post(stack.URL+"/oauth/token", tokenHeader(), fx.TokenBody())}
	phases := []Phase{whoami(Tollgate, stack.URL), whoami(BareHTTP, bare.URL), paced(whoami(Tollgate, stack.URL), cfg.Rate),
		paced(whoami(BareHTTP, bare.URL), cfg.Rate), token}
	warmed := map[string]bool{}
	for _, p := range phases {
		if key := p.Name + p.Server; !warmed[key] && cfg.Warmup > 0 {
			warm := p
			warm.Rate, warm.Duration = 0, cfg.Warmup
			Run(warm)
			warmed[key] = true
		}
		res := Run(p)
		rep.Results = append(rep.Results, res)
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "%s, %s: %s/s, p50 %s, p99 %s, %.1f %% 2xx\n", res.Name, res.Server,
				thousands(res.Throughput), millis(res.P50), millis(res.P99), 100*res.Success)
		}
	}
	rep.LoadAfter = loadAverage()
	return rep, nil
}

func paced(p Phase, rate int) Phase {
	p.Rate = rate
	return p
}

// loadAverage is the machine's 1, 5 and 15 minute load averages, or
// "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
