// Command infra is Tollgate's CDK app: `cdk synth` runs it (see cdk.json).
package main

import (
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
	switch arn := app.Node().TryGetContext(jsii.String(stack.ContextAlarmTopicArn)).(type) {
	case string:
		props.AlarmTopicArn = arn
	case *string:
		if arn != nil {
			props.AlarmTopicArn = *arn
		}
	}
	stack.NewTollgate(app, "Tollgate", props)
	app.Synth(nil)
}
