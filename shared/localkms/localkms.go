package localkms

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/tollgate/tollgate/shared/localsvc"
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
	return localsvc.FindUp(dir, EnvBinary, filepath.Join(".tools", "bin", "local-kms"), ErrNoBinary)
}

// Server is a running local-kms.
type Server struct {
	*localsvc.Process
	Endpoint string
}

// Start runs local-kms on a free port keeping its data in dataDir.
func Start(ctx context.Context, binary, dataDir string) (*Server, error) {
	port, err := localsvc.FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "KMS_DATA_PATH="+dataDir, "KMS_REGION=us-east-1", "KMS_ACCOUNT_ID=111122223333")
	p, err := localsvc.Start(ctx, "local-kms", cmd, port, 30*time.Second)
	if err != nil {
		return nil, err
	}
	return &Server{Process: p, Endpoint: "http://127.0.0.1:" + strconv.Itoa(port)}, nil
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

var shared = &localsvc.Shared{
	RequireEnv: EnvRequire,
	Start: func() (string, func(), error) {
		bin, err := FindBinary(".")
		if err != nil {
			return "", nil, err
		}
		dir, err := os.MkdirTemp("", "localkms")
		if err != nil {
			return "", nil, err
		}
		srv, err := Start(context.Background(), bin, dir)
		if err != nil {
			return "", nil, err
		}
		return srv.Endpoint, func() { srv.Stop(); _ = os.RemoveAll(dir) }, nil
	},
}

// Main runs a test binary and stops the local-kms Endpoint may have started.
func Main(m *testing.M) {
	code := m.Run()
	shared.Stop()
	os.Exit(code)
}

// Endpoint returns the endpoint of a local-kms shared by the test binary,
// starting it on first use; without the binary the test skips, or fails
// when EnvRequire is set. Use it only in binaries run through Main.
func Endpoint(t testing.TB) string {
	t.Helper()
	return shared.Endpoint(t)
}
