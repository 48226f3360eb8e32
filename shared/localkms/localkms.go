package localkms

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// EnvBinary names the local-kms binary, overriding the search.
const EnvBinary = "TOLLGATE_LOCAL_KMS"

// EnvRequire makes a missing local-kms a failure instead of a skip.
const EnvRequire = "TOLLGATE_REQUIRE_LOCAL_KMS"

// ErrNoBinary reports that local-kms is not installed.
var ErrNoBinary = errors.New("local-kms is not installed: run `make tools`")

// FindBinary returns TOLLGATE_LOCAL_KMS or .tools/bin/local-kms under the
// repository root found by walking up from dir.
func FindBinary(dir string) (string, error) {
	if b := os.Getenv(EnvBinary); b != "" {
		return b, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if p := filepath.Join(d, ".tools", "bin", "local-kms"); fileExists(p) {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", ErrNoBinary
		}
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Server is a running local-kms.
type Server struct {
	cmd      *exec.Cmd
	done     chan struct{}
	Endpoint string
}

// Start runs local-kms on a free port keeping its data in dataDir.
func Start(ctx context.Context, binary, dataDir string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "KMS_DATA_PATH="+dataDir, "KMS_REGION=us-east-1", "KMS_ACCOUNT_ID=111122223333")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting local-kms: %w", err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{}), Endpoint: "http://127.0.0.1:" + strconv.Itoa(port)}
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, errors.New("local-kms exited at start")
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, errors.New("local-kms did not start within 30s")
		}
	}
}

// Stop ends the process.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Client returns a KMS client for endpoint with static test credentials.
func Client(ctx context.Context, endpoint string) (*kms.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("tollgatelocal", "tollgatelocal", "")))
	if err != nil {
		return nil, err
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = aws.String(endpoint) }), nil
}

var shared struct {
	once sync.Once
	srv  *Server
	dir  string
	err  error
}

// Main runs a test binary and stops the local-kms Endpoint may have started.
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// Endpoint returns the endpoint of a local-kms shared by the test binary,
// starting it on first use; without the binary the test skips, or fails
// when EnvRequire is set. Use it only in binaries run through Main.
func Endpoint(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() {
		bin, err := FindBinary(".")
		if err != nil {
			shared.err = err
			return
		}
		if shared.dir, err = os.MkdirTemp("", "localkms"); err != nil {
			shared.err = err
			return
		}
		shared.srv, shared.err = Start(context.Background(), bin, shared.dir)
	})
	switch {
	case shared.err == nil:
		return shared.srv.Endpoint
	case os.Getenv(EnvRequire) != "":
		t.Fatal(shared.err)
	default:
		t.Skip(shared.err)
	}
	return ""
}
