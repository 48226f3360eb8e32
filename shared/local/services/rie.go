package services

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// EnvRIE names the aws-lambda-rie binary, overriding the search.
const EnvRIE = "TOLLGATE_LAMBDA_RIE"

// ErrNoRIE reports that the Lambda Runtime Interface Emulator is not installed.
var ErrNoRIE = errors.New("the Lambda Runtime Interface Emulator is not installed: run `make tools`")

// FindRIE returns TOLLGATE_LAMBDA_RIE or .tools/bin/aws-lambda-rie under the
// repository root found by walking up from dir.
func FindRIE(dir string) (string, error) {
	return FindUp(dir, EnvRIE, filepath.Join(".tools", "bin", "aws-lambda-rie"), ErrNoRIE)
}

// Emulator is a Lambda bootstrap binary running under the official Runtime
// Interface Emulator (what SAM's containers run), both its ports on
// 127.0.0.1. The emulator starts the bootstrap (its init) on the first
// invocation.
type Emulator struct {
	*Server
	out *syncBuffer
}

// StartRIE runs bootstrap under the emulator rie with exactly the
// environment env (nothing of this process's), and waits until the
// emulator accepts invocations.
func StartRIE(ctx context.Context, rie, bootstrap string, env []string) (*Emulator, error) {
	bootstrap, err := filepath.Abs(bootstrap)
	if err != nil {
		return nil, err
	}
	out := &syncBuffer{}
	srv, err := startServer(ctx, "aws-lambda-rie", 10*time.Second, func(port int) *exec.Cmd {
		api, err := FreePort()
		if err != nil {
			api = port + 1
		}
		cmd := exec.Command(rie, "--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(port),
			"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(api), bootstrap)
		cmd.Dir = filepath.Dir(bootstrap)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = out, out
		return cmd
	})
	if err != nil {
		return nil, err
	}
	return &Emulator{Server: srv, out: out}, nil
}

// Invoke sends event to the function and returns its answer: the handler's
// JSON result, or the error object the emulator reports.
func (e *Emulator) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint+"/2015-03-31/functions/function/invocations",
		bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoking through the emulator: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("the emulator answered %s: %s", resp.Status, body)
	}
	return body, nil
}

// Output is what the emulator and the function have written so far.
func (e *Emulator) Output() string { return e.out.String() }

var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration is the duration of the function's first init, from the
// emulator's INIT REPORT line (its REPORT line's Init Duration is near zero:
// the emulator runs init apart from the invocation); false before init.
func (e *Emulator) InitDuration() (time.Duration, bool) {
	m := initReport.FindStringSubmatch(e.Output())
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// syncBuffer is a bytes.Buffer safe for a process's writes and our reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
