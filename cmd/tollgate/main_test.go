package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// TestBootstrapLocalUsesAccessKey checks that `tollgate bootstrap` against
// DynamoDB Local signs with its access key (AWS_ACCESS_KEY_ID, else the
// local stack's key file), so it writes where the stack reads.
func TestBootstrapLocalUsesAccessKey(t *testing.T) {
	cases := []struct {
		name            string
		env, keyFile    bool
		wantOpenFailure bool
	}{
		{name: "AWS_ACCESS_KEY_ID", env: true},
		{name: "the state folder's key file", keyFile: true},
		{name: "neither", wantOpenFailure: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			local := localtest.DynamoDB(t)
			db, table := localtest.NewTable(t)
			dir := t.TempDir()
			t.Setenv("TOLLGATE_STATE_DIR", dir)
			t.Setenv(dynamo.EnvAccessKey, "")
			if c.env {
				t.Setenv(dynamo.EnvAccessKey, local.AccessKey)
			}
			if c.keyFile {
				if err := os.WriteFile(filepath.Join(dir, devstack.DynamoDBKeyFile), []byte(local.AccessKey+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			st, err := openStore(ctx, config.Config{DynamoDBEndpoint: local.Endpoint, Table: table, ProjectID: config.DefaultProjectID})
			if c.wantOpenFailure {
				if err == nil {
					t.Fatal("opened DynamoDB Local without its access key")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := management.Bootstrap(ctx, st, config.DefaultProjectID, "", time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dynamo.New(db, table).GetKeyByHash(ctx, config.DefaultProjectID, secret.Sum(res.Key)); err != nil {
				t.Fatalf("the admin key is not where the access key's owner reads: %v", err)
			}
		})
	}
}
