// Command tollgate is Tollgate's CLI: `tollgate dev` runs the local stack,
// `tollgate bootstrap` creates the first admin user and key in a deployed
// table.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/bootstrap"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/devstack"
	"github.com/tollgate/tollgate/shared/dynamolocal"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

const usage = `usage: tollgate <command>

commands:
  dev         run the local stack (DynamoDB Local, authorizer, API) on TOLLGATE_LISTEN (127.0.0.1:8080)
  bootstrap   create the first admin user and API key in TOLLGATE_TABLE, once; prints the key
  rotate-signing-key
              add a new local JWT signing key under TOLLGATE_STATE_DIR (.tollgate); it signs from the
              next start, and the old keys keep verifying until you delete their files
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "dev":
		err = dev(ctx)
	case "bootstrap":
		err = runBootstrap(ctx)
	case "rotate-signing-key":
		dir := getenv(map[string]string{"TOLLGATE_STATE_DIR": ".tollgate"})("TOLLGATE_STATE_DIR")
		err = accesstoken.RotateLocalKey(filepath.Join(dir, devstack.SigningKeysDir), time.Now().UTC())
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tollgate:", err)
		os.Exit(1)
	}
}

// getenv reads the environment with local-stack defaults.
func getenv(defaults map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return defaults[k]
	}
}

func dev(ctx context.Context) error {
	// The local stack caches no authorizer decisions by default, so every
	// change shows at once; set TOLLGATE_REVOCATION_BOUND=30s to see caching.
	listen := getenv(map[string]string{"TOLLGATE_LISTEN": "127.0.0.1:8080"})("TOLLGATE_LISTEN")
	get := getenv(map[string]string{config.EnvTable: "tollgate", "TOLLGATE_LISTEN": listen, "TOLLGATE_TLS_LISTEN": "127.0.0.1:8443",
		"TOLLGATE_STATE_DIR": ".tollgate", config.EnvRevocationBound: "0s", config.EnvIssuer: "http://" + listen})
	cfg, err := config.Parse(get)
	if err != nil {
		return err
	}
	jar, err := dynamolocal.FindJar(".")
	if err != nil {
		return err
	}
	return devstack.Run(ctx, devstack.Options{
		StateDir: get("TOLLGATE_STATE_DIR"), Listen: get("TOLLGATE_LISTEN"), TLSListen: get("TOLLGATE_TLS_LISTEN"), Jar: jar, Config: cfg, Out: os.Stdout,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
}

func runBootstrap(ctx context.Context) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	st, err := dynamo.Open(ctx, cfg.DynamoDBEndpoint, cfg.Table)
	if err != nil {
		return err
	}
	res, err := bootstrap.Run(ctx, st, cfg.ProjectID, time.Now().UTC())
	if errors.Is(err, bootstrap.ErrDone) {
		return errors.New("this project was bootstrapped already; its admin key was shown then")
	}
	if err != nil {
		return err
	}
	fmt.Printf("admin user %s\nadmin API key (shown once, expires %s):\n%s\n", res.UserID, res.ExpiresAt.Format(time.RFC3339), res.Key)
	return nil
}
