package stack

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/config"
)

const (
	testDomain     = "api.example.com"
	testCertArn    = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000002"
	testOwnerArn   = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000003"
	testTruststore = "s3://example-truststores/tollgate/truststore.pem"
)

func TestTollgateMutualTLS(t *testing.T) {
	ts, tpl := checkedTollgate(t, &TollgateProps{MutualTLS: &MutualTLSProps{
		DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: testTruststore, TruststoreVersion: "v3",
	}})
	if ts.API.Domain == nil {
		t.Fatal("API.Domain is nil")
	}
	domain := logicalID(ts.Stack, ts.API.Domain)
	restAPI := logicalID(ts.Stack, ts.API.RestApi)

	t.Run("one regional domain, TLS 1.2, mutual TLS with the truststore", func(t *testing.T) {
		domains := resources(tpl, "AWS::ApiGateway::DomainName")
		if len(domains) != 1 {
			t.Fatalf("%d domain names, want 1", len(domains))
		}
		want := map[string]any{
			"DomainName":              testDomain,
			"EndpointConfiguration":   map[string]any{"Types": []any{"REGIONAL"}},
			"MutualTlsAuthentication": map[string]any{"TruststoreUri": testTruststore, "TruststoreVersion": "v3"},
			"RegionalCertificateArn":  testCertArn,
			"SecurityPolicy":          "TLS_1_2",
		}
		if got := props(domains[domain]); jsonString(got) != jsonString(want) {
			t.Errorf("domain %s\n got %s\nwant %s", domain, jsonString(got), jsonString(want))
		}
	})
	t.Run("the domain's root maps to the stage", func(t *testing.T) {
		mappings := resources(tpl, "AWS::ApiGateway::BasePathMapping")
		if len(mappings) != 1 {
			t.Fatalf("%d base path mappings, want 1", len(mappings))
		}
		want := map[string]any{
			"DomainName": map[string]any{"Ref": domain},
			"RestApiId":  map[string]any{"Ref": restAPI},
			"Stage":      map[string]any{"Ref": logicalID(ts.Stack, ts.API.RestApi.DeploymentStage())},
		}
		for id, m := range mappings {
			if got := props(m); jsonString(got) != jsonString(want) {
				t.Errorf("mapping %s\n got %s\nwant %s", id, jsonString(got), jsonString(want))
			}
		}
	})
	t.Run("the execute-api endpoint is disabled", func(t *testing.T) {
		api := props(resources(tpl, "AWS::ApiGateway::RestApi")[restAPI])
		if api["DisableExecuteApiEndpoint"] != true {
			t.Errorf("DisableExecuteApiEndpoint = %v, want true", api["DisableExecuteApiEndpoint"])
		}
	})
	for _, fn := range []*Function{ts.Authorizer, ts.IssueKeys, ts.Token} {
		t.Run("issuer and audience of "+*fn.Node().Id()+" are https://<domain>", func(t *testing.T) {
			env := props(resources(tpl, "AWS::Lambda::Function")[logicalID(ts.Stack, fn.Function)])["Environment"].(map[string]any)["Variables"].(map[string]any)
			for _, k := range []string{config.EnvIssuer, config.EnvAudience} {
				if env[k] != "https://"+testDomain {
					t.Errorf("%s = %v, want https://%s", k, jsonString(env[k]), testDomain)
				}
			}
		})
	}
	t.Run("outputs: issuer, API URL and the domain's regional target", func(t *testing.T) {
		outputs := *tpl.FindOutputs(jsii.String("*"), nil)
		for name, want := range map[string]any{
			"Issuer":             "https://" + testDomain,
			"ApiUrl":             "https://" + testDomain + "/",
			"DomainTarget":       map[string]any{"Fn::GetAtt": []any{domain, "RegionalDomainName"}},
			"DomainHostedZoneId": map[string]any{"Fn::GetAtt": []any{domain, "RegionalHostedZoneId"}},
		} {
			out, ok := outputs[name]
			if !ok {
				t.Errorf("no output %s", name)
				continue
			}
			if got := (*out)["Value"]; jsonString(got) != jsonString(want) {
				t.Errorf("output %s = %s, want %s", name, jsonString(got), jsonString(want))
			}
		}
		for name, out := range outputs {
			if strings.Contains(jsonString(out), "execute-api") {
				t.Errorf("output %s names the disabled execute-api endpoint: %s", name, jsonString(out))
			}
		}
	})
}

// TestTollgateMutualTLSOptions covers the optional settings: a certificate
// construct instead of an ARN, no truststore version, an ownership
// verification certificate and an explicit issuer.
func TestTollgateMutualTLSOptions(t *testing.T) {
	app := newApp()
	s := awscdk.NewStack(app, jsii.String("Certs"), nil)
	cert := awscertificatemanager.Certificate_FromCertificateArn(s, jsii.String("Cert"), jsii.String(testCertArn))
	ts := NewTollgate(app, "Tollgate", &TollgateProps{
		Issuer: "https://auth.example.com",
		MutualTLS: &MutualTLSProps{DomainName: testDomain, Certificate: cert, TruststoreURI: "s3://bkt/k",
			OwnershipVerificationCertificateArn: testOwnerArn},
	})
	tpl := assertions.Template_FromStack(ts.Stack, nil)
	want := map[string]any{
		"DomainName":                          testDomain,
		"EndpointConfiguration":               map[string]any{"Types": []any{"REGIONAL"}},
		"MutualTlsAuthentication":             map[string]any{"TruststoreUri": "s3://bkt/k"},
		"OwnershipVerificationCertificateArn": testOwnerArn,
		"RegionalCertificateArn":              testCertArn,
		"SecurityPolicy":                      "TLS_1_2",
	}
	got := props(resources(tpl, "AWS::ApiGateway::DomainName")[logicalID(ts.Stack, ts.API.Domain)])
	if jsonString(got) != jsonString(want) {
		t.Errorf("domain\n got %s\nwant %s", jsonString(got), jsonString(want))
	}
	check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": map[string]any{
				config.EnvIssuer: "https://auth.example.com", config.EnvAudience: "https://auth.example.com",
			}},
		})
	})
}

func TestAPIRejectsBadMutualTLS(t *testing.T) {
	tests := []struct {
		name  string
		props MutualTLSProps
		want  string
	}{
		{"no domain", MutualTLSProps{CertificateArn: testCertArn, TruststoreURI: testTruststore}, "DomainName is required"},
		{"URL for a domain", MutualTLSProps{DomainName: "https://" + testDomain, CertificateArn: testCertArn, TruststoreURI: testTruststore}, "must be a host name"},
		{"no certificate", MutualTLSProps{DomainName: testDomain, TruststoreURI: testTruststore}, "exactly one of Certificate and CertificateArn"},
		{"no truststore", MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn}, "must be s3://bucket/key"},
		{"https truststore", MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: "https://b.s3.amazonaws.com/k"}, "must be s3://bucket/key"},
		{"truststore without key", MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: "s3://b/"}, "must be s3://bucket/key"},
		{"truststore bucket name invalid", MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: "s3://Truststores/k"}, "is not an S3 bucket name"},
		{"truststore without bucket", MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: "s3:///k"}, "must be s3://bucket/key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack()
			msg, ok := panics(func() {
				NewAPI(s, "Api", &APIProps{Authorizer: importedFunction(s, "authorizer"), Functions: appFunctions(s), MutualTLS: &tc.props})
			})
			if !ok || !strings.Contains(msg, tc.want) {
				t.Errorf("panic %v %q, want one with %q", ok, msg, tc.want)
			}
		})
	}
}

func TestMutualTLSFromContext(t *testing.T) {
	full := map[string]any{
		ContextMTLSDomainName:     testDomain,
		ContextMTLSCertificateArn: testCertArn,
		ContextMTLSTruststoreURI:  testTruststore,
	}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range full {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name    string
		context map[string]any
		want    *MutualTLSProps
		wantErr string
	}{
		{"unset", nil, nil, ""},
		{"all empty", map[string]any{ContextMTLSDomainName: "", ContextMTLSTruststoreVersion: " "}, nil, ""},
		{"required keys", full, &MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: testTruststore}, ""},
		{"every key", with(map[string]any{ContextMTLSTruststoreVersion: "v3", ContextMTLSOwnershipVerificationCertificateArn: testOwnerArn}),
			&MutualTLSProps{DomainName: testDomain, CertificateArn: testCertArn, TruststoreURI: testTruststore,
				TruststoreVersion: "v3", OwnershipVerificationCertificateArn: testOwnerArn}, ""},
		{"no certificate", with(map[string]any{ContextMTLSCertificateArn: ""}), nil, "exactly one of Certificate and CertificateArn"},
		{"version alone", map[string]any{ContextMTLSTruststoreVersion: "v3"}, nil, "DomainName is required"},
		{"bad truststore", with(map[string]any{ContextMTLSTruststoreURI: "truststore.pem"}), nil, "must be s3://bucket/key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := map[string]any{}
			for k, v := range cdkContext {
				ctx[k] = v
			}
			for k, v := range tc.context {
				ctx[k] = v
			}
			got, err := MutualTLSFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())}))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if jsonString(got) != jsonString(tc.want) {
				t.Errorf("got %s, want %s", jsonString(got), jsonString(tc.want))
			}
		})
	}
}
