package main

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/infra/stack"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/scanning/scanningtest"
)

// TestContextString: a context value given as a string (-c) and one given
// as a JSON object (GitHub's key set written into cdk.json) both reach
// the props as the JSON package scanning reads; an absent one is "".
func TestContextString(t *testing.T) {
	set := scanningtest.New(t, 1).KeySet(t)
	var object map[string]any
	if err := json.Unmarshal([]byte(set), &object); err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]any{"string": set, "object": object} {
		t.Run(name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
				stack.ContextSecretScanningKeys: value, stack.ContextLeakAction: "notify",
			}, Outdir: jsii.String(t.TempDir())})
			keys, err := scanning.ParseKeys(contextString(app, stack.ContextSecretScanningKeys))
			if err != nil || len(keys) != 1 {
				t.Fatalf("key set from the context: %d keys, %v", len(keys), err)
			}
			if got := contextString(app, stack.ContextLeakAction); got != "notify" {
				t.Errorf("leak action %q", got)
			}
			if got := contextString(app, stack.ContextSecretPrefix); got != "" {
				t.Errorf("absent prefix %q", got)
			}
		})
	}
}
