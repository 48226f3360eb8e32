package stack

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/sweep"
)

// defaultBusArn is the account's default event bus in the stack's region.
var defaultBusArn = busArn("default")

func busArn(name string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":events:", map[string]any{"Ref": "AWS::Region"}, ":",
		map[string]any{"Ref": "AWS::AccountId"}, ":event-bus/" + name,
	}}}
}

// TestSweeper checks the expiry sweeper with the default settings: the
// function, its exact permissions and its schedule.
func TestSweeper(t *testing.T) {
	f := newSweeperFixture()
	t.Run("function: arm64 provided.al2023, 256 MB, 2 min, one at a time, the sweep settings", f.checkFunction)
	t.Run("the sweep defaults are config's", f.checkDefaults)
	t.Run("IAM: exactly its table actions, Query on the expiry index and the event partitions only, PutEvents on the default bus only, no KMS", f.checkIAM)
	t.Run("environment: no issuer, keys or event bus (the default bus)", f.checkNoTokenEnvironment)
	t.Run("schedule: every hour, two retries, events at most an hour old", f.checkSchedule)
	t.Run("forward schedule: every minute with the forward input, two retries, events at most a minute old", f.checkForwardSchedule)
}

// sweeperFixture is a Sweeper with the default settings in a stack of its
// own, with its template.
type sweeperFixture struct {
	s     awscdk.Stack
	table *Table
	sw    *Sweeper
	tpl   assertions.Template
	fnID  string         // the function's logical ID
	fnArn map[string]any // the function's ARN in the template
}

// newSweeperFixture declares the sweeper and its table in a new stack.
func newSweeperFixture() *sweeperFixture {
	s := newStack()
	table := NewTable(s, "Table", nil)
	sw := NewSweeper(s, "Sweeper", &SweeperProps{Table: table})
	fnID := logicalID(s, sw.Function.Function)
	return &sweeperFixture{
		s: s, table: table, sw: sw, tpl: assertions.Template_FromStack(s, nil),
		fnID: fnID, fnArn: map[string]any{"Fn::GetAtt": []any{fnID, "Arn"}},
	}
}

// env returns the function's environment variables in the template.
func (f *sweeperFixture) env() map[string]any {
	return props(resources(f.tpl, "AWS::Lambda::Function")[f.fnID])["Environment"].(map[string]any)["Variables"].(map[string]any)
}

func (f *sweeperFixture) checkFunction(t *testing.T) {
	env := map[string]any{
		config.EnvTable:              map[string]any{"Ref": logicalID(f.s, f.table.Table)},
		config.EnvProjectID:          config.DefaultProjectID,
		config.EnvAuthorizerCacheTTL: "0s",
		config.EnvSweepNotice:        "168h0m0s",
		config.EnvSweepRetention:     "720h0m0s",
		config.EnvSweepMaxItems:      "1000",
		config.EnvDynamoDBEndpoint:   "",
		config.EnvKMSEndpoint:        "",
	}
	check(t, func() {
		f.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Description":                  "Tollgate " + FnSweeper,
			"Runtime":                      "provided.al2023",
			"Architectures":                []any{"arm64"},
			"Handler":                      "bootstrap",
			"MemorySize":                   256,
			"Timeout":                      120,
			"ReservedConcurrentExecutions": 1,
			"Environment":                  map[string]any{"Variables": assertions.Match_ObjectEquals(&env)},
		})
	})
}

func (f *sweeperFixture) checkDefaults(t *testing.T) {
	env := f.env()
	getenv := func(only bool) func(string) string {
		return func(k string) string {
			if k == config.EnvTable {
				return "table"
			}
			if v, _ := env[k].(string); only {
				return v
			}
			return ""
		}
	}
	deployed, err1 := config.Parse(getenv(true))
	defaults, err2 := config.Parse(getenv(false))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !reflect.DeepEqual(deployed, defaults) {
		t.Errorf("the sweeper's configuration\n%+v\nconfig's defaults\n%+v", deployed, defaults)
	}
}

func (f *sweeperFixture) checkIAM(t *testing.T) {
	role := f.sw.Function.Function.Role()
	got := policyGrants(f.tpl, logicalID(f.s, role), "")
	tableArn := map[string]any{"Fn::GetAtt": []any{logicalID(f.s, f.table.Table), "Arn"}}
	logs := map[string]any{"Fn::GetAtt": []any{logicalID(f.s, f.sw.Function.LogGroup), "Arn"}}
	want := map[string][]any{
		"logs:CreateLogStream": {logs},
		"logs:PutLogEvents":    {logs},
		"dynamodb:GetItem":     {tableArn},
		"dynamodb:PutItem":     {tableArn},
		"dynamodb:UpdateItem":  {tableArn},
		"dynamodb:Query":       {tableArn, map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/" + dynamo.IndexExpiry}}}},
		"events:PutEvents":     {defaultBusArn},
	}
	if jsonString(got) != jsonString(want) {
		t.Errorf("grants\n got %s\nwant %s", jsonString(got), jsonString(want))
	}
	for action := range got {
		if strings.HasPrefix(action, "kms:") {
			t.Errorf("the sweeper may call %s", action)
		}
	}
	check(t, func() {
		f.tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{map[string]any{"Ref": logicalID(f.s, role)}},
			"PolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "dynamodb:Query", "Effect": "Allow", "Resource": tableArn,
				"Condition": map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{"P#*#EVENTS#*"}}},
			}})}),
		})
	})
	policy := resources(f.tpl, "AWS::IAM::Policy")[logicalID(f.s, role.Node().FindChild(jsii.String("DefaultPolicy")))]
	if policy == nil {
		t.Fatal("no default policy on the sweeper's role")
	}
	if sups := nagSuppressions(policy); len(sups) != 0 {
		t.Errorf("suppressions on the sweeper's policy, which has no wildcard: %v", sups)
	}
}

func (f *sweeperFixture) checkNoTokenEnvironment(t *testing.T) {
	env := f.env()
	for _, k := range []string{config.EnvIssuer, config.EnvAudience, config.EnvSigningKeys, config.EnvSealKey, config.EnvEventBus} {
		if v, ok := env[k]; ok {
			t.Errorf("%s = %s", k, jsonString(v))
		}
	}
}

func (f *sweeperFixture) checkSchedule(t *testing.T) {
	rules := resources(f.tpl, "AWS::Events::Rule")
	if len(rules) != 2 {
		t.Fatalf("%d rules, want 2 (sweep and forward)", len(rules))
	}
	want := map[string]any{
		"ScheduleExpression": "rate(1 hour)",
		"State":              "ENABLED",
		"Targets": []any{map[string]any{
			"Arn": f.fnArn, "Id": "Target0",
			"RetryPolicy": map[string]any{"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 2},
		}},
	}
	p := props(rules[logicalID(f.s, f.sw.Rule)])
	for k, v := range want {
		if jsonString(p[k]) != jsonString(v) {
			t.Errorf("%s = %s, want %s", k, jsonString(p[k]), jsonString(v))
		}
	}
	check(t, func() {
		f.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action": "lambda:InvokeFunction", "FunctionName": f.fnArn, "Principal": "events.amazonaws.com",
			"SourceArn": map[string]any{"Fn::GetAtt": []any{logicalID(f.s, f.sw.Rule), "Arn"}},
		})
	})
	check(t, func() {
		f.tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
			"FunctionName": map[string]any{"Ref": f.fnID}, "Qualifier": "$LATEST",
			"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600,
		})
	})
}

func (f *sweeperFixture) checkForwardSchedule(t *testing.T) {
	want := map[string]any{
		"ScheduleExpression": "rate(1 minute)",
		"State":              "ENABLED",
		"Targets": []any{map[string]any{
			"Arn": f.fnArn, "Id": "Target0", "Input": `{"action":"forward"}`,
			"RetryPolicy": map[string]any{"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 2},
		}},
	}
	p := props(resources(f.tpl, "AWS::Events::Rule")[logicalID(f.s, f.sw.ForwardRule)])
	for k, v := range want {
		if jsonString(p[k]) != jsonString(v) {
			t.Errorf("%s = %s, want %s", k, jsonString(p[k]), jsonString(v))
		}
	}
	var in sweep.Trigger
	if s, _ := p["Targets"].([]any)[0].(map[string]any)["Input"].(string); json.Unmarshal([]byte(s), &in) != nil || in.Action != sweep.ActionForward {
		t.Errorf("the forward rule's input %q is not the sweeper's forward action", s)
	}
	check(t, func() {
		f.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action": "lambda:InvokeFunction", "FunctionName": f.fnArn, "Principal": "events.amazonaws.com",
			"SourceArn": map[string]any{"Fn::GetAtt": []any{logicalID(f.s, f.sw.ForwardRule), "Arn"}},
		})
	})
}

// TestTollgateSweeper checks the expiry sweeper in the stack with the
// default settings: the only reserved concurrency and its alarm, with the
// AwsSolutions checks clean.
func TestTollgateSweeper(t *testing.T) {
	ts, tpl := checkedTollgate(t, nil)
	fnID := logicalID(ts.Stack, ts.Sweeper.Function)

	t.Run("no other function reserves concurrency (the authorizer's throttle alarm assumes so)", func(t *testing.T) {
		for id, fn := range resources(tpl, "AWS::Lambda::Function") {
			if r, ok := props(fn)["ReservedConcurrentExecutions"]; ok && id != fnID {
				t.Errorf("%s reserves %v", id, r)
			}
		}
	})

	t.Run("alarm: errors in two consecutive hours", func(t *testing.T) {
		p := props(resources(tpl, "AWS::CloudWatch::Alarm")[logicalID(ts.Stack, ts.Alarms.SweeperErrors)])
		want := map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 3600,
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": fnID}}},
			"Threshold":  1, "EvaluationPeriods": 2, "DatapointsToAlarm": 2,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
		}
		for k, v := range want {
			if jsonString(p[k]) != jsonString(v) {
				t.Errorf("%s = %s, want %s", k, jsonString(p[k]), jsonString(v))
			}
		}
		// Without a topic given, the stack's own.
		topic := jsonString([]any{map[string]any{"Ref": logicalID(ts.Stack, ts.Alarms.Topic)}})
		if got := jsonString(p["AlarmActions"]); got != topic {
			t.Errorf("AlarmActions %s, want %s", got, topic)
		}
	})
}

// TestTollgateSweeperSettings: the sweep props reach the function, the
// schedule and the grant.
func TestTollgateSweeperSettings(t *testing.T) {
	const busARN = "arn:aws:events:us-east-1:210987654321:event-bus/central"
	for _, tc := range []struct {
		name        string
		props       TollgateProps
		rate        string
		age         int
		timeout     int
		env         map[string]any
		putEventsOn any
	}{
		{
			name: "every 15 minutes, a named bus, more items",
			props: TollgateProps{SweepSchedule: 15 * time.Minute, SweepNotice: 48 * time.Hour, SweepRetention: 24 * time.Hour,
				SweepMaxItems: 5000, EventBus: "tollgate-events", AlarmTopicArn: testTopicArn},
			rate: "rate(15 minutes)", age: 900, timeout: 600,
			env: map[string]any{config.EnvSweepNotice: "48h0m0s", config.EnvSweepRetention: "24h0m0s",
				config.EnvSweepMaxItems: "5000", config.EnvEventBus: "tollgate-events"},
			putEventsOn: busArn("tollgate-events"),
		},
		{
			name:  "every minute, a bus ARN in another account",
			props: TollgateProps{SweepSchedule: time.Minute, EventBus: busARN},
			rate:  "rate(1 minute)", age: 60, timeout: 120,
			env: map[string]any{config.EnvSweepNotice: "168h0m0s", config.EnvSweepRetention: "720h0m0s",
				config.EnvSweepMaxItems: "1000", config.EnvEventBus: busARN},
			putEventsOn: busARN,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, tpl := checkedTollgate(t, &tc.props)
			p := props(resources(tpl, "AWS::Lambda::Function")[logicalID(ts.Stack, ts.Sweeper.Function)])
			if jsonString(p["Timeout"]) != jsonString(tc.timeout) {
				t.Errorf("Timeout %v, want %d", p["Timeout"], tc.timeout)
			}
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			for k, v := range tc.env {
				if jsonString(env[k]) != jsonString(v) {
					t.Errorf("%s = %s, want %s", k, jsonString(env[k]), jsonString(v))
				}
			}
			rule := props(resources(tpl, "AWS::Events::Rule")[logicalID(ts.Stack, ts.SweepRule)])
			if rule["ScheduleExpression"] != tc.rate {
				t.Errorf("ScheduleExpression %v, want %s", rule["ScheduleExpression"], tc.rate)
			}
			if got := jsonString(rule["Targets"]); !strings.Contains(got, fmt.Sprintf(`"MaximumEventAgeInSeconds":%d`, tc.age)) {
				t.Errorf("Targets %s, want a maximum event age of %d s", got, tc.age)
			}
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{"MaximumEventAgeInSeconds": tc.age})
			})
			got := policyGrants(tpl, logicalID(ts.Stack, ts.Sweeper.Function.Role()), "events:")
			if want := map[string][]any{"events:PutEvents": {tc.putEventsOn}}; jsonString(got) != jsonString(want) {
				t.Errorf("EventBridge grants\n got %s\nwant %s", jsonString(got), jsonString(want))
			}
			if tc.props.AlarmTopicArn != "" {
				a := props(resources(tpl, "AWS::CloudWatch::Alarm")[logicalID(ts.Stack, ts.Alarms.SweeperErrors)])
				for _, k := range []string{"AlarmActions", "OKActions"} {
					if jsonString(a[k]) != jsonString([]any{testTopicArn}) {
						t.Errorf("sweeper alarm %s = %s", k, jsonString(a[k]))
					}
				}
			}
		})
	}
}

func TestTollgateSweeperSettingsRefused(t *testing.T) {
	for name, tc := range map[string]TollgateProps{
		"schedule 30s":        {SweepSchedule: 30 * time.Second},
		"schedule 90s":        {SweepSchedule: 90 * time.Second},
		"schedule 61m":        {SweepSchedule: 61 * time.Minute},
		"schedule 24h":        {SweepSchedule: 24 * time.Hour},
		"negative schedule":   {SweepSchedule: -time.Hour},
		"negative notice":     {SweepNotice: -time.Hour},
		"negative retention":  {SweepRetention: -time.Hour},
		"negative item bound": {SweepMaxItems: -1},
	} {
		t.Run(name, func(t *testing.T) {
			msg, ok := panics(func() { NewTollgate(newApp(), "Tollgate", &tc) })
			if !ok || !strings.Contains(msg, "Sweep") {
				t.Errorf("NewTollgate: panic %v %q", ok, msg)
			}
		})
	}
}

func TestSweeperTimeout(t *testing.T) {
	for _, tc := range []struct {
		items int
		want  time.Duration
	}{
		{1, SweeperTimeout}, {1000, SweeperTimeout}, {1001, 121 * time.Second}, {2000, 4 * time.Minute},
		{5000, 10 * time.Minute}, {7500, 15 * time.Minute}, {100_000, 15 * time.Minute}, {1 << 62, 15 * time.Minute},
	} {
		if got := sweeperTimeout(tc.items); got != tc.want {
			t.Errorf("sweeperTimeout(%d) = %s, want %s", tc.items, got, tc.want)
		}
	}
}
