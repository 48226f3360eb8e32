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
	"strconv"
	"strings"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/spf13/cobra"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/cli"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/seed"
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
		Long: `Run the local stack (DynamoDB Local, authorizer, API) on TOLLGATE_LISTEN (127.0.0.1:8080).
With TOLLGATE_SEED=1 it holds the development seed instead of a bootstrap admin (the
users, keys and tokens of events/; every secret in it is public), in its own state
folder (.tollgate/seed), with local-kms holding the seed's keys as its KMS, for the
sample events and for SAM (tollgate sam-env). Development only. local-kms checks no
credentials; it listens on 127.0.0.1 and on TOLLGATE_KMS_HOSTS (comma-separated; by
default this machine's Docker bridge address, docker0, when it has one).`,
		Example: `  tollgate dev
  TOLLGATE_LISTEN=127.0.0.1:9090 tollgate dev
  TOLLGATE_SEED=1 tollgate dev       # make seed`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return dev(c.Context()) },
	}, &cobra.Command{
		Use:   "events [folder]",
		Short: "Write the sample events (default: events/) made now from the development seed",
		Long: `Write the sample events (default: events/) made now from the development seed: their
JWTs, SAS token and requested expiries are relative to now, so they do not expire.
They are answered as events/README.md says by a stack holding the seed
(tollgate dev with TOLLGATE_SEED=1, or the Lambda emulator test).`,
		Example: "  tollgate events\n  make events",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			dir := "events"
			if len(args) == 1 {
				dir = args[0]
			}
			return seed.WriteSamples(dir, time.Now())
		},
	}, &cobra.Command{
		Use:   "sam-env [file]",
		Short: "Write SAM's env.json pointing every function at the running seeded local stack",
		Long: `Write SAM's env.json (default: env.json) pointing every function at the DynamoDB Local
and local-kms of the seeded local stack running now (TOLLGATE_SEED=1 tollgate dev), as
SAM's containers reach them: at TOLLGATE_SAM_HOST, the Docker bridge gateway 172.17.0.1
on Linux by default (host.docker.internal on Docker Desktop).`,
		Example: "  tollgate sam-env\n  TOLLGATE_SAM_HOST=host.docker.internal tollgate sam-env",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			file := "env.json"
			if len(args) == 1 {
				file = args[0]
			}
			get := getenv(map[string]string{"TOLLGATE_STATE_DIR": seedStateDir, "TOLLGATE_SAM_HOST": "172.17.0.1"})
			return devstack.WriteSAMEnv(file, get("TOLLGATE_STATE_DIR"), get("TOLLGATE_SAM_HOST"), os.Stderr)
		},
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

// kmsHosts are TOLLGATE_KMS_HOSTS (comma-separated), by default the
// Docker bridge's address when this machine has one: where a seeded
// stack's local-kms listens besides 127.0.0.1, for SAM's containers.
func kmsHosts() []string {
	hosts, ok := os.LookupEnv("TOLLGATE_KMS_HOSTS")
	if !ok {
		hosts = services.DockerBridge()
	}
	return strings.FieldsFunc(hosts, func(r rune) bool { return r == ',' || r == ' ' })
}

// seedStateDir is the state folder of a seeded local stack.
const seedStateDir = ".tollgate/seed"

func dev(ctx context.Context) error {
	// The local stack caches no authorizer decisions by default, so every
	// change shows at once; set TOLLGATE_REVOCATION_BOUND=30s to see caching.
	listen := getenv(map[string]string{"TOLLGATE_LISTEN": "127.0.0.1:8080"})("TOLLGATE_LISTEN")
	defaults := map[string]string{config.EnvTable: "tollgate", "TOLLGATE_LISTEN": listen, "TOLLGATE_TLS_LISTEN": "127.0.0.1:8443",
		"TOLLGATE_STATE_DIR": ".tollgate", config.EnvRevocationBound: "0s", config.EnvIssuer: "http://" + listen}
	seeded, _ := strconv.ParseBool(os.Getenv("TOLLGATE_SEED"))
	if seeded { // the samples' issuer, so their JWTs verify
		defaults["TOLLGATE_STATE_DIR"], defaults[config.EnvIssuer] = seedStateDir, seed.Issuer
	}
	get := getenv(defaults)
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
		Seed: seeded, KMSHosts: kmsHosts(),
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
