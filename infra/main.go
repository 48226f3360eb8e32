// Command infra is Tollgate's CDK app: `cdk synth` runs it (see cdk.json).
package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/tollgate/tollgate/infra/stack"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	// Every AwsSolutions finding is an error at synth unless suppressed in
	// code with a reason next to the resource it concerns.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	mtls, err := stack.MutualTLSFromContext(app)
	if err != nil {
		panic(err)
	}
	props := &stack.TollgateProps{MutualTLS: mtls}
	props.AlarmTopicArn = contextString(app, stack.ContextAlarmTopicArn)
	props.SecretPrefix = contextString(app, stack.ContextSecretPrefix)
	props.SecretScanningKeys = contextString(app, stack.ContextSecretScanningKeys)
	props.LeakAction = contextString(app, stack.ContextLeakAction)
	stack.NewTollgate(app, "Tollgate", props)
	app.Synth(nil)
}

// contextString reads a context value: a string, or any other JSON value
// (such as a key set written as an object in cdk.json) as its JSON.
func contextString(app awscdk.App, name string) string {
	switch v := app.Node().TryGetContext(jsii.String(name)).(type) {
	case nil:
		return ""
	case string:
		return v
	case *string:
		if v != nil {
			return *v
		}
		return ""
	default:
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("context %s: %v", name, err))
		}
		return string(b)
	}
}
