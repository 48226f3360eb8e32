package devstack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/local/seed"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/sweep"
)

// Options configure the local stack.
type Options struct {
	StateDir string // ".tollgate": DynamoDB Local files and admin.key
	Listen   string // "127.0.0.1:8080"
	// TLSListen serves the same API over HTTPS, asking for a client
	// certificate ("127.0.0.1:8443"); "" for none.
	TLSListen string
	Jar       string // DynamoDBLocal.jar
	// DynamoDB is an already running DynamoDB Local and its access key
	// (tests); Jar is then unused.
	DynamoDB dynamo.Local
	Config   config.Config
	Out      io.Writer // where the bootstrap key and status lines go
	Logger   *slog.Logger
	// Ready, when set, receives the listening addresses once serving.
	Ready func(Listening)
	// Seed applies the development seed (shared/local/seed: fixed users,
	// keys, tokens, SAS credential, certificate; every secret public)
	// instead of the bootstrap, and runs local-kms holding the seed's keys
	// as the stack's KMS, so that the sample events under events/ and
	// functions run by SAM (`tollgate sam-env`) work against it. For
	// development only, in a state folder of its own.
	Seed bool
	// KMSEndpoint is the local-kms of a seeded stack (Run starts it).
	KMSEndpoint string
	// KMSHosts are the addresses of this machine the seeded stack's
	// local-kms listens on besides 127.0.0.1: where SAM's containers reach
	// it. It checks no credentials, so anyone who reaches them can use
	// the seed's (public) keys.
	KMSHosts []string
	// Observe, when set, wraps the handler Run serves (tests check every
	// exchange against docs/openapi.yaml with it).
	Observe func(http.Handler) http.Handler
}

// Listening is where a running local stack answers.
type Listening struct {
	HTTP     string // host:port
	HTTPS    string // host:port; "" when there is none
	DynamoDB string // DynamoDB Local's endpoint URL
}

// Files in the state folder.
const (
	AdminKeyFile = "admin.key" // the bootstrap admin key
	// DynamoDBKeyFile holds DynamoDB Local's access key: its data is out of
	// reach of any other key.
	DynamoDBKeyFile = "dynamodb.key"
	DynamoDBDir     = "dynamodb" // DynamoDB Local's files
	SigningKeysDir  = "signing"  // the local JWT signing keys
	SealKeyFile     = "seal.key" // the local envelope encryption key
	// ScanningKeysFile holds GitHub's secret scanning key set (its JSON
	// format), read when TOLLGATE_GITHUB_SCANNING_KEYS is not set.
	ScanningKeysFile = "secret-scanning-keys.json"
)

// Run serves the local stack until ctx ends, then stops all it started.
func Run(ctx context.Context, opt Options) error {
	local := opt.DynamoDB
	if local.Endpoint == "" {
		db, err := startDynamoDB(ctx, opt)
		if err != nil {
			return err
		}
		defer db.Stop()
		local = dynamo.Local{Endpoint: db.Endpoint, AccessKey: db.AccessKey}
	}
	if opt.Seed && opt.KMSEndpoint == "" {
		kms, err := startSeededKMS(ctx, opt)
		if err != nil {
			return err
		}
		defer kms.Stop()
		opt.KMSEndpoint = kms.Endpoint
	}
	handler, err := Build(ctx, local, opt)
	if err != nil {
		return err
	}
	if opt.Observe != nil {
		handler = opt.Observe(handler)
	}
	stopSweeps, err := sweepEvery(ctx, local, opt)
	if err != nil {
		return err
	}
	defer stopSweeps()
	ln, err := net.Listen("tcp", opt.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s (set TOLLGATE_LISTEN to change it): %w", opt.Listen, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(opt.Out, "Tollgate local stack serving http://%s", ln.Addr())
	tlsAddr := ""
	if opt.TLSListen != "" {
		cfg, err := TLSConfig(opt.StateDir, time.Now().UTC())
		if err != nil {
			_ = srv.Close()
			return err
		}
		tln, err := tls.Listen("tcp", opt.TLSListen, cfg)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listening on %s (set TOLLGATE_TLS_LISTEN to change it): %w", opt.TLSListen, err)
		}
		tlsSrv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
		defer tlsSrv.Close()
		go func() { errc <- tlsSrv.Serve(tln) }()
		tlsAddr = tln.Addr().String()
		fmt.Fprintf(opt.Out, " and https://%s (client certificates: mutual TLS)", tlsAddr)
	}
	fmt.Fprintln(opt.Out, " (Ctrl-C stops it)")
	if opt.Ready != nil {
		opt.Ready(Listening{HTTP: ln.Addr().String(), HTTPS: tlsAddr, DynamoDB: local.Endpoint})
	}
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}

// Build creates the table if needed, bootstraps once, and returns the HTTP
// handler serving the whole API against DynamoDB Local.
func Build(ctx context.Context, local dynamo.Local, opt Options) (http.Handler, error) {
	cfg := opt.Config
	db, err := dynamo.NewLocalClient(ctx, local)
	if err != nil {
		return nil, err
	}
	if err := dynamo.EnsureTable(ctx, db, cfg.Table); err != nil {
		return nil, err
	}
	st := dynamo.New(db, cfg.Table).RequireAudit()
	clk := clock.Real{}
	var signer accesstoken.Signer
	var keys *accesstoken.Keyring
	var sealer envelope.Sealer
	if opt.Seed {
		if signer, keys, sealer, err = seededKeys(ctx, opt.KMSEndpoint); err != nil {
			return nil, err
		}
		if err := applySeed(ctx, db, sealer, local, opt); err != nil {
			return nil, err
		}
	} else if signer, keys, sealer, err = localKeys(ctx, st, opt, clk.Now()); err != nil {
		return nil, err
	}
	auth := authorizer.New(st, authorizer.Configured(cfg, keys, sealer, clk, opt.Logger))
	mgmtOpt := management.Configured(cfg, signer, sealer, clk, opt.Logger)
	if opt.Seed && cfg.ScanningKeys == "" { // the seed's GitHub key signs the scanning sample
		cfg.ScanningKeys = seed.ScanningKeys()
	}
	scanOpt, err := scanningOptions(cfg, opt.StateDir, clk, opt.Logger)
	if err != nil {
		return nil, err
	}
	mgmt := management.NewIssueKeys(st, mgmtOpt).Serving(scanning.Method, scanning.Resource, scanning.New(st, scanOpt).Handle)
	certs := management.NewCertificates(st, mgmtOpt)
	inspector := authorizer.New(st, authorizer.Inspecting(cfg, keys, sealer, clk, opt.Logger))
	tokenOpt := oauth.Configured(cfg, signer, keys, sealer, inspector, clk, opt.Logger)
	tokenOpt.AttemptLinger = AttemptLinger
	tokens := oauth.New(st, tokenOpt)
	gw := &Gateway{
		Protected:  access.Routes,
		Public:     access.PublicRoutes,
		Authorizer: auth.Handle,
		Functions: map[string]Handler{access.FnIssueKeys: mgmt.Handle, access.FnCertificates: certs.Handle,
			access.FnToken: tokens.Handle},
		Stage:  "local",
		Logger: opt.Logger,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.Handle("/", gw)
	return mux, nil
}

// HealthPath answers 200 without credentials once the local stack is
// ready; a deployment has no such route.
const HealthPath = "/healthz"

// scanningOptions are the leak response's options: the configured key set,
// or else the one in the state folder's ScanningKeysFile, if any.
func scanningOptions(cfg config.Config, stateDir string, clk clock.Clock, logger *slog.Logger) (scanning.Options, error) {
	if cfg.ScanningKeys == "" {
		b, err := os.ReadFile(filepath.Join(stateDir, ScanningKeysFile))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return scanning.Options{}, err
		}
		cfg.ScanningKeys = string(b)
	}
	return scanning.Configured(cfg, clk, logger)
}

// localKeys bootstraps once and returns the local stand-ins for KMS:
// signing keys and the envelope key live in the state folder, readable by
// their owner only.
func localKeys(ctx context.Context, st *dynamo.Store, opt Options, now time.Time) (accesstoken.Signer, *accesstoken.Keyring, envelope.Sealer, error) {
	if err := firstRun(ctx, st, opt.Config.ProjectID, opt); err != nil {
		return nil, nil, nil, err
	}
	signer, keys, err := accesstoken.LoadOrCreateLocalKeys(filepath.Join(opt.StateDir, SigningKeysDir), now)
	if err != nil {
		return nil, nil, nil, err
	}
	sealKey, err := envelope.LoadOrCreateLocalKey(filepath.Join(opt.StateDir, SealKeyFile))
	if err != nil {
		return nil, nil, nil, err
	}
	sealer, err := envelope.NewLocal(sealKey)
	return signer, keys, sealer, err
}

// GCPercent is the garbage collector's target (GOGC) of a process running
// the local stack, unless GOGC is set. Go's default, 100, collects each
// time the heap doubles; under load the local stack's small live heap made
// that many collections a second, each taking a CPU of a two-CPU machine
// from the requests for its mark phase, and set p99 latency (4.5 ms
// against 1.8 ms with 400 for a warm key's whoami at 3,000 requests a
// second, docs/benchmarks.md). 400 lets the heap grow to five times what
// is live, tens of megabytes.
const GCPercent = 400

// TuneGC sets GCPercent, unless GOGC is set: for the main of a process
// that runs the local stack.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}

// AttemptLinger is how long the local stack's token endpoint keeps a
// right check's reservation of a failed-attempt counter for the next
// request of that counter (oauth.Options.AttemptLinger): it is one process
// that keeps running between requests, unlike a Lambda instance.
const AttemptLinger = 100 * time.Millisecond

// EventsFile is the local stack's outbox of the sweeper's events (expiry
// and metering), in the state folder.
const EventsFile = "events.jsonl"

// sweepEvery runs the expiry sweep now and then every SweepInterval, and
// forwards the metering events every ForwardInterval, with the same code
// as the scheduled function, the events going to the outbox.
func sweepEvery(ctx context.Context, local dynamo.Local, opt Options) (stop func(), err error) {
	db, err := dynamo.NewLocalClient(ctx, local)
	if err != nil {
		return nil, err
	}
	st := dynamo.New(db, opt.Config.Table).RequireAudit()
	cfg := opt.Config
	s := &sweep.Sweeper{Store: st, Publisher: &FileOutbox{Path: filepath.Join(opt.StateDir, EventsFile)}, Options: sweep.Configured(cfg)}
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		every(ctx, cfg.SweepInterval, func() {
			res, err := s.Run(ctx, time.Now().UTC())
			if err != nil && ctx.Err() == nil {
				logger.Error("sweep failed", "error", err)
			} else if res.Expired+res.Expiring > 0 {
				logger.Info("sweep", "expired", res.Expired, "expiring", res.Expiring, "complete", res.Complete)
			}
		})
	})
	wg.Go(func() {
		every(ctx, cfg.ForwardInterval, func() {
			res, err := s.Forward(ctx, time.Now().UTC())
			if err != nil && ctx.Err() == nil {
				logger.Error("forwarding events failed", "error", err)
			} else if res.Forwarded > 0 {
				logger.Info("forwarded events", "forwarded", res.Forwarded, "complete", res.Complete)
			}
		})
	})
	return func() { cancel(); wg.Wait() }, nil
}

// every runs f now and then every interval (a second at the least, for an
// interval of 0) until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	tick := time.NewTicker(max(interval, time.Second))
	defer tick.Stop()
	for {
		f()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// firstRun bootstraps the project once, printing the admin key and
// writing it to the state folder with mode 0600.
func firstRun(ctx context.Context, st management.BootstrapStore, projectID string, opt Options) error {
	res, err := management.Bootstrap(ctx, st, projectID, opt.Config.SecretPrefix, time.Now().UTC())
	if errors.Is(err, management.ErrBootstrapped) {
		fmt.Fprintf(opt.Out, "Already bootstrapped; the admin key was written to %s\n", filepath.Join(opt.StateDir, AdminKeyFile))
		return nil
	}
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if err := os.MkdirAll(opt.StateDir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(opt.StateDir, AdminKeyFile)
	if err := os.WriteFile(path, []byte(res.Key+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	fmt.Fprintf(opt.Out, "Bootstrapped admin user %s. Admin API key (shown once, also in %s, expires %s):\n%s\n",
		res.UserID, path, res.ExpiresAt.Format(time.RFC3339), res.Key)
	return nil
}

// localDynamoDB is a started DynamoDB Local and the access key to its data.
type localDynamoDB struct {
	*services.Server
	AccessKey string
}

// startDynamoDB starts DynamoDB Local keeping its files in the state
// folder, behind the install's access key (created on the first run, kept
// 0600 in the state folder, reused afterwards so the data survives).
func startDynamoDB(ctx context.Context, opt Options) (localDynamoDB, error) {
	key, err := services.LoadOrCreateAccessKey(filepath.Join(opt.StateDir, DynamoDBKeyFile))
	if err != nil {
		return localDynamoDB{}, err
	}
	dir := filepath.Join(opt.StateDir, DynamoDBDir)
	if err := services.AdoptSharedDB(dir, key); err != nil {
		return localDynamoDB{}, err
	}
	srv, err := services.StartDynamoDB(ctx, opt.Jar, dir)
	if err != nil {
		return localDynamoDB{}, err
	}
	return localDynamoDB{Server: srv, AccessKey: key}, nil
}
