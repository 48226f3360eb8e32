package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// RefreshTokenReuseMessage is the "msg" the token function logs (slog JSON,
// shared/oauth) when a spent refresh token comes back and its family is
// revoked.
const RefreshTokenReuseMessage = "oauth: refresh token reuse detected; family revoked"

// MeteringFailedMessage is the "msg" the authorizer logs (slog JSON,
// shared/authorizer's MeteringFailed) when a metering store call fails and
// the request is refused.
const MeteringFailedMessage = "authorizer: metering failed"

// AlarmPeriod is the period of every alarm's metric but SweeperErrors'.
const AlarmPeriod = 5 // minutes

// SweeperAlarmPeriod is the period of the SweeperErrors alarm's metric: the
// default sweep schedule's, and the longest SweeperProps.Schedule
// allows, so each period holds at least one run.
const SweeperAlarmPeriod = 60 // minutes

// Alarm thresholds; see NewAlarms for why each is what it is.
const (
	// AuthorizerErrorPercent of authorizer invocations that fail, over
	// AuthorizerErrorPeriods consecutive periods with at least
	// AuthorizerErrorMinInvocations invocations each.
	AuthorizerErrorPercent        = 50
	AuthorizerErrorMinInvocations = 20
	AuthorizerErrorPeriods        = 3
	// AuthorizerThrottles per period, in one period.
	AuthorizerThrottles = 1
	// API5XXErrors per period, in API5XXPeriodsToAlarm of API5XXPeriods.
	API5XXErrors         = 5
	API5XXPeriods        = 3
	API5XXPeriodsToAlarm = 2
	// RefreshTokenReuses per period, in one period.
	RefreshTokenReuses = 1
	// MeteringFailures per period, in one period.
	MeteringFailures = 1
	// SweeperErrors per SweeperAlarmPeriod, in SweeperErrorPeriods
	// consecutive periods.
	SweeperErrors       = 1
	SweeperErrorPeriods = 2
)

// AlarmsProps configures the Alarms construct.
type AlarmsProps struct {
	// Authorizer is the REQUEST authorizer function.
	Authorizer awslambda.IFunction
	// TokenLogs is the token function's log group, where the refresh-token
	// reuse message is counted.
	TokenLogs awslogs.ILogGroup
	// AuthorizerLogs is the authorizer's log group, where the metering
	// failure message is counted.
	AuthorizerLogs awslogs.ILogGroup
	// Stage is the API stage whose 5XXError metric is watched.
	Stage awsapigateway.Stage
	// Sweeper, when set, is the expiry sweep function whose errors are
	// watched (SweeperErrors).
	Sweeper awslambda.IFunction
	// Topic, when set, is the SNS topic notified when an alarm fires and
	// when it clears; nil makes NewAlarms declare one (see newAlarmTopic).
	Topic awssns.ITopic
	// MetricNamespace of the metrics counted in logs (refresh-token reuse,
	// metering failures); empty means "Tollgate/<stack name>", so two
	// Tollgate stacks in one account and region keep separate counts.
	MetricNamespace string
}

// Alarms are Tollgate's CloudWatch alarms. Each treats missing data as not
// breaching: no traffic, or no reuse logged, is not a problem.
type Alarms struct {
	constructs.Construct
	AuthorizerErrors    awscloudwatch.Alarm
	AuthorizerThrottles awscloudwatch.Alarm
	API5XX              awscloudwatch.Alarm
	RefreshTokenReuse   awscloudwatch.Alarm
	MeteringFailures    awscloudwatch.Alarm
	// SweeperErrors is nil without AlarmsProps.Sweeper.
	SweeperErrors awscloudwatch.Alarm
	// RefreshTokenReuseFilter counts RefreshTokenReuseMessage in TokenLogs.
	RefreshTokenReuseFilter awslogs.MetricFilter
	// MeteringFailuresFilter counts MeteringFailedMessage in AuthorizerLogs.
	MeteringFailuresFilter awslogs.MetricFilter
	// Topic is notified when any alarm fires and when it clears:
	// AlarmsProps.Topic, or the topic NewAlarms declared.
	Topic awssns.ITopic
	// TopicKey encrypts the topic NewAlarms declared; nil with
	// AlarmsProps.Topic.
	TopicKey awskms.Key
}

// NewAlarms declares the alarms. It panics when Authorizer, TokenLogs,
// AuthorizerLogs or Stage is missing.
//
// Every alarm notifies Topic (AlarmsProps.Topic, else a topic of its own)
// when it fires and again when it clears (its alarm and OK actions), so
// whoever was paged learns that it is over without opening the console.
// None notifies on INSUFFICIENT_DATA: missing data counts as not breaching.
//
//   - AuthorizerErrors: at least AuthorizerErrorPercent (50 %) of authorizer
//     invocations fail in AuthorizerErrorPeriods (3) consecutive 5-minute
//     periods, counting only periods with at least
//     AuthorizerErrorMinInvocations (20) invocations. A rate, not a count: a
//     Lambda authorizer answers 401 by returning the error "Unauthorized",
//     so Lambda's Errors metric counts every refused credential along with
//     real failures (store or KMS errors, timeouts, panics), and a fixed
//     count would fire on one client retrying a revoked key. Half of the
//     traffic failing for a quarter of an hour is either a broken
//     authorizer or someone trying credentials. A broken authorizer also
//     shows in API5XX (API Gateway answers 500), usually sooner.
//   - AuthorizerThrottles: any throttled authorizer invocation in a 5-minute
//     period. API Gateway answers each one with 500; the authorizer has no
//     reserved concurrency (only the sweeper reserves one instance), so
//     throttling means the account's unreserved concurrency in the region
//     is exhausted.
//   - API5XX: at least API5XXErrors (5) server errors on the stage in 2 of 3
//     5-minute periods. The functions answer client mistakes with 4xx
//     problem documents, so 5xx are failures: an authorizer error or
//     throttle (500), a function error (502), a timeout (504). A lone 5xx
//     (a cold start meeting a DynamoDB hiccup) does not page anyone.
//   - RefreshTokenReuse: any RefreshTokenReuseMessage in the token
//     function's logs in a 5-minute period. Each is a spent refresh token
//     presented again, a likely theft (RFC 9700, section 4.14): the family
//     is already revoked, the alarm is for someone to look at the user and
//     the client (the log line names the family).
//   - MeteringFailures: any MeteringFailedMessage in the authorizer's logs
//     in a 5-minute period. A metering store call that fails (DynamoDB
//     throttling or errors, a timeout) refuses the request of a metered
//     credential: metering fails closed, so the credential's users see 403s
//     they are owed answers for, and someone must look (the log line names
//     the credential and the error).
//   - SweeperErrors (with Sweeper): at least SweeperErrors (1) failed
//     sweeper invocation (an error returned, a timeout, a crash; Lambda's
//     retries of a failed run count too) in each of SweeperErrorPeriods (2)
//     consecutive 1-hour periods. One failed run costs nothing lasting:
//     the sweep and the forward of metering events keep their progress in
//     the table and the next run (an hour later for a sweep, a minute for
//     a forward) resumes it. Failing two hours in a row means it is stuck
//     (a permission, the event bus, a poison item), and expiry events,
//     notices and metering events stop until someone looks.
func NewAlarms(scope constructs.Construct, id string, props *AlarmsProps) *Alarms {
	if props == nil || props.Authorizer == nil || props.TokenLogs == nil || props.AuthorizerLogs == nil || props.Stage == nil {
		panic(fmt.Sprintf("stack.NewAlarms %s: Authorizer, TokenLogs, AuthorizerLogs and Stage are required", id))
	}
	this := constructs.NewConstruct(scope, &id)
	sum := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(AlarmPeriod)), Statistic: jsii.String("Sum")}
	a := &Alarms{Construct: this}
	a.AuthorizerErrors = newAuthorizerErrorsAlarm(this, props.Authorizer, sum)
	a.AuthorizerThrottles = props.Authorizer.MetricThrottles(sum).CreateAlarm(this, jsii.String("AuthorizerThrottles"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription: jsii.String("Tollgate: the authorizer function was throttled; API Gateway answered those requests with 500. " +
			"The account's Lambda concurrency in this region is exhausted."),
		Threshold:          jsii.Number(AuthorizerThrottles),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.API5XX = props.Stage.MetricServerError(sum).CreateAlarm(this, jsii.String("Api5XX"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription: jsii.String(fmt.Sprintf("Tollgate: at least %d 5xx answers per %d minutes in %d of %d periods "+
			"(authorizer errors or throttles, function errors, timeouts).", API5XXErrors, AlarmPeriod, API5XXPeriodsToAlarm, API5XXPeriods)),
		Threshold:          jsii.Number(API5XXErrors),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(API5XXPeriods),
		DatapointsToAlarm:  jsii.Number(API5XXPeriodsToAlarm),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	namespace := metricNamespace(this, props)
	a.RefreshTokenReuseFilter, a.RefreshTokenReuse = newLogAlarm(this, namespace, sum, logAlarm{
		id: "RefreshTokenReuse", logs: props.TokenLogs, message: RefreshTokenReuseMessage, threshold: RefreshTokenReuses,
		description: "Tollgate: a spent refresh token was presented again and its family revoked (possible token theft); " +
			"search the token function's logs for \"" + RefreshTokenReuseMessage + "\" to find the family.",
	})
	a.MeteringFailuresFilter, a.MeteringFailures = newLogAlarm(this, namespace, sum, logAlarm{
		id: "MeteringFailures", logs: props.AuthorizerLogs, message: MeteringFailedMessage, threshold: MeteringFailures,
		description: "Tollgate: the authorizer's metering store calls failed, so it refused requests of credentials with rate limits " +
			"or quotas (metering fails closed); search the authorizer's logs for \"" + MeteringFailedMessage + "\" to find the credential and the error.",
	})

	all := []awscloudwatch.Alarm{a.AuthorizerErrors, a.AuthorizerThrottles, a.API5XX, a.RefreshTokenReuse, a.MeteringFailures}
	if props.Sweeper != nil {
		a.SweeperErrors = newSweeperErrorsAlarm(this, props.Sweeper)
		all = append(all, a.SweeperErrors)
	}
	a.Topic = props.Topic
	if a.Topic == nil {
		var topic awssns.Topic
		topic, a.TopicKey = newAlarmTopic(this)
		a.Topic = topic
	}
	action := awscloudwatchactions.NewSnsAction(a.Topic)
	for _, alarm := range all {
		alarm.AddAlarmAction(action)
		alarm.AddOkAction(action)
	}
	return a
}

// newAlarmTopic declares the SNS topic the alarms notify when none is
// given, and the key it is encrypted with. The key is the stack's own
// (newKey, rotated yearly), not the AWS managed key alias/aws/sns, whose
// policy cannot be changed to let CloudWatch use it: alarms publishing to a
// topic encrypted with it are dropped. CloudWatch alarms of this account
// and region, and only they, may publish to the topic and use the key
// (aws:SourceAccount and aws:SourceArn, against the confused deputy); the
// account's IAM principals keep what their IAM policies give them (to
// subscribe, to read the key's metadata). Publishing without TLS is
// refused. The key is deleted with the topic (after KMS's 30-day waiting
// period): nothing stays encrypted under it once SNS has delivered.
func newAlarmTopic(scope constructs.Construct) (awssns.Topic, awskms.Key) {
	stack := awscdk.Stack_Of(scope)
	cloudwatch := &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)}
	fromAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
	key := newKey(scope, "TopicKey", &awskms.KeyProps{
		Description:       jsii.String("Tollgate alarm topic encryption key"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: cloudwatch,
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: fromAlarms,
	}), jsii.Bool(false))
	topic := awssns.NewTopic(scope, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("Tollgate alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: cloudwatch,
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: fromAlarms,
	}))
	return topic, key
}

// newAuthorizerErrorsAlarm is the AuthorizerErrors alarm (see NewAlarms).
func newAuthorizerErrorsAlarm(scope constructs.Construct, authorizer awslambda.IFunction, sum *awscloudwatch.MetricOptions) awscloudwatch.Alarm {
	errorRate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf("IF(invocations >= %d, 100 * errors / invocations, 0)", AuthorizerErrorMinInvocations)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors":      authorizer.MetricErrors(sum),
			"invocations": authorizer.MetricInvocations(sum),
		},
		Label:  jsii.String("Failed authorizer invocations (%), refused credentials included"),
		Period: sum.Period,
	})
	return errorRate.CreateAlarm(scope, jsii.String("AuthorizerErrors"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription: jsii.String(fmt.Sprintf("Tollgate: at least %d%% of authorizer invocations failed (Unauthorized counts as a failure) "+
			"in %d consecutive %d-minute periods of %d or more invocations: a broken authorizer, or someone trying credentials.",
			AuthorizerErrorPercent, AuthorizerErrorPeriods, AlarmPeriod, AuthorizerErrorMinInvocations)),
		Threshold:          jsii.Number(AuthorizerErrorPercent),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(AuthorizerErrorPeriods),
		DatapointsToAlarm:  jsii.Number(AuthorizerErrorPeriods),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// metricNamespace is the namespace of the metrics counted in logs:
// props.MetricNamespace, or "Tollgate/<stack name>".
func metricNamespace(scope constructs.Construct, props *AlarmsProps) string {
	if props.MetricNamespace != "" {
		return props.MetricNamespace
	}
	namespace := "Tollgate"
	if name := awscdk.Stack_Of(scope).StackName(); name != nil && !*awscdk.Token_IsUnresolved(name) {
		namespace += "/" + *name
	}
	return namespace
}

// logAlarm is an alarm on a log line: threshold or more lines whose "msg"
// (slog JSON) is message in logs in one period. id names the alarm and
// its metric; the metric filter is id+"Filter".
type logAlarm struct {
	id, message, description string
	logs                     awslogs.ILogGroup
	threshold                float64
}

// newLogAlarm declares the metric filter counting l's lines in namespace
// and the alarm on it (see NewAlarms).
func newLogAlarm(scope constructs.Construct, namespace string, sum *awscloudwatch.MetricOptions, l logAlarm) (awslogs.MetricFilter, awscloudwatch.Alarm) {
	filter := awslogs.NewMetricFilter(scope, jsii.String(l.id+"Filter"), &awslogs.MetricFilterProps{
		LogGroup:        l.logs,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(l.message)),
		MetricNamespace: jsii.String(namespace),
		MetricName:      jsii.String(l.id),
		MetricValue:     jsii.String("1"),
		// No default value: a period without the line has no data point,
		// which the alarm treats as not breaching.
	})
	return filter, filter.Metric(sum).CreateAlarm(scope, jsii.String(l.id), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription:   jsii.String(l.description),
		Threshold:          jsii.Number(l.threshold),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// newSweeperErrorsAlarm is the SweeperErrors alarm (see NewAlarms).
func newSweeperErrorsAlarm(scope constructs.Construct, sweeper awslambda.IFunction) awscloudwatch.Alarm {
	hourly := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(SweeperAlarmPeriod)), Statistic: jsii.String("Sum")}
	return sweeper.MetricErrors(hourly).CreateAlarm(scope, jsii.String("SweeperErrors"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription: jsii.String(fmt.Sprintf("Tollgate: the sweeper failed (an error, a timeout or a crash) in each of "+
			"%d consecutive %d-minute periods, so credentials may not be marked expired, credential.expired and "+
			"credential.expiring events not sent, or metering events not forwarded; the sweeper's log group has the error.",
			SweeperErrorPeriods, SweeperAlarmPeriod)),
		Threshold:          jsii.Number(SweeperErrors),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(SweeperErrorPeriods),
		DatapointsToAlarm:  jsii.Number(SweeperErrorPeriods),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}
