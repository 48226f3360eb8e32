// Command tollgate is Tollgate's CLI: login, whoami, keys, tokens, clients, certs, users, audit and sas call the
// API (their logic is in shared/cli); `tollgate dev` runs the local stack,
// `tollgate bootstrap` creates the first admin user and key in a deployed
// table. This file is wiring only.
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

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/spf13/cobra"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/cli"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, root(), os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// root is the CLI's command tree plus the commands that run Tollgate
// itself.
func root() *cobra.Command {
	r := cli.NewRoot(&cli.Env{})
	r.AddCommand(&cobra.Command{
		Use:   "dev",
		Short: "Run the local stack (DynamoDB Local, authorizer, API) on TOLLGATE_LISTEN (127.0.0.1:8080)",
		Example: `  tollgate dev
  TOLLGATE_LISTEN=127.0.0.1:9090 tollgate dev`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return dev(c.Context()) },
	}, &cobra.Command{
		Use:     "bootstrap",
		Short:   "Create the first admin user and API key in TOLLGATE_TABLE, once; prints the key",
		Example: "  TOLLGATE_TABLE=tollgate tollgate bootstrap",
		Args:    cobra.NoArgs,
		RunE:    func(c *cobra.Command, _ []string) error { return runBootstrap(c.Context()) },
	}, &cobra.Command{
		Use:   "rotate-signing-key",
		Short: "Add a new local JWT signing key under TOLLGATE_STATE_DIR (.tollgate)",
		Long: `Add a new local JWT signing key under TOLLGATE_STATE_DIR (.tollgate). It signs from the
next start, and the old keys keep verifying until you delete their files.`,
		Example: "  tollgate rotate-signing-key",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			dir := getenv(map[string]string{"TOLLGATE_STATE_DIR": ".tollgate"})("TOLLGATE_STATE_DIR")
			return accesstoken.RotateLocalKey(filepath.Join(dir, devstack.SigningKeysDir), time.Now().UTC())
		},
	})
	return r
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
	jar, err := services.FindDynamoDB(".")
	if err != nil {
		return err
	}
	devstack.TuneGC()
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
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	res, err := management.Bootstrap(ctx, st, cfg.ProjectID, cfg.SecretPrefix, time.Now().UTC())
	if errors.Is(err, management.ErrBootstrapped) {
		return errors.New("this project was bootstrapped already; its admin key was shown then")
	}
	if err != nil {
		return err
	}
	fmt.Printf("admin user %s\nadmin API key (shown once, expires %s):\n%s\n", res.UserID, res.ExpiresAt.Format(time.RFC3339), res.Key)
	return nil
}

// openStore opens the table bootstrap writes: in AWS, or in DynamoDB Local
// (TOLLGATE_DYNAMODB_ENDPOINT) with the access key in AWS_ACCESS_KEY_ID or
// else the local stack's, kept in TOLLGATE_STATE_DIR (.tollgate).
func openStore(ctx context.Context, cfg config.Config) (*dynamo.Store, error) {
	if cfg.DynamoDBEndpoint == "" || os.Getenv(dynamo.EnvAccessKey) != "" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration: %w", err)
		}
		return dynamo.Open(ctx, awsCfg, cfg.DynamoDBEndpoint, cfg.Table)
	}
	dir := getenv(map[string]string{"TOLLGATE_STATE_DIR": ".tollgate"})("TOLLGATE_STATE_DIR")
	key, err := services.ReadAccessKey(filepath.Join(dir, devstack.DynamoDBKeyFile))
	if err != nil {
		return nil, fmt.Errorf("%w; or set %s", err, dynamo.EnvAccessKey)
	}
	db, err := dynamo.NewLocalClient(ctx, dynamo.Local{Endpoint: cfg.DynamoDBEndpoint, AccessKey: key})
	if err != nil {
		return nil, err
	}
	return dynamo.New(db, cfg.Table).RequireAudit(), nil
}
