package services

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// EnvKMS names the local-kms binary, overriding the search.
const EnvKMS = "TOLLGATE_LOCAL_KMS"

// ErrNoKMS reports that local-kms is not installed.
var ErrNoKMS = errors.New("local-kms is not installed: run `make tools`")

// FindKMS returns TOLLGATE_LOCAL_KMS or .tools/bin/local-kms under the
// repository root found by walking up from dir.
func FindKMS(dir string) (string, error) {
	return FindUp(dir, EnvKMS, filepath.Join(".tools", "bin", "local-kms"), ErrNoKMS)
}

// The region and account local-kms puts in its key ARNs.
const (
	KMSRegion  = "us-east-1"
	KMSAccount = "111122223333"
)

// StartKMS runs local-kms on a free port keeping its data in dataDir.
func StartKMS(ctx context.Context, binary, dataDir string) (*Server, error) {
	return StartSeededKMS(ctx, binary, dataDir, "")
}

// StartSeededKMS is StartKMS creating the keys of the local-kms seed file
// seedPath first (none when it is "").
func StartSeededKMS(ctx context.Context, binary, dataDir, seedPath string) (*Server, error) {
	if seedPath == "" { // not local-kms's default, /init/seed.yaml
		seedPath = filepath.Join(dataDir, "no-seed.yaml")
	}
	return startServer(ctx, "local-kms", 30*time.Second, func(port int) *exec.Cmd {
		cmd := exec.Command(binary)
		cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "KMS_DATA_PATH="+dataDir, "KMS_SEED_PATH="+seedPath,
			"KMS_REGION="+KMSRegion, "KMS_ACCOUNT_ID="+KMSAccount)
		return cmd
	})
}

// KMSClient returns a KMS client for endpoint with static test credentials.
func KMSClient(ctx context.Context, endpoint string) (*kms.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(KMSRegion),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("tollgatelocal", "tollgatelocal", "")))
	if err != nil {
		return nil, err
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = aws.String(endpoint) }), nil
}
