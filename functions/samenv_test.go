package functions_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/seed"
	"github.com/tollgate/tollgate/shared/local/services"
)

// samEnvAgainstSeededStack is `sam local invoke -e
// events/authorizer/bearer.json` against `make seed` as SAM runs it: the
// seeded local stack running, env.json from `tollgate sam-env`, and the
// authorizer under the emulator with its template variables overridden by
// env.json's (only those it declares, as SAM does) and the stack's
// DynamoDB access key. The committed sample is allowed.
func samEnvAgainstSeededStack(t *testing.T, e *emulated) {
	jar, err := services.FindDynamoDB(".")
	if err != nil {
		t.Skip(err)
	}
	state := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	cfg, err := config.Parse(func(k string) string {
		return map[string]string{config.EnvTable: "tollgate", config.EnvIssuer: seed.Issuer, config.EnvRevocationBound: "0s"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		done <- devstack.Run(ctx, devstack.Options{StateDir: state, Listen: "127.0.0.1:0", Jar: jar, Config: cfg, Out: io.Discard,
			Seed: true, Ready: func(devstack.Listening) { close(ready) }})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the seeded local stack did not start: %v", err)
	}
	envFile := filepath.Join(t.TempDir(), "env.json")
	if err := devstack.WriteSAMEnv(envFile, state, "127.0.0.1", io.Discard); err != nil {
		t.Fatal(err)
	}
	var env struct{ Parameters map[string]string }
	b, err := os.ReadFile(envFile)
	if err != nil || json.Unmarshal(b, &env) != nil {
		t.Fatalf("env.json: %v\n%s", err, b)
	}
	key, err := services.ReadAccessKey(filepath.Join(state, devstack.DynamoDBKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	override := map[string]string{"AWS_ACCESS_KEY_ID": key}
	for k := range e.env["authorizer"] {
		if v, ok := env.Parameters[k]; ok {
			override[k] = v
		}
	}
	em := e.start(t, "authorizer", override)
	event, err := os.ReadFile(filepath.Join("..", "events", "authorizer", "bearer.json"))
	if err != nil {
		t.Fatal(err)
	}
	answer, err := em.Invoke(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	checkDecision(t, answer, "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/v1/whoami", seed.Allow)
}
