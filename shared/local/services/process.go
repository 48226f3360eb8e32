package services

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

// FindUp returns the file named by the environment variable env, or the
// first match of pattern (a glob relative to a folder) in dir or one of its
// parents; missing when there is none.
func FindUp(dir, env, pattern string, missing error) (string, error) {
	if v := os.Getenv(env); v != "" {
		return v, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if m, _ := filepath.Glob(filepath.Join(d, pattern)); len(m) > 0 {
			return m[0], nil
		}
		if filepath.Dir(d) == d {
			return "", missing
		}
	}
}

// FreePort returns a loopback port nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Server is a started stand-in and the endpoint it answers on.
type Server struct {
	*Process
	Endpoint string
}

// startAttempts bounds how often startServer tries a new port: between
// FreePort closing its listener and the server binding the port, another
// process (a test running in parallel) may take it.
const startAttempts = 3

// startServer picks a free loopback port, runs the command cmdFor gives for
// it, and waits up to within for the port to accept connections; a server
// that exits at start is tried again on another port.
func startServer(ctx context.Context, name string, within time.Duration, cmdFor func(port int) *exec.Cmd) (*Server, error) {
	var err error
	for range startAttempts {
		var port int
		if port, err = FreePort(); err != nil {
			return nil, err
		}
		var p *Process
		if p, err = startProcess(ctx, name, cmdFor(port), port, within); err == nil {
			return &Server{Process: p, Endpoint: "http://127.0.0.1:" + strconv.Itoa(port)}, nil
		}
		if !errors.Is(err, errExitedAtStart) {
			return nil, err
		}
	}
	return nil, err
}

// errExitedAtStart: the process ended before its port answered.
var errExitedAtStart = errors.New("exited at start (port taken?)")

// Process is a started server process.
type Process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// startProcess runs cmd and waits up to within for 127.0.0.1:port to accept
// connections; name is for error messages.
func startProcess(ctx context.Context, name string, cmd *exec.Cmd, port int, within time.Duration) (*Process, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(within)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s on port %d: %w", name, port, errExitedAtStart)
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("%s did not start within %s", name, within)
		}
	}
}

// Stop interrupts the process, kills it if it has not ended within five
// seconds, and waits for it.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
