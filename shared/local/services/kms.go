package services

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// StartKMS runs local-kms on a free port of 127.0.0.1 keeping its data in
// dataDir. local-kms checks no credentials: tools/localkms, which `make
// tools` installs, listens where it is told (local-kms's own main listens
// on every interface).
func StartKMS(ctx context.Context, binary, dataDir string) (*Server, error) {
	return StartSeededKMS(ctx, binary, dataDir, "", nil)
}

// StartSeededKMS is StartKMS creating the keys of the local-kms seed file
// seedPath first (none when it is ""), and listening on the port at hosts
// too (addresses of this machine).
func StartSeededKMS(ctx context.Context, binary, dataDir, seedPath string, hosts []string) (*Server, error) {
	listen := strings.Join(append([]string{"127.0.0.1"}, hosts...), ",")
	return startServer(ctx, "local-kms", 30*time.Second, func(port int) *exec.Cmd {
		cmd := exec.Command(binary)
		cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "KMS_HOSTS="+listen, "KMS_DATA_PATH="+dataDir,
			"KMS_SEED_PATH="+seedPath, "KMS_REGION="+KMSRegion, "KMS_ACCOUNT_ID="+KMSAccount)
		return cmd
	})
}

// DockerBridge is this machine's address on Docker's default bridge
// (docker0), where SAM's containers reach it on Linux; "" without one.
func DockerBridge() string {
	iface, err := net.InterfaceByName("docker0")
	if err != nil {
		return ""
	}
	addrs, err := iface.Addrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil {
			return ip.IP.String()
		}
	}
	return ""
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
