package stackbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/services"
)

// RevocationBound is the bound the measured stack runs with: the
// deployments' default, so that a warm key's decision is cached as it is
// in AWS (`make run` uses 0s so that every change shows at once).
const RevocationBound = config.DefaultRevocationBound

// Stack is a local stack started for a benchmark.
type Stack struct {
	URL      string // http://127.0.0.1:port
	AdminKey string // the bootstrap admin key
	stop     func() error
}

// Start runs the local stack as `make run` does (DynamoDB Local from jar
// with its files in a fresh temporary state folder, the expiry sweep, one
// log line per request at Info, written to log) on a free port of
// 127.0.0.1, without the mutual-TLS listener.
func Start(ctx context.Context, jar string, log io.Writer) (*Stack, error) {
	dir, err := os.MkdirTemp("", "tollgate-bench")
	if err != nil {
		return nil, err
	}
	port, err := services.FreePort()
	if err != nil {
		return nil, err
	}
	listen := "127.0.0.1:" + strconv.Itoa(port)
	env := map[string]string{config.EnvTable: "tollgate", config.EnvIssuer: "http://" + listen,
		config.EnvRevocationBound: RevocationBound.String()}
	cfg, err := config.Parse(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	ready, done := make(chan devstack.Listening, 1), make(chan error, 1)
	go func() {
		done <- devstack.Run(ctx, devstack.Options{StateDir: dir, Listen: listen, Jar: jar, Config: cfg, Out: io.Discard,
			Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelInfo})),
			Ready:  func(l devstack.Listening) { ready <- l }})
	}()
	stop := func() error {
		cancel()
		err := <-done
		return errors.Join(err, os.RemoveAll(dir))
	}
	select {
	case l := <-ready:
		s := &Stack{URL: "http://" + l.HTTP, stop: stop}
		b, err := os.ReadFile(filepath.Join(dir, devstack.AdminKeyFile))
		if err != nil {
			return nil, errors.Join(err, stop())
		}
		s.AdminKey = strings.TrimSpace(string(b))
		return s, nil
	case err := <-done:
		cancel()
		return nil, errors.Join(fmt.Errorf("starting the local stack: %w", err), os.RemoveAll(dir))
	}
}

// Stop stops the stack and DynamoDB Local and removes the state folder.
func (s *Stack) Stop() error { return s.stop() }
