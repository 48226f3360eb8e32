package stack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/scanning/scanningtest"
)

func TestTollgate(t *testing.T) {
	ts, tpl := checkedTollgate(t, nil)
	c := tollgateTemplate{ts: ts, tpl: tpl}
	t.Run("one method per route: protected ones behind the authorizer, the public ones open", c.checkMethods)
	t.Run("without MutualTLS: the execute-api endpoint stays, no custom domain", c.checkExecuteAPIEndpoint)
	t.Run("public methods: APIG4 and COG4 suppressed on exactly those, with a reason", c.checkPublicMethodSuppressions)
	for _, fn := range []*Function{ts.Authorizer, ts.IssueKeys, ts.Token} {
		t.Run("environment of "+*fn.Node().Id(), func(t *testing.T) { c.checkTokenEnvironment(t, fn, true) })
	}
	t.Run("environment of Certificates: the issuer, no KMS key", func(t *testing.T) {
		c.checkTokenEnvironment(t, ts.Certificates, false)
	})
	t.Run("the issuer is the stage URL, ApiUrl without its trailing slash", c.checkIssuerOutputs)
	checkCreateGrant(t, tpl)
}

// tollgateTemplate is the Tollgate stack with the default settings and its
// template.
type tollgateTemplate struct {
	ts  *Tollgate
	tpl assertions.Template
}

func (c tollgateTemplate) checkMethods(t *testing.T) {
	ts := c.ts
	fnIDs := map[string]string{}
	for _, fn := range []*Function{ts.Authorizer, ts.IssueKeys, ts.Certificates, ts.Token} {
		fnIDs[logicalID(ts.Stack, fn.Function)] = *fn.Function.Node().Scope().Node().Id()
	}
	served := map[string]string{access.FnIssueKeys: "IssueKeys", access.FnCertificates: "Certificates"}
	got := methods(t, c.tpl, logicalID(ts.Stack, ts.API.RestApi), logicalID(ts.Stack, ts.API.Authorizer), fnIDs)
	var want []string
	for _, r := range access.Routes {
		want = append(want, r.Method+" "+r.Resource+" -> "+served[r.Function]+" CUSTOM")
	}
	for _, r := range []string{"POST /oauth/token", "POST /oauth/revoke", "POST /oauth/introspect", "GET /.well-known/jwks.json", "GET /.well-known/oauth-authorization-server"} {
		want = append(want, r+" -> Token NONE")
	}
	want = append(want, "POST /v1/secret-scanning/github -> IssueKeys NONE")
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("methods:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func (c tollgateTemplate) checkExecuteAPIEndpoint(t *testing.T) {
	if c.ts.API.Domain != nil {
		t.Error("API.Domain is set")
	}
	for _, typ := range []string{"AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping"} {
		check(t, func() { c.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
	}
	check(t, func() {
		c.tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{
			"DisableExecuteApiEndpoint": assertions.Match_Absent(),
		})
	})
	outputs := *c.tpl.FindOutputs(jsii.String("*"), nil)
	for _, name := range []string{"DomainTarget", "DomainHostedZoneId"} {
		if _, ok := outputs[name]; ok {
			t.Errorf("output %s without MutualTLS", name)
		}
	}
	endpoints := 0
	for name := range outputs {
		if strings.HasPrefix(name, "ApiEndpoint") {
			endpoints++
		}
	}
	if endpoints != 1 {
		t.Errorf("%d ApiEndpoint outputs (the execute-api URL), want RestApi's one", endpoints)
	}
}

func (c tollgateTemplate) checkPublicMethodSuppressions(t *testing.T) {
	public := 0
	for id, m := range resources(c.tpl, "AWS::ApiGateway::Method") {
		var rules []string
		for _, sup := range nagSuppressions(m) {
			rules = append(rules, sup["id"].(string))
			if reason, _ := sup["reason"].(string); len(reason) < 40 {
				t.Errorf("method %s: suppression %v has no real reason", id, sup)
			}
		}
		sort.Strings(rules)
		want := "AwsSolutions-COG4"
		if props(m)["AuthorizationType"] == "NONE" {
			public++
			want = "AwsSolutions-APIG4 AwsSolutions-COG4"
		}
		if got := strings.Join(rules, " "); got != want {
			t.Errorf("method %s (%v): suppressions %q, want %q", id, props(m)["AuthorizationType"], got, want)
		}
	}
	if public != len(access.PublicRoutes) {
		t.Errorf("%d public methods, want %d", public, len(access.PublicRoutes))
	}
}

// issuer is the default issuer in the template: the stage URL.
func (c tollgateTemplate) issuer() map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"https://", map[string]any{"Ref": logicalID(c.ts.Stack, c.ts.API.RestApi)}, ".execute-api.",
		map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"}, "/" + StageName,
	}}}
}

// checkTokenEnvironment checks fn's environment: the table, the project,
// the issuer and the audience, and with kms the signing and seal keys.
func (c tollgateTemplate) checkTokenEnvironment(t *testing.T, fn *Function, kms bool) {
	ts := c.ts
	issuer := c.issuer()
	env := map[string]any{
		config.EnvTable:              map[string]any{"Ref": logicalID(ts.Stack, ts.Table.Table)},
		config.EnvProjectID:          config.DefaultProjectID,
		config.EnvAuthorizerCacheTTL: "0s",
		config.EnvIssuer:             issuer,
		config.EnvAudience:           issuer,
		config.EnvSigningKeys:        map[string]any{"Fn::GetAtt": []any{logicalID(ts.Stack, ts.Keys.Signing), "Arn"}},
		config.EnvSealKey:            map[string]any{"Fn::GetAtt": []any{logicalID(ts.Stack, ts.Keys.Seal), "Arn"}},
		// Declared empty, for SAM's env.json (make sam-env).
		config.EnvDynamoDBEndpoint: "",
		config.EnvKMSEndpoint:      "",
	}
	if !kms {
		delete(env, config.EnvSigningKeys)
		delete(env, config.EnvSealKey)
	}
	if fn == ts.IssueKeys {
		env[config.EnvScanningKeys] = "" // declared empty too: no key set, the route answers 404
	}
	fnProps := props(resources(c.tpl, "AWS::Lambda::Function")[logicalID(ts.Stack, fn.Function)])
	if got := fnProps["Environment"].(map[string]any)["Variables"]; jsonString(got) != jsonString(env) {
		t.Errorf("environment\n got %s\nwant %s", jsonString(got), jsonString(env))
	}
}

func (c tollgateTemplate) checkIssuerOutputs(t *testing.T) {
	issuer := c.issuer()
	outputs := *c.tpl.FindOutputs(jsii.String("*"), nil)
	if got := jsonString((*outputs["Issuer"])["Value"]); got != jsonString(issuer) {
		t.Errorf("Issuer output %s, want %s", got, jsonString(issuer))
	}
	// ApiUrl names the stage resource; the issuer spells its name out.
	apiURL := jsonString((*outputs["ApiUrl"])["Value"])
	stage := jsonString(map[string]any{"Ref": logicalID(c.ts.Stack, c.ts.API.RestApi.DeploymentStage())})
	if want := strings.Replace(jsonString(issuer), `"/`+StageName+`"`, `"/",`+stage+`,"/"`, 1); apiURL != want {
		t.Errorf("ApiUrl %s\nwant %s", apiURL, want)
	}
}

func TestTollgateIssuer(t *testing.T) {
	tests := []struct {
		name                     string
		issuer, audience         string
		wantIssuer, wantAudience string
	}{
		{"custom domain", "https://auth.example.com", "", "https://auth.example.com", "https://auth.example.com"},
		{"custom domain and audience", "https://auth.example.com", "https://api.example.com", "https://auth.example.com", "https://api.example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := NewTollgate(newApp(), "Tollgate", &TollgateProps{Issuer: tc.issuer, Audience: tc.audience})
			tpl := assertions.Template_FromStack(ts.Stack, nil)
			check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(5)) })
			for _, name := range []string{FnAuthorizer, access.FnIssueKeys, access.FnCertificates, access.FnToken} {
				check(t, func() {
					tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
						"Description": "Tollgate " + name,
						"Environment": map[string]any{"Variables": map[string]any{
							config.EnvIssuer: tc.wantIssuer, config.EnvAudience: tc.wantAudience,
						}},
					})
				})
			}
		})
	}
}

// checkedTollgate declares the Tollgate stack with the AwsSolutions checks,
// runs them in a subtest that fails on any finding, and returns the stack
// and its template.
func checkedTollgate(t *testing.T, props *TollgateProps) (*Tollgate, assertions.Template) {
	t.Helper()
	app := newApp()
	ts := NewTollgate(app, "Tollgate", props)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	annotations := assertions.Annotations_FromStack(ts.Stack) // synthesizes, running the checks
	tpl := assertions.Template_FromStack(ts.Stack, nil)

	t.Run("AwsSolutions checks are clean", func(t *testing.T) {
		nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		for _, find := range []struct {
			level string
			msgs  func() int
		}{
			{"error", func() int { return report(t, annotations.FindError(jsii.String("*"), nag)) }},
			{"warning", func() int { return report(t, annotations.FindWarning(jsii.String("*"), nag)) }},
		} {
			if n := find.msgs(); n > 0 {
				t.Errorf("%d AwsSolutions %s(s): fix them or suppress each in code with a reason", n, find.level)
			}
		}
	})
	return ts, tpl
}

// TestTollgateSigningKeyRotation deploys the second signing key generation
// with the first still verifying.
func TestTollgateSigningKeyRotation(t *testing.T) {
	const retired = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001"
	ts, tpl := checkedTollgate(t, &TollgateProps{Keys: KeysProps{SigningKeyGeneration: 2, RetiredSigningKeyArns: []string{retired}}})
	signingArn := map[string]any{"Fn::GetAtt": []any{logicalID(ts.Stack, ts.Keys.Signing), "Arn"}}
	sealArn := map[string]any{"Fn::GetAtt": []any{logicalID(ts.Stack, ts.Keys.Seal), "Arn"}}
	if id := logicalID(ts.Stack, ts.Keys.Signing); !strings.HasPrefix(id, "KeysSigning2") {
		t.Errorf("signing key %s, want the second generation", id)
	}
	check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(3)) }) // signing, seal, alarm topic
	for _, tc := range []struct {
		fn   *Function
		want map[string][]any
	}{
		{ts.Authorizer, map[string][]any{"kms:GetPublicKey": {signingArn, retired}, "kms:Decrypt": {sealArn}}},
		{ts.IssueKeys, map[string][]any{"kms:GetPublicKey": {signingArn, retired}, "kms:Sign": {signingArn},
			"kms:GenerateDataKey": {sealArn}, "kms:Decrypt": {sealArn}}},
	} {
		t.Run(*tc.fn.Node().Id(), func(t *testing.T) {
			got := policyGrants(tpl, logicalID(ts.Stack, tc.fn.Function.Role()), "kms:")
			for _, arns := range tc.want {
				sortByJSON(arns)
			}
			if jsonString(got) != jsonString(tc.want) {
				t.Errorf("KMS grants\n got %s\nwant %s", jsonString(got), jsonString(tc.want))
			}
			env := props(resources(tpl, "AWS::Lambda::Function")[logicalID(ts.Stack, tc.fn.Function)])["Environment"].(map[string]any)["Variables"].(map[string]any)
			want := map[string]any{"Fn::Join": []any{",", []any{signingArn, retired}}}
			if got := env[config.EnvSigningKeys]; jsonString(got) != jsonString(want) {
				t.Errorf("%s = %s, want the new key first: %s", config.EnvSigningKeys, jsonString(got), jsonString(want))
			}
		})
	}
}

// nagSuppressions returns the cdk-nag suppressions in a resource's metadata.
func nagSuppressions(r map[string]any) []map[string]any {
	md, _ := r["Metadata"].(map[string]any)
	nag, _ := md["cdk_nag"].(map[string]any)
	list, _ := nag["rules_to_suppress"].([]any)
	var out []map[string]any
	for _, s := range list {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// report logs each synthesis message and returns how many there were.
func report(t *testing.T, msgs *[]*cxapi.SynthesisMessage) int {
	t.Helper()
	for _, m := range *msgs {
		t.Logf("%s: %v", *m.Id, m.Entry.Data)
	}
	return len(*msgs)
}

// TestIssuerWithoutCycle shows why DefaultIssuer does not use
// RestApi.Url(): a function whose environment names the stage makes a
// dependency cycle (function -> stage -> deployment -> method -> function),
// which Template_FromStack refuses as undeployable (every test that builds
// the whole stack's template thus proves it has none; `cdk synth` does not
// check).
func TestIssuerWithoutCycle(t *testing.T) {
	for _, tc := range []struct {
		name      string
		url       func(*API) *string
		wantCycle bool
	}{
		{"DefaultIssuer", func(a *API) *string { return DefaultIssuer(a.RestApi) }, false},
		{"RestApi.Url()", func(a *API) *string { return a.RestApi.Url() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			table := NewTable(s, "Table", nil)
			fn := NewFunction(s, "Fn", &FunctionProps{Name: access.FnToken, Table: table.Table})
			api := NewAPI(s, "Api", &APIProps{
				Authorizer:   importedFunction(s, "authorizer"),
				Functions:    map[string]awslambda.IFunction{"f": fn.Function},
				Routes:       []access.Route{{Method: "GET", Resource: "/x", Function: "f"}},
				PublicRoutes: []access.Route{},
			})
			fn.Function.AddEnvironment(jsii.String(config.EnvIssuer), tc.url(api), nil)
			msg, panicked := panics(func() { assertions.Template_FromStack(s, nil) })
			if cycle := panicked && strings.Contains(msg, "dependency cycle"); cycle != tc.wantCycle {
				t.Errorf("dependency cycle: %v, want %v (%.300s)", cycle, tc.wantCycle, msg)
			}
		})
	}
}

// TestTollgateFunctionSettings checks each function's memory, timeout and
// log format (the reasons are on the constants), with and without password
// sign-in.
func TestTollgateFunctionSettings(t *testing.T) {
	for _, password := range []bool{false, true} {
		t.Run(fmt.Sprintf("password sign-in %v", password), func(t *testing.T) {
			ts := NewTollgate(newApp(), "Tollgate", &TollgateProps{PasswordSignIn: password})
			tpl := assertions.Template_FromStack(ts.Stack, nil)
			fns := resources(tpl, "AWS::Lambda::Function")
			hashing := float64(TokenMemoryMB)
			if password {
				hashing = PasswordSignInMemoryMB
			}
			for _, tc := range []struct {
				fn            *Function
				memory        float64
				timeout       time.Duration
				passwordCheck bool
			}{
				{ts.Authorizer, AuthorizerMemoryMB, AuthorizerTimeout, false},
				{ts.IssueKeys, hashing, IssueKeysTimeout, true},
				{ts.Token, hashing, TokenTimeout, true},
				{ts.Sweeper, SweeperMemoryMB, SweeperTimeout, false},
			} {
				p := props(fns[logicalID(ts.Stack, tc.fn.Function)])
				name := *tc.fn.Node().Id()
				if p["MemorySize"] != tc.memory || p["Timeout"] != tc.timeout.Seconds() {
					t.Errorf("%s: %v MB, %v s; want %v MB, %v s", name, p["MemorySize"], p["Timeout"], tc.memory, tc.timeout.Seconds())
				}
				if format := jsonString(p["LoggingConfig"]); !strings.Contains(format, `"LogFormat":"JSON"`) {
					t.Errorf("%s: LoggingConfig %s, want JSON", name, format)
				}
				env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
				want := any(nil)
				if password && tc.passwordCheck {
					want = "true"
				}
				if env[config.EnvPasswordSignIn] != want {
					t.Errorf("%s: %s = %v, want %v", name, config.EnvPasswordSignIn, env[config.EnvPasswordSignIn], want)
				}
			}
			if password && PasswordSignInMemoryMB < 512 {
				t.Errorf("PasswordSignInMemoryMB %d: Argon2id (64 MiB) needs at least 512 MB", PasswordSignInMemoryMB)
			}
		})
	}
}

// TestTollgateAuthorizerCache: API Gateway's cache TTL reaches every
// function as TOLLGATE_AUTHORIZER_CACHE_TTL, and may not exceed the
// revocation bound.
func TestTollgateAuthorizerCache(t *testing.T) {
	header := []string{"method.request.header.Authorization"}
	ts, tpl := checkedTollgate(t, &TollgateProps{
		RevocationBound: time.Minute,
		API:             APIProps{AuthorizerCacheTTL: 20 * time.Second, AuthorizerIdentitySources: header},
	})
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), map[string]any{
			"AuthorizerResultTtlInSeconds": 20, "IdentitySource": header[0],
		})
	})
	// The sweeper too: it does not use them, but config.Parse checks them.
	for _, fn := range []*Function{ts.Authorizer, ts.IssueKeys, ts.Certificates, ts.Token, ts.Sweeper} {
		env := props(resources(tpl, "AWS::Lambda::Function")[logicalID(ts.Stack, fn.Function)])["Environment"].(map[string]any)["Variables"].(map[string]any)
		if env[config.EnvAuthorizerCacheTTL] != "20s" || env[config.EnvRevocationBound] != "1m0s" {
			t.Errorf("%s: %s=%v %s=%v, want 20s and 1m0s", *fn.Node().Id(),
				config.EnvAuthorizerCacheTTL, env[config.EnvAuthorizerCacheTTL], config.EnvRevocationBound, env[config.EnvRevocationBound])
		}
		// What the function computes from them: 40s in process + 20s in
		// API Gateway = the bound.
		cfg, err := config.Parse(func(k string) string {
			if k == config.EnvTable {
				return "table" // a Ref in the template
			}
			v, _ := env[k].(string)
			return v
		})
		if err != nil || cfg.CacheTTL()+cfg.GatewayCacheTTL != time.Minute {
			t.Errorf("%s: config %v: in-process %s + API Gateway %s, want the 1m bound", *fn.Node().Id(), err, cfg.CacheTTL(), cfg.GatewayCacheTTL)
		}
	}

	for _, tc := range []struct {
		name  string
		props TollgateProps
	}{
		{"TTL above the default bound", TollgateProps{API: APIProps{AuthorizerCacheTTL: 31 * time.Second, AuthorizerIdentitySources: header}}},
		{"TTL above the bound", TollgateProps{RevocationBound: 10 * time.Second, API: APIProps{AuthorizerCacheTTL: 20 * time.Second, AuthorizerIdentitySources: header}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, ok := panics(func() { NewTollgate(newApp(), "Tollgate", &tc.props) })
			if !ok || !strings.Contains(msg, "must not exceed the revocation bound") {
				t.Errorf("NewTollgate: panic %v %q", ok, msg)
			}
		})
	}
}

// TestTollgateLifetimes: the longest lifetimes and the audit retention
// reach the functions as config reads them; unset, they are left out
// (config's defaults apply).
func TestTollgateLifetimes(t *testing.T) {
	ts, tpl := checkedTollgate(t, &TollgateProps{MaxKeyLifetime: 30 * 24 * time.Hour, MaxRefreshLifetime: 7 * 24 * time.Hour,
		AuditRetention: 800 * 24 * time.Hour})
	env := props(resources(tpl, "AWS::Lambda::Function")[logicalID(ts.Stack, ts.IssueKeys.Function)])["Environment"].(map[string]any)["Variables"].(map[string]any)
	cfg, err := config.Parse(func(k string) string {
		if k == config.EnvTable {
			return "table" // a Ref in the template
		}
		v, _ := env[k].(string)
		return v
	})
	if _, set := env[config.EnvMaxJWTLifetime]; set || err != nil || cfg.MaxKeyLifetime != 30*24*time.Hour ||
		cfg.MaxRefreshLifetime != 7*24*time.Hour || cfg.MaxJWTLifetime != config.DefaultMaxJWTLifetime ||
		cfg.AuditRetention != 800*24*time.Hour {
		t.Errorf("issuekeys environment %v: config %+v, %v", env, cfg, err)
	}
	msg, ok := panics(func() { NewTollgate(newApp(), "Tollgate", &TollgateProps{MaxJWTLifetime: -time.Hour}) })
	if !ok || !strings.Contains(msg, config.EnvMaxJWTLifetime) {
		t.Errorf("NewTollgate with a negative lifetime: panic %v %q", ok, msg)
	}
}

// TestTollgateAlarmsAndOutputs: every alarm notifies the given topic, or
// without one a topic of the stack's own; either way its ARN is the output
// AlarmTopicArn.
func TestTollgateAlarmsAndOutputs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props *TollgateProps
	}{
		{"topic given", &TollgateProps{AlarmTopicArn: testTopicArn}},
		{"no topic given", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, tpl := checkedTollgate(t, tc.props)
			topic, topics := any(testTopicArn), 0
			if tc.props == nil {
				topic, topics = map[string]any{"Ref": logicalID(ts.Stack, ts.Alarms.Topic)}, 1
			}
			check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(topics)) })
			check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(2+topics)) })
			alarms := resources(tpl, "AWS::CloudWatch::Alarm")
			if len(alarms) != 6 {
				t.Errorf("%d alarms, want 6 (the sweeper's and metering failures' included)", len(alarms))
			}
			for id, a := range alarms {
				for _, actions := range []string{"AlarmActions", "OKActions"} {
					if got := jsonString(props(a)[actions]); got != jsonString([]any{topic}) {
						t.Errorf("alarm %s: %s %s, want %s", id, actions, got, jsonString([]any{topic}))
					}
				}
			}
			outputs := *tpl.FindOutputs(jsii.String("*"), nil)
			if out, ok := outputs["AlarmTopicArn"]; !ok || jsonString((*out)["Value"]) != jsonString(topic) {
				t.Errorf("AlarmTopicArn output %v, want %s", out, jsonString(topic))
			}
			for _, logs := range []awslogs.ILogGroup{ts.Token.LogGroup, ts.Authorizer.LogGroup} {
				check(t, func() {
					tpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
						"LogGroupName": map[string]any{"Ref": logicalID(ts.Stack, logs)},
					})
				})
			}
			want := jsonString(map[string]any{"Fn::GetAtt": []any{logicalID(ts.Stack, ts.Authorizer.Function), "Arn"}})
			if out, ok := outputs["AuthorizerFunctionArn"]; !ok || jsonString((*out)["Value"]) != want {
				t.Errorf("AuthorizerFunctionArn output %v, want %s", out, want)
			}
			checkCreateGrant(t, tpl)
		})
	}
}

// TestTollgateSecretScanning: the deployment's secret prefix reaches the
// functions that mint secrets, GitHub's key set (compacted) and the leak
// action reach issuekeys only, as package scanning reads them; a bad key
// set, action or prefix fails the synth.
func TestTollgateSecretScanning(t *testing.T) {
	gh := scanningtest.New(t, 2)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(gh.KeySet(t)), "", "  "); err != nil {
		t.Fatal(err)
	}
	ts, tpl := checkedTollgate(t, &TollgateProps{SecretPrefix: "acme_", SecretScanningKeys: pretty.String(), LeakAction: "revoke"})
	envOf := func(fn *Function) map[string]any {
		return props(resources(tpl, "AWS::Lambda::Function")[logicalID(ts.Stack, fn.Function)])["Environment"].(map[string]any)["Variables"].(map[string]any)
	}
	env := envOf(ts.IssueKeys)
	cfg, err := config.Parse(func(k string) string {
		if k == config.EnvTable {
			return "table" // a Ref in the template
		}
		v, _ := env[k].(string)
		return v
	})
	if err != nil || cfg.SecretPrefix != "acme_" || cfg.ScanningKeys != gh.KeySet(t) {
		t.Fatalf("issuekeys environment %v: config %+v, %v", env, cfg, err)
	}
	opt, err := scanning.Configured(cfg, nil, nil)
	if err != nil || len(opt.Keys) != 2 || opt.Action != scanning.Revoke {
		t.Errorf("scanning.Configured: %d keys, action %q, %v", len(opt.Keys), opt.Action, err)
	}
	for _, fn := range []*Function{ts.Authorizer, ts.Token, ts.Certificates, ts.Sweeper} {
		e := envOf(fn)
		if _, ok := e[config.EnvScanningKeys]; ok {
			t.Errorf("%s has the key set", *fn.Node().Id())
		}
		if _, ok := e[config.EnvLeakAction]; ok {
			t.Errorf("%s has the leak action", *fn.Node().Id())
		}
	}
	if envOf(ts.Token)[config.EnvSecretPrefix] != "acme_" {
		t.Errorf("token: %s = %v", config.EnvSecretPrefix, envOf(ts.Token)[config.EnvSecretPrefix])
	}

	for _, tc := range []struct {
		name  string
		props TollgateProps
		want  string
	}{
		{"key set not GitHub's", TollgateProps{SecretScanningKeys: `{"public_keys":[{"key_identifier":"a","key":"x"}]}`}, "secret scanning key set"},
		{"unknown action", TollgateProps{LeakAction: "delete"}, config.EnvLeakAction},
		{"bad prefix", TollgateProps{SecretPrefix: "Acme"}, config.EnvSecretPrefix},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, ok := panics(func() { NewTollgate(newApp(), "Tollgate", &tc.props) })
			if !ok || !strings.Contains(msg, tc.want) {
				t.Errorf("NewTollgate: panic %v %q, want one naming %s", ok, msg, tc.want)
			}
		})
	}
}
