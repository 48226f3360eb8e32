package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
)

// cdkContext is cdk.json's context, so tests synthesize with the same
// feature flags as `cdk synth`.
var cdkContext map[string]any

func TestMain(m *testing.M) {
	for _, fn := range []string{FnAuthorizer, access.FnIssueKeys, access.FnToken, FnSweeper} {
		if _, err := LambdaAssetDir(fn); err != nil {
			fmt.Fprintf(os.Stderr, "infra tests need the Lambda binaries: %v\n", err)
			os.Exit(1)
		}
	}
	root, err := RepoRoot()
	if err == nil {
		cdkContext, err = readContext(filepath.Join(root, "cdk.json"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Each app synthesizes into a cdk.out folder (about 1.4 GB a run in
	// all): newApp puts them in one folder of this run, removed at the end.
	if synthDir, err = os.MkdirTemp("", "tollgate-infra-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	jsii.Close()
	os.RemoveAll(synthDir)
	os.Exit(code)
}

func readContext(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c.Context, nil
}

// synthDir holds the cdk.out folders of this test run's apps.
var synthDir string

// newApp returns an app configured like cdk.json's, synthesizing into a
// new folder under synthDir.
func newApp() awscdk.App {
	ctx := cdkContext
	out, err := os.MkdirTemp(synthDir, "cdk.out")
	if err != nil {
		panic(err)
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(out)})
}

// newStack returns an empty stack to put one construct in.
func newStack() awscdk.Stack {
	return awscdk.NewStack(newApp(), jsii.String("Test"), nil)
}

// check runs a CDK assertion, which panics on failure, as a test error.
func check(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Error(r)
		}
	}()
	assertion()
}

// propsCase is properties a resource must have, named for a subtest.
type propsCase struct {
	name  string
	props map[string]any
}

// checkProps runs a subtest per case: tpl has a resource of type typ with
// the case's properties.
func checkProps(t *testing.T, tpl assertions.Template, typ string, cases []propsCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check(t, func() { tpl.HasResourceProperties(jsii.String(typ), tc.props) })
		})
	}
}

// panics reports whether f panics, and with what.
func panics(f func()) (msg string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, ok = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

// logicalID is the CloudFormation logical ID of an L2 construct's resource.
func logicalID(s awscdk.Stack, c constructs.IConstruct) string {
	return *s.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// resources returns the template's resources of one type, by logical ID.
func resources(tpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range *tpl.FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	return out
}

// props returns a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// jsonString renders v for substring checks on CloudFormation intrinsics.
func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
