// Package functions_test checks that each Lambda binary links only what it
// runs.
package functions_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tollgate/tollgate"

// Imports a function may not link, each with the packages under it.
const (
	eventBridge = "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	argon2      = "golang.org/x/crypto/argon2"
	management  = module + "/shared/management"
	oauth       = module + "/shared/oauth"
)

// everywhere is what no function links: the CLI, its command framework, the
// local stand-ins, the testing package, and the OpenAPI document and its
// validator (tests only).
var everywhere = []string{"github.com/spf13/cobra", module + "/shared/cli", module + "/shared/local", "testing",
	module + "/docs", "github.com/pb33f"}

func TestFunctionDependencies(t *testing.T) {
	for _, tc := range []struct {
		fn        string
		forbidden []string
	}{
		// The authorizer runs before every protected request: no event
		// publishing, no password hashing, no management or OAuth code.
		{"authorizer", []string{eventBridge, argon2, management, oauth}},
		{"issuekeys", []string{eventBridge}},
		// Certificates: management's certificate routes, no OAuth code.
		{"certificates", []string{eventBridge, oauth}},
		{"token", []string{eventBridge}},
		{"sweeper", []string{argon2, management, oauth}},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			root := module + "/functions/" + tc.fn
			graph := imports(t, root)
			for _, forbidden := range append(tc.forbidden, everywhere...) {
				var linked []string
				for pkg := range graph {
					if pkg == forbidden || strings.HasPrefix(pkg, forbidden+"/") {
						linked = append(linked, pkg)
					}
				}
				if len(linked) > 0 {
					slices.Sort(linked) // a package before those under it
					t.Errorf("functions/%s links %s (%d package(s)): %s", tc.fn, forbidden, len(linked),
						strings.Join(chain(graph, root, linked[0]), " -> "))
				}
			}
		})
	}
}

// imports maps every package the Lambda binary of root links (built as
// `make lambdas` builds it) to its imports.
func imports(t *testing.T, root string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", root)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", root, err, stderr.String())
	}
	graph := map[string][]string{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		graph[fields[0]] = fields[1:]
	}
	if graph[root] == nil {
		t.Fatalf("go list -deps %s did not list %s", root, root)
	}
	return graph
}

// chain is a shortest import chain from root to pkg, module paths
// shortened.
func chain(graph map[string][]string, root, pkg string) []string {
	from := map[string]string{root: ""}
	for queue := []string{root}; len(queue) > 0 && pkg != root; queue = queue[1:] {
		for _, next := range graph[queue[0]] {
			if _, seen := from[next]; !seen {
				from[next] = queue[0]
				queue = append(queue, next)
			}
		}
		if _, found := from[pkg]; found {
			break
		}
	}
	var path []string
	for p := pkg; p != ""; p = from[p] {
		path = append(path, strings.TrimPrefix(p, module+"/"))
	}
	slices.Reverse(path)
	return path
}
