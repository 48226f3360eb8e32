package stack

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation/lambda"
)

// TestSAMTemplate synthesizes the whole stack as `cdk synth` does (asset
// metadata on), parses the template with goformation as a SAM-like reader
// would, and checks what `sam local invoke -t cdk.out/Tollgate.template.json
// <FunctionId> -e events/<fn>/<case>.json` needs: each function folder under
// functions/ has exactly one AWS::Lambda::Function, on provided.al2023 and
// arm64 with handler bootstrap, whose code asset (the aws:asset:path
// metadata SAM reads) holds that function's bootstrap binary. It logs the
// logical id for each events/ folder, and checks the ids events/README.md
// quotes.
func TestSAMTemplate(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	functions := synthForSAM(t, out)

	// Which template function runs which binary: the asset's bootstrap is a
	// copy of build/lambda/<name>/bootstrap.
	byBinary := map[[32]byte][]string{}
	for id, fn := range functions {
		t.Run(id, func(t *testing.T) {
			sum := checkSAMFunction(t, out, fn)
			byBinary[sum] = append(byBinary[sum], id)
		})
	}

	logicalIDs := functionFolderIDs(t, root, byBinary)
	if len(logicalIDs) != len(functions) {
		t.Errorf("%d functions in the template, %d of them matched to a functions/ folder", len(functions), len(logicalIDs))
	}
	logSAMCommands(t, root, logicalIDs)
	checkREADMELogicalIDs(t, root, functions)
}

// synthForSAM synthesizes the stack into out as `cdk synth` does and returns
// the template's functions as goformation reads them.
func synthForSAM(t *testing.T, out string) map[string]*lambda.Function {
	ctx := map[string]any{}
	for k, v := range cdkContext {
		ctx[k] = v
	}
	// The CDK CLI sets this for every synth; SAM finds code through it.
	ctx["aws:cdk:enable-asset-metadata"] = true
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(out)})
	NewTollgate(app, "Tollgate", nil)
	asm := app.Synth(nil)
	path := *asm.GetStackByName(jsii.String("Tollgate")).TemplateFullPath()
	if filepath.Base(path) != "Tollgate.template.json" {
		t.Errorf("template %s, want Tollgate.template.json (the name the README's sam commands use)", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := goformation.ParseJSON(data)
	if err != nil {
		t.Fatalf("goformation cannot parse the template: %v", err)
	}
	return tpl.GetAllLambdaFunctionResources()
}

// checkSAMFunction checks what SAM needs of one function and returns the
// SHA-256 of the bootstrap binary in its code asset under out.
func checkSAMFunction(t *testing.T, out string, fn *lambda.Function) [32]byte {
	if fn.Runtime == nil || *fn.Runtime != "provided.al2023" {
		t.Errorf("Runtime %v, want provided.al2023", deref(fn.Runtime))
	}
	if strings.Join(fn.Architectures, ",") != "arm64" {
		t.Errorf("Architectures %v, want [arm64]", fn.Architectures)
	}
	if fn.Handler == nil || *fn.Handler != "bootstrap" {
		t.Errorf("Handler %v, want bootstrap", deref(fn.Handler))
	}
	if fn.Code == nil || fn.Code.S3Key == nil {
		t.Errorf("Code %+v, want the asset's S3 location", fn.Code)
	}
	if p := fn.AWSCloudFormationMetadata["aws:asset:property"]; p != "Code" {
		t.Errorf("aws:asset:property %v, want Code", p)
	}
	asset, _ := fn.AWSCloudFormationMetadata["aws:asset:path"].(string)
	if asset == "" {
		t.Fatalf("no aws:asset:path metadata: SAM would not find the code (metadata %v)", fn.AWSCloudFormationMetadata)
	}
	bin, err := os.ReadFile(filepath.Join(out, asset, "bootstrap"))
	if err != nil {
		t.Fatalf("asset %s: %v", asset, err)
	}
	return sha256.Sum256(bin)
}

// functionFolderIDs matches each deployed folder under functions/ to the one
// template function running its binary, and returns the logical ids by
// folder name.
func functionFolderIDs(t *testing.T, root string, byBinary map[[32]byte][]string) map[string]string {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	logicalIDs := map[string]string{} // function folder: logical id
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "internal" { // wiring the functions share, not a function
			continue
		}
		name := e.Name()
		if why, ok := notDeployed[name]; ok {
			t.Logf("functions/%s is not in the stack yet (%s): sam local invoke cannot run it", name, why)
			continue
		}
		bin, err := os.ReadFile(filepath.Join(root, LambdaBuildDir, name, "bootstrap"))
		if err != nil {
			t.Errorf("functions/%s: no binary (run make lambdas): %v", name, err)
			continue
		}
		ids := byBinary[sha256.Sum256(bin)]
		if len(ids) != 1 {
			t.Errorf("functions/%s: %d AWS::Lambda::Function resources run its binary (%v), want exactly one", name, len(ids), ids)
			continue
		}
		logicalIDs[name] = ids[0]
	}
	return logicalIDs
}

// logSAMCommands checks that each events/ folder names a function and logs
// the `sam local invoke` command for it.
func logSAMCommands(t *testing.T, root string, logicalIDs map[string]string) {
	events, err := os.ReadDir(filepath.Join(root, "events"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range events {
		if !e.IsDir() {
			continue
		}
		id, ok := logicalIDs[e.Name()]
		if _, pending := notDeployed[e.Name()]; !ok && pending {
			continue
		}
		if !ok {
			t.Errorf("events/%s: no function of that name in functions/", e.Name())
			continue
		}
		cases, _ := filepath.Glob(filepath.Join(root, "events", e.Name(), "*.json"))
		example := "<case>"
		if len(cases) > 0 {
			example = strings.TrimSuffix(filepath.Base(cases[0]), ".json")
		}
		lines = append(lines, "events/"+e.Name()+"/ -> "+id+
			"   sam local invoke -t cdk.out/Tollgate.template.json "+id+" -e events/"+e.Name()+"/"+example+".json")
	}
	sort.Strings(lines)
	t.Logf("sample events and the functions they are for:\n%s", strings.Join(lines, "\n"))
}

// checkREADMELogicalIDs checks that the logical ids events/README.md quotes
// for its commands are the template's.
func checkREADMELogicalIDs(t *testing.T, root string, functions map[string]*lambda.Function) {
	readme, err := os.ReadFile(filepath.Join(root, "events", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	quoted := regexp.MustCompile(`\b(?:Authorizer|IssueKeys|Certificates|Token)[0-9A-F]{8}\b`).FindAll(readme, -1)
	for _, q := range quoted {
		if _, ok := functions[string(q)]; !ok {
			t.Errorf("events/README.md quotes %s, which is not a function's logical id in the template", q)
		}
	}
	if len(quoted) == 0 && !bytes.Contains(readme, []byte("sam local")) {
		t.Log("events/README.md quotes no logical ids")
	}
}

// notDeployed lists the function folders the stack does not declare yet,
// with why. Remove an entry when its function joins the stack: the test then
// checks it like the others.
var notDeployed = map[string]string{}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
