package stack

import (
	"cmp"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/sweep"
)

// Sweeper function settings.
const (
	// SweeperMemoryMB and SweeperTimeout: the expiry sweep (functions/sweeper,
	// shared/sweep) pages through the expiry index 100 entries per Query
	// and, for each credential, makes one EventBridge PutEvents and one or
	// two DynamoDB calls (an UpdateItem; a GetItem then a TransactWriteItems
	// for an API key): network waits with little to compute or hold, so the
	// same 256 MB as the others (the CPU for TLS handshakes at cold start).
	// A run handles at most TOLLGATE_SWEEP_MAX_ITEMS credentials, 1,000 by
	// default; at an estimated 50 ms of calls each (not measured: there is
	// no AWS account on these machines), under a minute, and 2 minutes leaves
	// twice that. A run that still times out loses little: each credential
	// is marked as it is handled, so the next run resumes (at worst one
	// notice is sent twice). For a larger MaxItems the timeout grows in
	// proportion (sweeperTimeout), up to Lambda's 15 minutes.
	SweeperMemoryMB = 256
	SweeperTimeout  = 2 * time.Minute
	// SweeperReservedConcurrency: the sweeper runs one at a time. It sends
	// credential.expiring first and records it second (so that a crash
	// repeats a notice rather than losing one), and two concurrent runs
	// would read the same unrecorded entries and both send them. It takes
	// one instance from the account's unreserved concurrency, of which
	// Lambda keeps at least 100 (all of it in an account with a lower
	// quota): an account whose concurrency quota is still a new account's
	// 10 or 50 cannot deploy the stack until the quota is raised.
	SweeperReservedConcurrency = 1
)

// Sweep schedule settings (SweeperProps.Schedule).
const (
	// DefaultSweepSchedule: hourly. The authorizer refuses an expired
	// credential by its expiry time whatever the sweep has done; the sweep
	// marks it expired, sets its TTL and sends the events, for which within
	// the hour is soon enough, at 720 small runs a month.
	DefaultSweepSchedule = time.Hour
	// SweepRetryAttempts is how many times EventBridge retries delivering a
	// scheduled event to the function and Lambda retries a failed run (each
	// within the schedule period, the maximum event age): enough for a
	// throttle or a transient DynamoDB or EventBridge error, where
	// EventBridge's own default (185 over 24 hours) would pile up stale runs
	// behind the next ones.
	SweepRetryAttempts = 2
	// ForwardSchedule is how often the sweeper forwards the metering
	// events the authorizer records (credential.rate_limited,
	// credential.quota_exhausted) to the bus: every minute, so an event
	// reaches the bus within about a minute of its refusal. Each run is
	// one Query per hour read (usually one or two) and, per event, a share
	// of a PutEvents and one UpdateItem; 43,200 runs a month.
	ForwardSchedule = time.Minute
)

// The construct IDs of the sweeper's schedules, declared beside the
// function.
const (
	sweepScheduleID   = "SweepSchedule"
	forwardScheduleID = "ForwardSchedule"
)

// SweeperProps configures the Sweeper construct. Zero values mean config's
// defaults, which the function would apply too.
type SweeperProps struct {
	// Table is the table swept; the function gets Table.GrantSweep.
	Table *Table
	// Environment is added to the function's: the deployment-wide
	// settings, such as TOLLGATE_REVOCATION_BOUND (config.Parse checks the
	// authorizer cache TTL against the bound in every function).
	Environment map[string]string
	// GatewayCacheTTL is FunctionProps.GatewayCacheTTL.
	GatewayCacheTTL time.Duration
	// Schedule is how often the sweep runs (an EventBridge rate): whole
	// minutes, from one minute to DefaultSweepSchedule (one hour), the
	// SweeperErrors alarm's period, so that every period holds a run; 0
	// means DefaultSweepSchedule. It is also the schedule's and the
	// function's maximum event age: a run that cannot start before the next
	// one is due is dropped, the next does its work.
	Schedule time.Duration
	// Notice is TOLLGATE_SWEEP_NOTICE, how long before a credential expires
	// the sweep sends credential.expiring; 0 means
	// config.DefaultSweepNotice (168h).
	Notice time.Duration
	// Retention is TOLLGATE_SWEEP_RETENTION, how long an expired
	// credential's record stays before its TTL deletes it; 0 means
	// config.DefaultSweepRetention (720h).
	Retention time.Duration
	// MaxItems is TOLLGATE_SWEEP_MAX_ITEMS, the most credentials one run
	// handles (the next run resumes); 0 means config.DefaultSweepMaxItems
	// (1000). Above that default the function's timeout grows with it (see
	// SweeperTimeout).
	MaxItems int
	// EventBus is TOLLGATE_EVENT_BUS, the EventBridge bus the sweep sends
	// its events to, by name (in the stack's account and region) or ARN;
	// empty means the account's default bus. The function may call
	// events:PutEvents on that bus only. A bus in another account must also
	// allow it in its resource policy.
	EventBus string
}

// Sweeper is the expiry sweep and the forwarder of metering events: a
// function that may read and mark expiring credentials and recorded
// events and put events on one bus, run one at a time by two EventBridge
// schedules. Its node is the function's; the schedules are its siblings
// in scope (as SweepSchedule and ForwardSchedule), so one scope holds one
// sweeper.
type Sweeper struct {
	constructs.Construct
	// Function is the sweeper function (functions/sweeper).
	Function *Function
	// Rule runs Function on SweeperProps.Schedule: a sweep.
	Rule awsevents.Rule
	// ForwardRule runs Function every ForwardSchedule with the input
	// {"action":"forward"} (sweep.ActionForward): a forward of the metering
	// events.
	ForwardRule awsevents.Rule
}

// NewSweeper declares the sweeper. It panics on a schedule out of range and,
// through NewFunction, on sweep settings config refuses.
func NewSweeper(scope constructs.Construct, id string, props *SweeperProps) *Sweeper {
	if props == nil || props.Table == nil {
		panic(fmt.Sprintf("stack.NewSweeper %s: Table is required", id))
	}
	schedule := props.Schedule
	if schedule == 0 {
		schedule = DefaultSweepSchedule
	}
	if schedule < time.Minute || schedule > DefaultSweepSchedule || schedule%time.Minute != 0 {
		panic(fmt.Sprintf("stack.NewSweeper %s: the schedule %s must be whole minutes from 1m to %s", id, schedule, DefaultSweepSchedule))
	}
	maxItems := cmp.Or(props.MaxItems, config.DefaultSweepMaxItems)
	// The deployment-wide settings, and only the sweep ones besides: it
	// neither signs nor seals, so no issuer or keys.
	fn := NewFunction(scope, id, &FunctionProps{
		Name: FnSweeper, Table: props.Table.Table, GatewayCacheTTL: props.GatewayCacheTTL, Environment: sweepEnv(props),
		MemoryMB: SweeperMemoryMB, Timeout: sweeperTimeout(maxItems), ReservedConcurrency: SweeperReservedConcurrency,
	})
	props.Table.GrantSweep(fn.Function)
	// sweep's publisher (sweep.EventBridge) puts events on the named bus,
	// or on the default bus without one.
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      fn.Function,
		Actions:      jsii.Strings("events:PutEvents"),
		ResourceArns: jsii.Strings(*EventBusArn(awscdk.Stack_Of(scope), props.EventBus)),
	})
	return &Sweeper{Construct: fn.Construct, Function: fn, Rule: newSweepSchedule(scope, fn.Function, schedule),
		ForwardRule: newForwardSchedule(scope, fn.Function)}
}

// sweepEnv is props.Environment plus the sweep settings, defaults spelled
// out.
func sweepEnv(props *SweeperProps) map[string]string {
	env := maps.Clone(props.Environment)
	if env == nil {
		env = map[string]string{}
	}
	env[config.EnvSweepNotice] = cmp.Or(props.Notice, config.DefaultSweepNotice).String()
	env[config.EnvSweepRetention] = cmp.Or(props.Retention, config.DefaultSweepRetention).String()
	env[config.EnvSweepMaxItems] = fmt.Sprint(cmp.Or(props.MaxItems, config.DefaultSweepMaxItems))
	if props.EventBus != "" {
		env[config.EnvEventBus] = props.EventBus
	}
	return env
}

// newSweepSchedule runs fn every schedule (a sweep), with
// SweepRetryAttempts retries by EventBridge and by Lambda, and events at
// most one period old.
func newSweepSchedule(scope constructs.Construct, fn awslambda.Function, schedule time.Duration) awsevents.Rule {
	period := awscdk.Duration_Minutes(jsii.Number(schedule.Minutes()))
	// Lambda's own retries of a failed run, and how long a run may wait for
	// the previous one (reserved concurrency 1) before the next is due.
	fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(SweepRetryAttempts),
		MaxEventAge:   period,
	})
	return newSchedule(scope, sweepScheduleID, "Tollgate: runs the expiry sweep", fn, period, nil)
}

// newForwardSchedule runs fn every ForwardSchedule with the forward input.
// A forward that waits behind a sweep (reserved concurrency 1) runs when
// the sweep ends: it forwards at its own now.
func newForwardSchedule(scope constructs.Construct, fn awslambda.Function) awsevents.Rule {
	return newSchedule(scope, forwardScheduleID, "Tollgate: forwards metering events to the event bus", fn,
		awscdk.Duration_Minutes(jsii.Number(ForwardSchedule.Minutes())),
		awsevents.RuleTargetInput_FromObject(map[string]string{"action": sweep.ActionForward}))
}

// newSchedule declares the rule id that runs fn every period with input
// (nil: EventBridge's scheduled event), with SweepRetryAttempts retries by
// EventBridge and events at most one period old.
func newSchedule(scope constructs.Construct, id, description string, fn awslambda.Function, period awscdk.Duration,
	input awsevents.RuleTargetInput) awsevents.Rule {
	return awsevents.NewRule(scope, jsii.String(id), &awsevents.RuleProps{
		Description: jsii.String(description),
		Schedule:    awsevents.Schedule_Rate(period),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			Event:         input,
			RetryAttempts: jsii.Number(SweepRetryAttempts),
			MaxEventAge:   period,
		})},
	})
}

// sweeperTimeout is SweeperTimeout for up to config.DefaultSweepMaxItems
// items per run, proportionally more above, at most Lambda's 15 minutes.
func sweeperTimeout(maxItems int) time.Duration {
	if maxItems <= config.DefaultSweepMaxItems {
		return SweeperTimeout
	}
	perItem := SweeperTimeout / config.DefaultSweepMaxItems
	t := min(time.Duration(min(maxItems, 1_000_000))*perItem, 15*time.Minute)
	return (t + time.Second - 1).Truncate(time.Second) // Lambda takes whole seconds
}

// EventBusArn returns the ARN of the event bus named bus (a name in the
// stack's account and region, or an ARN, returned as it is), or of the
// account's default bus when bus is empty.
func EventBusArn(s awscdk.Stack, bus string) *string {
	if strings.HasPrefix(bus, "arn:") {
		return jsii.String(bus)
	}
	if bus == "" {
		bus = "default"
	}
	return s.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("events"), Resource: jsii.String("event-bus"), ResourceName: jsii.String(bus),
		ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}
