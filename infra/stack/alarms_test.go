package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

const testTopicArn = "arn:aws:sns:us-east-1:123456789012:tollgate-alarms"

func TestAlarms(t *testing.T) {
	for _, withTopic := range []bool{false, true} {
		t.Run("topic given "+strconv.FormatBool(withTopic), func(t *testing.T) {
			f := newAlarmsFixture(withTopic)
			check(t, func() { f.tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(6)) })
			// Every alarm notifies the given topic, or the one NewAlarms declared.
			topic := any(testTopicArn)
			if !withTopic {
				topic = map[string]any{"Ref": logicalID(f.s, f.alarms.Topic)}
			}
			alarms := resources(f.tpl, "AWS::CloudWatch::Alarm")
			for _, tc := range f.cases() {
				t.Run(tc.name, func(t *testing.T) {
					checkAlarm(t, props(alarms[logicalID(f.s, tc.alarm)]), tc, topic)
				})
			}
			if withTopic {
				t.Run("no topic, topic policy or key declared", func(t *testing.T) {
					for _, typ := range []string{"AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::KMS::Key"} {
						check(t, func() { f.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
					}
					if f.alarms.TopicKey != nil || *f.alarms.Topic.TopicArn() != testTopicArn {
						t.Errorf("Topic %s, TopicKey %v: want the given topic, no key", *f.alarms.Topic.TopicArn(), f.alarms.TopicKey)
					}
				})
			} else {
				t.Run("own topic", f.checkOwnTopic)
			}
			checkCreateGrant(t, f.tpl)
			check(t, func() { f.tpl.ResourceCountIs(jsii.String("AWS::Logs::MetricFilter"), jsii.Number(2)) })
			for _, mf := range []struct {
				message, metric string
				logs            awslogs.LogGroup
			}{
				{RefreshTokenReuseMessage, "RefreshTokenReuse", f.logs},
				{MeteringFailedMessage, "MeteringFailures", f.authorizerLogs},
			} {
				check(t, func() {
					f.tpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
						"FilterPattern": `{ $.msg = "` + mf.message + `" }`,
						"LogGroupName":  map[string]any{"Ref": logicalID(f.s, mf.logs)},
						"MetricTransformations": []any{map[string]any{
							"MetricNamespace": "Tollgate/Test", "MetricName": mf.metric, "MetricValue": "1",
						}},
					})
				})
			}
		})
	}
}

// alarmsFixture is an Alarms construct over a mock API, token and
// authorizer log groups, and imported authorizer and sweeper functions, in
// a stack of its own.
type alarmsFixture struct {
	s              awscdk.Stack
	api            awsapigateway.RestApi
	logs           awslogs.LogGroup // the token function's
	authorizerLogs awslogs.LogGroup
	alarms         *Alarms
	tpl            assertions.Template
}

// checkOwnTopic checks the topic NewAlarms declares without one given:
// encrypted with a key of its own, which CloudWatch alarms of the account
// and region may use, as they may publish, only over TLS.
func (f *alarmsFixture) checkOwnTopic(t *testing.T) {
	a := f.alarms
	if a.TopicKey == nil {
		t.Fatal("no TopicKey")
	}
	key, topic := logicalID(f.s, a.TopicKey), logicalID(f.s, a.Topic)
	for _, typ := range []string{"AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::KMS::Key"} {
		check(t, func() { f.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(1)) })
	}
	check(t, func() {
		f.tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]any{
			"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{key, "Arn"}},
			"TopicName":      assertions.Match_Absent(),
		})
	})
	k := resources(f.tpl, "AWS::KMS::Key")[key]
	if p := props(k); p["EnableKeyRotation"] != true || p["KeySpec"] != nil {
		t.Errorf("topic key: EnableKeyRotation %v, KeySpec %v; want a rotated symmetric key", p["EnableKeyRotation"], p["KeySpec"])
	}
	if k["DeletionPolicy"] != "Delete" {
		t.Errorf("topic key: DeletionPolicy %v, want Delete (nothing stays encrypted under it)", k["DeletionPolicy"])
	}
	alarmArn := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":cloudwatch:", map[string]any{"Ref": "AWS::Region"}, ":",
		map[string]any{"Ref": "AWS::AccountId"}, ":alarm:*",
	}}}
	fromAlarms := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
		"ArnLike":      map[string]any{"aws:SourceArn": alarmArn},
	}
	cloudwatch := map[string]any{"Service": "cloudwatch.amazonaws.com"}
	for _, tc := range []struct {
		name, typ, document string
		statement           map[string]any
	}{
		{"CloudWatch alarms of this account and region may use the key", "AWS::KMS::Key", "KeyPolicy", map[string]any{
			"Effect": "Allow", "Principal": cloudwatch, "Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"},
			"Resource": "*", "Condition": fromAlarms,
		}},
		{"CloudWatch alarms of this account and region may publish", "AWS::SNS::TopicPolicy", "PolicyDocument", map[string]any{
			"Effect": "Allow", "Principal": cloudwatch, "Action": "sns:Publish",
			"Resource": map[string]any{"Ref": topic}, "Condition": fromAlarms,
		}},
		{"publishing without TLS is refused", "AWS::SNS::TopicPolicy", "PolicyDocument", map[string]any{
			"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": map[string]any{"Ref": topic},
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, func() {
				f.tpl.HasResourceProperties(jsii.String(tc.typ), map[string]any{
					tc.document: assertions.Match_ObjectLike(&map[string]any{
						"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&tc.statement)}),
					}),
				})
			})
		})
	}
}

// newAlarmsFixture declares the alarms, notifying testTopicArn if withTopic.
func newAlarmsFixture(withTopic bool) *alarmsFixture {
	s := newStack()
	api := awsapigateway.NewRestApi(s, jsii.String("Api"), &awsapigateway.RestApiProps{RestApiName: jsii.String("Test-Api")})
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
	logs := awslogs.NewLogGroup(s, jsii.String("TokenLogs"), nil)
	authorizerLogs := awslogs.NewLogGroup(s, jsii.String("AuthorizerLogs"), nil)
	ap := &AlarmsProps{Authorizer: importedFunction(s, "authorizer"), TokenLogs: logs, AuthorizerLogs: authorizerLogs,
		Stage: api.DeploymentStage(), Sweeper: importedFunction(s, "sweeper")}
	if withTopic {
		ap.Topic = awssns.Topic_FromTopicArn(s, jsii.String("Topic"), jsii.String(testTopicArn))
	}
	a := NewAlarms(s, "Alarms", ap)
	return &alarmsFixture{s: s, api: api, logs: logs, authorizerLogs: authorizerLogs, alarms: a, tpl: assertions.Template_FromStack(s, nil)}
}

// alarmCase is one alarm's properties beyond those every alarm has, and
// any further check of them.
type alarmCase struct {
	name   string
	alarm  awscloudwatch.Alarm
	props  map[string]any
	assert func(t *testing.T, p map[string]any)
}

// authorizerDimensions are the dimensions of the authorizer's metrics.
var authorizerDimensions = []any{map[string]any{"Name": "FunctionName", "Value": "authorizer"}}

func (f *alarmsFixture) cases() []alarmCase {
	a := f.alarms
	return []alarmCase{
		{"authorizer error rate", a.AuthorizerErrors, map[string]any{
			"Threshold": 50, "EvaluationPeriods": 3, "DatapointsToAlarm": 3,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold",
		}, checkAuthorizerErrorRate},
		{"authorizer throttles", a.AuthorizerThrottles, map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "Throttles", "Dimensions": authorizerDimensions, "Statistic": "Sum", "Period": 300,
			"Threshold": 1, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		}, nil},
		{"API 5XX", a.API5XX, map[string]any{
			"Namespace": "AWS/ApiGateway", "MetricName": "5XXError", "Statistic": "Sum", "Period": 300,
			"Dimensions": []any{
				map[string]any{"Name": "ApiName", "Value": "Test-Api"},
				map[string]any{"Name": "Stage", "Value": map[string]any{"Ref": logicalID(f.s, f.api.DeploymentStage())}},
			},
			"Threshold": 5, "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		}, nil},
		{"refresh token reuse", a.RefreshTokenReuse, map[string]any{
			"Namespace": "Tollgate/Test", "MetricName": "RefreshTokenReuse", "Statistic": "Sum", "Period": 300,
			"Threshold": 1, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		}, nil},
		{"metering failures: any in 5 minutes", a.MeteringFailures, map[string]any{
			"Namespace": "Tollgate/Test", "MetricName": "MeteringFailures", "Statistic": "Sum", "Period": 300,
			"Threshold": 1, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		}, nil},
		{"sweeper errors: one or more in each of two consecutive hours", a.SweeperErrors, map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 3600,
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": "sweeper"}},
			"Threshold":  1, "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		}, nil},
	}
}

// checkAuthorizerErrorRate checks the error rate alarm's metric math.
func checkAuthorizerErrorRate(t *testing.T, p map[string]any) {
	metrics := jsonString(p["Metrics"])
	for _, want := range []string{
		`"Expression":"IF(invocations \u003e= 20, 100 * errors / invocations, 0)"`,
		`"Id":"errors","MetricStat":{"Metric":{"Dimensions":` + jsonString(authorizerDimensions) + `,"MetricName":"Errors","Namespace":"AWS/Lambda"},"Period":300,"Stat":"Sum"}`,
		`"Id":"invocations","MetricStat":{"Metric":{"Dimensions":` + jsonString(authorizerDimensions) + `,"MetricName":"Invocations","Namespace":"AWS/Lambda"},"Period":300,"Stat":"Sum"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics %s\nlack %s", metrics, want)
		}
	}
}

// checkAlarm checks an alarm's properties p against tc, what every alarm
// has (missing data not breaching, a description, topic as its alarm and
// OK action).
func checkAlarm(t *testing.T, p map[string]any, tc alarmCase, topic any) {
	want := map[string]any{"TreatMissingData": "notBreaching"}
	for k, v := range tc.props {
		want[k] = v
	}
	for k, v := range want {
		if jsonString(p[k]) != jsonString(v) {
			t.Errorf("%s = %s, want %s", k, jsonString(p[k]), jsonString(v))
		}
	}
	if d, _ := p["AlarmDescription"].(string); len(d) < 40 {
		t.Errorf("AlarmDescription %q says too little", d)
	}
	for _, actions := range []string{"AlarmActions", "OKActions"} {
		if want := []any{topic}; jsonString(p[actions]) != jsonString(want) {
			t.Errorf("%s = %s, want %s", actions, jsonString(p[actions]), jsonString(want))
		}
	}
	if tc.assert != nil {
		tc.assert(t, p)
	}
}

// TestLogAlarmMessages ties each metric filter to the log line it counts:
// the message is in the function's package, logged through slog's JSON
// handler as the functions do, so "$.msg" is the field to match.
func TestLogAlarmMessages(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, message, source string
		level                 slog.Level
	}{
		{"refresh token reuse", RefreshTokenReuseMessage, "shared/oauth/refresh.go", slog.LevelWarn},
		{"metering failed (authorizer.MeteringFailed)", MeteringFailedMessage, "shared/authorizer/metering.go", slog.LevelError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(tc.source)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(src, []byte(strconv.Quote(tc.message))) {
				t.Errorf("%s no longer logs %q: update the constant", tc.source, tc.message)
			}
			var line bytes.Buffer
			slog.New(slog.NewJSONHandler(&line, nil)).Log(context.Background(), tc.level, tc.message, "credentialId", "key_x")
			var entry map[string]any
			if err := json.Unmarshal(line.Bytes(), &entry); err != nil || entry["msg"] != tc.message {
				t.Errorf("slog JSON line %s: msg %v (%v)", line.String(), entry["msg"], err)
			}
		})
	}
}

func TestAlarmsWithoutSweeper(t *testing.T) {
	s := newStack()
	api := awsapigateway.NewRestApi(s, jsii.String("Api"), nil)
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
	a := NewAlarms(s, "Alarms", &AlarmsProps{
		Authorizer: importedFunction(s, "authorizer"), TokenLogs: awslogs.NewLogGroup(s, jsii.String("TokenLogs"), nil),
		AuthorizerLogs: awslogs.NewLogGroup(s, jsii.String("AuthorizerLogs"), nil), Stage: api.DeploymentStage(),
	})
	if a.SweeperErrors != nil {
		t.Error("SweeperErrors without a Sweeper")
	}
	tpl := assertions.Template_FromStack(s, nil)
	check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(5)) })
}

func TestAlarmsRequireTheirMetrics(t *testing.T) {
	s := newStack()
	msg, ok := panics(func() { NewAlarms(s, "Alarms", &AlarmsProps{Authorizer: importedFunction(s, "authorizer")}) })
	if !ok || !strings.Contains(msg, "required") {
		t.Errorf("NewAlarms without TokenLogs, AuthorizerLogs and Stage: panic %v %q", ok, msg)
	}
}
