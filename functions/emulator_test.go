package functions_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/local/seed"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// RequireRIE makes a missing emulator or template a failure instead of a
// skip (`make test` sets it, after `make synth`).
const RequireRIE = "TOLLGATE_REQUIRE_LAMBDA_RIE"

// emulated is the local stack the functions run against under the Runtime
// Interface Emulator: DynamoDB Local holding the seed, local-kms holding
// the seed's keys, an EventBridge stand-in, each function's bootstrap built
// for this machine as `make lambdas` builds it, and its environment from
// the synthesized template.
type emulated struct {
	rie    string
	bins   map[string]string            // bootstrap by function
	env    map[string]map[string]string // template environment, resolved
	memory map[string]int
	local  dynamo.Local
	kms    string // local-kms endpoint
	db     *dynamodb.Client
	table  string
	bus    *eventBus
	now    time.Time // of the seed and the samples
}

// newEmulated starts what the functions need, or skips (fails under
// TOLLGATE_REQUIRE_LAMBDA_RIE) when the emulator or template is missing.
func newEmulated(t *testing.T) *emulated {
	t.Helper()
	missing := t.Skip
	if os.Getenv(RequireRIE) != "" {
		missing = t.Fatal
	}
	rie, err := services.FindRIE(".")
	if err != nil {
		missing(err)
	}
	gomod, err := services.FindUp(".", "", "go.mod", errors.New("no go.mod at or above the working directory"))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(gomod)
	tpl := filepath.Join(root, TemplatePath)
	if _, err := os.Stat(tpl); err != nil {
		missing("no synthesized template (run make synth): ", err)
	}
	e := &emulated{rie: rie, local: localtest.DynamoDB(t), kms: seededKMS(t), now: time.Now().UTC().Truncate(time.Second)}
	e.db, e.table = localtest.NewTable(t)
	e.env, e.memory, err = functionEnvs(tpl, local{Table: e.table, APIID: seed.APIID, Region: seed.Region,
		SigningKeyARN: seed.KMSKeyARN(services.KMSRegion, services.KMSAccount, seed.SigningKeyID),
		SealKeyARN:    seed.KMSKeyARN(services.KMSRegion, services.KMSAccount, seed.SealKeyID)})
	if err != nil {
		t.Fatal(err)
	}
	e.seed(t)
	e.bins = build(t, root, slices.Sorted(mapsKeys(e.env)))
	e.bus = newEventBus(t)
	return e
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// seededKMS starts a local-kms holding the seed's keys (seed.KMSSeed),
// stopped at the end of the test.
func seededKMS(t *testing.T) string {
	t.Helper()
	bin, err := services.FindKMS(".")
	if err != nil {
		if os.Getenv(localtest.RequireKMS) == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(path, seed.KMSSeed(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := services.StartSeededKMS(context.Background(), bin, dir, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv.Endpoint
}

// seed (re)creates the table and applies the seed at e.now, sealing with
// local-kms as the functions do.
func (e *emulated) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(e.table)}); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.EnsureTable(ctx, e.db, e.table); err != nil {
		t.Fatal(err)
	}
	kc, err := services.KMSClient(ctx, e.kms)
	if err != nil {
		t.Fatal(err)
	}
	sealer := envelope.NewKMS(kc, seed.KMSKeyARN(services.KMSRegion, services.KMSAccount, seed.SealKeyID))
	if err := seed.Apply(ctx, dynamo.New(e.db, e.table), sealer, e.now); err != nil {
		t.Fatal(err)
	}
}

// build compiles each function for this machine with the production flags
// and returns its bootstrap's path.
func build(t *testing.T, root string, fns []string) map[string]string {
	t.Helper()
	out := t.TempDir()
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out + string(filepath.Separator)}
	for _, fn := range fns {
		args = append(args, "./functions/"+fn)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	bins := map[string]string{}
	for _, fn := range fns {
		dir := filepath.Join(out, "lambda", fn)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		bins[fn] = filepath.Join(dir, "bootstrap")
		if err := os.Rename(filepath.Join(out, fn), bins[fn]); err != nil {
			t.Fatal(err)
		}
	}
	return bins
}

// environment is what Lambda gives the function (its name, memory, region,
// credentials: here the DynamoDB Local access key) plus its template
// variables, with the local endpoints in the variables the template
// declares for them, as SAM's env.json sets them; override changes or
// (with "") removes variables.
func (e *emulated) environment(t *testing.T, fn string, override map[string]string) []string {
	t.Helper()
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": fn, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(e.memory[fn]), "AWS_REGION": seed.Region,
		"AWS_DEFAULT_REGION": seed.Region, "AWS_ACCESS_KEY_ID": e.local.AccessKey, "AWS_SECRET_ACCESS_KEY": "local",
		"TZ": ":UTC", "AWS_EC2_METADATA_DISABLED": "true",
		// The sweeper's EventBridge: the SDK's own endpoint variable (the
		// template declares none).
		"AWS_ENDPOINT_URL_EVENTBRIDGE": e.bus.URL,
	}
	for k, v := range e.env[fn] {
		env[k] = v
	}
	for k, v := range map[string]string{config.EnvDynamoDBEndpoint: e.local.Endpoint, config.EnvKMSEndpoint: e.kms} {
		if _, declared := e.env[fn][k]; !declared {
			t.Fatalf("the template declares no %s for %s: SAM's env.json could not set it", k, fn)
		}
		env[k] = v
	}
	if fn == "issuekeys" { // the seed's GitHub key signs the scanning sample
		if _, declared := e.env[fn][config.EnvScanningKeys]; !declared {
			t.Fatalf("the template declares no %s for issuekeys: SAM's env.json could not set it", config.EnvScanningKeys)
		}
		env[config.EnvScanningKeys] = seed.ScanningKeys()
	}
	for k, v := range override {
		env[k] = v
		if v == "" {
			delete(env, k)
		}
	}
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// start runs fn under the emulator, stopped at the end of the test.
func (e *emulated) start(t *testing.T, fn string, override map[string]string) *services.Emulator {
	t.Helper()
	em, err := services.StartRIE(context.Background(), e.rie, e.bins[fn], e.environment(t, fn, override))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		em.Stop()
		if t.Failed() {
			t.Logf("%s under the emulator wrote:\n%s", fn, em.Output())
		}
	})
	return em
}

// TestUnderEmulator runs the functions, built as deployed, under the
// official Lambda Runtime Interface Emulator with their template
// environment against the seed in DynamoDB Local and local-kms: every
// sample event, init failures, the authorizer with KMS down, and the SAM
// path against the seeded local stack.
func TestUnderEmulator(t *testing.T) {
	e := newEmulated(t)
	t.Run("samples", func(t *testing.T) { samplesUnderEmulator(t, e) })
	t.Run("init errors", func(t *testing.T) { initErrorsUnderEmulator(t, e) })
	t.Run("authorizer with KMS down", func(t *testing.T) { authorizerKMSDown(t, e) })
	t.Run("SAM's env.json against the seeded local stack", func(t *testing.T) { samEnvAgainstSeededStack(t, e) })
}

// samplesUnderEmulator runs every sample event through the function it is
// for and checks each answer.
func samplesUnderEmulator(t *testing.T, e *emulated) {
	samples, err := seed.Samples(e.now)
	if err != nil {
		t.Fatal(err)
	}
	emulators := map[string]*services.Emulator{}
	for fn := range e.env {
		emulators[fn] = e.start(t, fn, nil)
	}
	// Samples that change the table get a fresh seed before the next one.
	dirty := false
	for _, s := range samples {
		folder, _, _ := strings.Cut(s.Path, "/")
		t.Run(s.Path, func(t *testing.T) {
			if dirty {
				e.seed(t)
				dirty = false
			}
			payload, err := s.JSON()
			if err != nil {
				t.Fatal(err)
			}
			fn := folder
			answer, err := emulators[fn].Invoke(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			switch ev := s.Event.(type) {
			case events.APIGatewayCustomAuthorizerRequestTypeRequest:
				checkDecision(t, answer, ev.MethodArn, s.Want.Decision)
			case events.APIGatewayProxyRequest:
				checkProxy(t, answer, s.Want)
				dirty = ev.HTTPMethod != http.MethodGet
			default: // the sweeper's
				checkPublished(t, answer, e.bus, s.Want.Published)
				dirty = true
			}
		})
	}
}

// lambdaError is what the emulator answers for a handler's error.
type lambdaError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// checkDecision checks an authorizer's answer: Unauthorized is its error,
// Deny an explicit Deny on the method, Allow an Allow on it and no Deny.
func checkDecision(t *testing.T, answer []byte, methodARN, want string) {
	t.Helper()
	var fail lambdaError
	if err := json.Unmarshal(answer, &fail); err == nil && fail.ErrorMessage != "" {
		if fail.ErrorMessage != seed.Unauthorized || want != seed.Unauthorized {
			t.Fatalf("error %q (%s), want %s", fail.ErrorMessage, fail.ErrorType, want)
		}
		return
	}
	var resp events.APIGatewayCustomAuthorizerResponse
	if err := json.Unmarshal(answer, &resp); err != nil || resp.PrincipalID == "" {
		t.Fatalf("answer %s (%v): not an authorizer response", answer, err)
	}
	got := "none"
	for _, st := range resp.PolicyDocument.Statement {
		for _, r := range st.Resource {
			switch {
			case st.Effect == seed.Deny && r == methodARN:
				got = seed.Deny
			case st.Effect == seed.Allow && got == "none" && wildcard(r).MatchString(methodARN):
				got = seed.Allow
			}
		}
	}
	if got != want {
		t.Fatalf("decision %s, want %s (answer %s)", got, want, answer)
	}
}

// wildcard is an IAM resource pattern as a regular expression.
func wildcard(pattern string) *regexp.Regexp {
	return regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$")
}

// checkProxy checks a proxy answer's status, that its body is JSON (or
// empty) and holds want.Body.
func checkProxy(t *testing.T, answer []byte, want seed.Want) {
	t.Helper()
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(answer, &resp); err != nil || resp.StatusCode == 0 {
		t.Fatalf("answer %s (%v): not a proxy response", answer, err)
	}
	if resp.StatusCode != want.Status || !strings.Contains(resp.Body, want.Body) {
		t.Fatalf("status %d, body %s; want %d with %s", resp.StatusCode, resp.Body, want.Status, want.Body)
	}
	if resp.Body != "" && !json.Valid([]byte(resp.Body)) {
		t.Errorf("body is not JSON: %s", resp.Body)
	}
}

// checkPublished checks that a sweeper run completed and published exactly
// the one wanted event.
func checkPublished(t *testing.T, answer []byte, bus *eventBus, want [2]string) {
	t.Helper()
	var res struct{ Complete bool }
	if err := json.Unmarshal(answer, &res); err != nil || !res.Complete {
		t.Fatalf("answer %s (%v): not a complete run", answer, err)
	}
	got := bus.take()
	if len(got) != 1 || got[0].DetailType != want[0] || !strings.Contains(got[0].Detail, `"`+want[1]+`"`) {
		t.Fatalf("published %+v, want one %s of %s", got, want[0], want[1])
	}
}

// eventBus is an EventBridge stand-in that keeps what PutEvents sends.
type eventBus struct {
	*httptest.Server
	mu      sync.Mutex
	entries []busEntry
}

type busEntry struct{ Source, DetailType, Detail string }

func newEventBus(t *testing.T) *eventBus {
	b := &eventBus{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Entries []busEntry }
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" || json.Unmarshal(body, &in) != nil {
			http.Error(w, `{"__type":"ValidationException"}`, http.StatusBadRequest)
			return
		}
		b.mu.Lock()
		b.entries = append(b.entries, in.Entries...)
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		ids := strings.Repeat(`{"EventId":"e"},`, len(in.Entries))
		_, _ = io.WriteString(w, `{"FailedEntryCount":0,"Entries":[`+strings.TrimSuffix(ids, ",")+`]}`)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *eventBus) take() []busEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.entries
	b.entries = nil
	return out
}

// initErrorsUnderEmulator checks the real start-up path: a function
// whose configuration is incomplete fails its init (every missing variable
// named), and the emulator reports the init failure instead of an answer.
func initErrorsUnderEmulator(t *testing.T, e *emulated) {
	for fn, missing := range map[string][]string{
		"authorizer": {config.EnvSigningKeys, config.EnvSealKey},
		"issuekeys":  {config.EnvIssuer},
		"sweeper":    {config.EnvTable},
	} {
		t.Run(fn, func(t *testing.T) {
			override := map[string]string{}
			for _, name := range missing {
				override[name] = ""
			}
			em := e.start(t, fn, override)
			answer, err := em.Invoke(context.Background(), []byte(`{}`))
			var fail lambdaError
			if err == nil && (json.Unmarshal(answer, &fail) != nil || fail.ErrorMessage == "") {
				t.Fatalf("answer %s: want the init failure reported", answer)
			}
			if out, ok := waitOutput(em, "INIT RTDONE(status: error)"); !ok {
				t.Errorf("the emulator did not report a failed init:\n%s", out)
			}
			for _, name := range missing {
				if out, ok := waitOutput(em, name+" is required"); !ok {
					t.Errorf("init did not name %s:\n%s", name, out)
				}
			}
		})
	}
}

// authorizerKMSDown checks that the authorizer starts without KMS (it
// reads the signing keys on the first JWT) and that an unreachable KMS
// fails a JWT's request, never allows it, while API keys are still decided.
func authorizerKMSDown(t *testing.T, e *emulated) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more
	em := e.start(t, "authorizer", map[string]string{config.EnvKMSEndpoint: closed.URL})
	samples, err := seed.Samples(e.now)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if s.Path != "authorizer/jwt-bearer.json" && s.Path != "authorizer/bearer.json" {
			continue
		}
		payload, _ := s.JSON()
		answer, err := em.Invoke(context.Background(), payload)
		if err != nil {
			t.Fatal(err)
		}
		var fail lambdaError
		_ = json.Unmarshal(answer, &fail)
		switch {
		case s.Path == "authorizer/bearer.json":
			checkDecision(t, answer, s.Event.(events.APIGatewayCustomAuthorizerRequestTypeRequest).MethodArn, seed.Allow)
		case fail.ErrorMessage == "" || fail.ErrorMessage == seed.Unauthorized:
			t.Errorf("%s with KMS down: %s; want an error (500), neither a decision nor a cached refusal", s.Path, answer)
		}
	}
	if out, ok := waitOutput(em, "INIT REPORT"); !ok {
		t.Errorf("no INIT REPORT in the emulator's output:\n%s", out)
	}
}

// waitOutput waits up to two seconds for the emulator to have written
// text (its log lines may follow the answer) and returns its output.
func waitOutput(em *services.Emulator, text string) (string, bool) {
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out := em.Output()
		if strings.Contains(out, text) || time.Now().After(deadline) {
			return out, strings.Contains(out, text)
		}
	}
}
