package devstack_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/local/openapitest"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// runLocal runs the whole local stack, DynamoDB Local included, on the
// state folder dir, as `make run` does, until stop is called; settings
// adjust its configuration. Every exchange with it is checked against
// docs/openapi.yaml.
func runLocal(t *testing.T, dir string, settings ...func(*config.Config)) (at devstack.Listening, stop func()) {
	t.Helper()
	localtest.DynamoDB(t) // skip without the jar
	jar, err := services.FindDynamoDB(".")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Table: "tollgate", ProjectID: config.DefaultProjectID, StoreTimeout: config.DefaultStoreTimeout}
	for _, set := range settings {
		set(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan devstack.Listening, 1), make(chan error, 1)
	go func() {
		done <- devstack.Run(ctx, devstack.Options{
			StateDir: dir, Listen: "127.0.0.1:0", Jar: jar, Out: io.Discard, Config: cfg,
			Ready:   func(l devstack.Listening) { ready <- l },
			Observe: func(h http.Handler) http.Handler { return openapitest.Observe(t, h) },
		})
	}()
	select {
	case at = <-ready:
		return at, func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	case err := <-done:
		cancel()
		t.Fatal(err)
	}
	return at, nil
}

// TestLocalDynamoDBSealed probes the local stack's DynamoDB Local, which
// listens on every interface, as a stranger on the network would: another
// access key sees no table and cannot read the admin key's record, while
// the stack's own key (0600 in the state folder, reused on restart) does.
func TestLocalDynamoDBSealed(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, devstack.DynamoDBKeyFile)
	var keys []string
	for range 2 { // a restart reuses the key, and the data survives
		at, stop := runLocal(t, dir)
		fi, err := os.Stat(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %04o, want 0600", devstack.DynamoDBKeyFile, fi.Mode().Perm())
		}
		b, _ := os.ReadFile(keyFile)
		keys = append(keys, strings.TrimSpace(string(b)))
		admin, _ := os.ReadFile(filepath.Join(dir, devstack.AdminKeyFile))
		probe(t, dynamo.Local{Endpoint: at.DynamoDB, AccessKey: keys[len(keys)-1]}, strings.TrimSpace(string(admin)), true)
		probe(t, dynamo.Local{Endpoint: at.DynamoDB, AccessKey: services.NewAccessKey()}, strings.TrimSpace(string(admin)), false)
		stop()
	}
	if keys[0] != keys[1] || len(keys[0]) < 32 {
		t.Fatalf("access keys %q then %q: want one key of at least 32 characters, reused", keys[0], keys[1])
	}
}

// probe lists the tables local's key sees and looks the admin key's record
// up with it; want says whether it should find them.
func probe(t *testing.T, local dynamo.Local, adminKey string, want bool) {
	t.Helper()
	ctx := context.Background()
	db, err := dynamo.NewLocalClient(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	out, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Contains(out.TableNames, "tollgate"); got != want {
		t.Errorf("key sees the table: %v, want %v", got, want)
	}
	key, err := dynamo.New(db, "tollgate").GetKeyByHash(ctx, config.DefaultProjectID, secret.Sum(adminKey))
	var missing *types.ResourceNotFoundException
	switch {
	case want && (err != nil || key.ID == ""):
		t.Errorf("own key reading the admin key's record: %v", err)
	case !want && !errors.As(err, &missing):
		t.Errorf("foreign key reading the admin key's record: got %v, want ResourceNotFoundException", err)
	}
}
