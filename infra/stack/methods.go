package stack

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
)

// methodBuilder declares an API's methods: one Lambda proxy integration per
// function, resources created as their paths need them.
type methodBuilder struct {
	scope        constructs.Construct
	api          awsapigateway.RestApi
	where        string // prefixes panics: "stack.NewAPI <id>"
	functions    map[string]awslambda.IFunction
	integrations map[string]awsapigateway.Integration
	resources    map[string]awsapigateway.IResource
	seen         map[string]bool
}

// newMethodBuilder returns a builder of api's methods, integrated with
// functions; where prefixes its panics.
func newMethodBuilder(scope constructs.Construct, api awsapigateway.RestApi, where string, functions map[string]awslambda.IFunction) *methodBuilder {
	return &methodBuilder{scope: scope, api: api, where: where, functions: functions,
		integrations: map[string]awsapigateway.Integration{}, resources: map[string]awsapigateway.IResource{"/": api.Root()}, seen: map[string]bool{}}
}

// add declares the method of r with options. It panics on a duplicate
// route, a function not in functions and a bad resource path.
func (m *methodBuilder) add(r access.Route, options *awsapigateway.MethodOptions) awsapigateway.Method {
	where := fmt.Sprintf("%s: route %s %s", m.where, r.Method, r.Resource)
	key := r.Method + " " + r.Resource
	if m.seen[key] {
		panic(where + ": duplicate route")
	}
	m.seen[key] = true
	integration, ok := m.integrations[r.Function]
	if !ok {
		fn := m.functions[r.Function]
		if fn == nil {
			panic(fmt.Sprintf("%s: function %q is not in Functions", where, r.Function))
		}
		integration = lambdaProxy(m.scope, m.api, r.Function, fn)
		m.integrations[r.Function] = integration
	}
	resource, err := resourceFor(m.resources, r.Resource)
	if err != nil {
		panic(where + ": " + err.Error())
	}
	return resource.AddMethod(jsii.String(r.Method), integration, options)
}

// lambdaProxy is an AWS_PROXY integration with fn plus one invoke permission
// for the whole API. LambdaIntegration would add two permissions per method
// instead, and a function's resource policy is capped at 20 KB, which a
// growing route table would reach. API Gateway only invokes fn from the
// methods integrated with it, so the API-wide source ARN grants nothing more.
func lambdaProxy(scope constructs.Construct, api awsapigateway.RestApi, name string, fn awslambda.IFunction) awsapigateway.Integration {
	fn.AddPermission(jsii.String("Invoke"+name), &awslambda.Permission{
		Scope:     scope,
		Principal: awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		SourceArn: api.ArnForExecuteApi(jsii.String("*"), jsii.String("/*"), jsii.String("*")),
	})
	return awsapigateway.NewAwsIntegration(&awsapigateway.AwsIntegrationProps{
		Proxy:   jsii.Bool(true),
		Service: jsii.String("lambda"),
		Path:    jsii.String("2015-03-31/functions/" + *fn.FunctionArn() + "/invocations"),
	})
}

// resourceFor returns the resource for path, creating it and any missing
// parents; {name} segments become path-parameter resources.
func resourceFor(resources map[string]awsapigateway.IResource, path string) (awsapigateway.IResource, error) {
	if r, ok := resources[path]; ok {
		return r, nil
	}
	if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") || strings.Contains(path, "//") {
		return nil, fmt.Errorf("resource path %q must start with / and have no empty segments", path)
	}
	i := strings.LastIndex(path, "/")
	parentPath := path[:i]
	if parentPath == "" {
		parentPath = "/"
	}
	parent, err := resourceFor(resources, parentPath)
	if err != nil {
		return nil, err
	}
	r := parent.AddResource(jsii.String(path[i+1:]), nil)
	resources[path] = r
	return r, nil
}
