package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// DefaultRenewBefore is how long before its expiry an access token is
// renewed.
const DefaultRenewBefore = 30 * time.Second

// Env is what the commands read and write; the zero value of each field
// means the process's own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	HTTPClient     *http.Client
	// RenewBefore: an access token with less than this left is renewed
	// (DefaultRenewBefore when 0).
	RenewBefore time.Duration

	stdin *bufio.Reader
}

func (e *Env) fill() {
	if e.Stdin == nil {
		e.Stdin = os.Stdin
	}
	if e.Stdout == nil {
		e.Stdout = os.Stdout
	}
	if e.Stderr == nil {
		e.Stderr = os.Stderr
	}
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	e.stdin = bufio.NewReader(e.Stdin)
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Env) renewBefore() time.Duration {
	if e.RenewBefore > 0 {
		return e.RenewBefore
	}
	return DefaultRenewBefore
}

func (e *Env) httpClient() *http.Client {
	if e.HTTPClient != nil {
		return e.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// usageError is a command line mistake: exit code 2.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Execute runs root with args (without the program name) and returns the
// exit code: 0 ok, 1 error, 2 usage. Errors are printed as one line on
// stderr, never with a stack.
func Execute(ctx context.Context, root *cobra.Command, args []string, stderr io.Writer) int {
	root.SetArgs(args)
	root.SilenceErrors, root.SilenceUsage = true, true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "tollgate:", err)
	var u usageError
	if errors.As(err, &u) || strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintln(stderr, "Run 'tollgate --help' for usage.")
		return ExitUsage
	}
	return ExitError
}

// readSecret resolves a secret flag: value "-" reads one line from stdin;
// otherwise envName, when set, names the environment variable holding it.
func (e *Env) readSecret(flag, value, envName string) (string, error) {
	if value != "" && envName != "" {
		return "", usagef("give --%s or --%s-env, not both", flag, flag)
	}
	if envName != "" {
		v := e.Getenv(envName)
		if v == "" {
			return "", usagef("--%s-env: %s is not set", flag, envName)
		}
		return v, nil
	}
	if value == "-" {
		line, err := e.stdin.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("--%s -: reading standard input: %w", flag, err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	return value, nil
}

// args wraps a cobra argument check so its error is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := check(c, a); err != nil {
			return usageError{err}
		}
		return nil
	}
}
