package stack

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MutualTLSProps puts the API behind a regional custom domain name that
// requires mutual TLS, and disables the default execute-api endpoint so the
// domain is the only way in.
//
// Why: API Gateway hands the client certificate to the authorizer
// (requestContext.identity.clientCert) only on a custom domain with mutual
// TLS. Certificate authentication and certificate-bound tokens (RFC 8705
// x5t#S256) need it; the execute-api endpoint never carries a certificate,
// so AWS recommends disabling it once mutual TLS is on.
//
// Trust: API Gateway completes the handshake only for client certificates
// that chain to the truststore (a PEM bundle in S3) and passes nothing else
// on. Tollgate's trust comes from the binding (PUT
// /v1/users/{userId}/certificate), not from the chain, so the truststore
// holds the CAs (or the self-signed certificates) of the users who may bind
// certificates. API Gateway does not check revocation (no CRL, no OCSP): the
// authorizer refuses any certificate that is not bound to an enabled user,
// so unbinding is how a certificate is revoked. API Gateway reads the
// truststore when the domain is created or updated: after changing the S3
// object, set TruststoreVersion to its new version (the bucket must be
// versioned) and deploy.
//
// Every client must then present a certificate that chains to the
// truststore, whatever credential it sends (API key, JWT, SAS, OAuth client
// secret): a handshake without one fails before any Tollgate code runs.
//
// The domain's DNS record points at the stack outputs DomainTarget and
// DomainHostedZoneId (a CNAME, or a Route 53 alias). The certificate must be
// an ACM certificate for DomainName in the stack's region.
//
// Turning it on: set these context values in cdk.json (or pass each with
// `cdk deploy -c key=value`), which the CDK app reads with
// MutualTLSFromContext; the issuer then defaults to https://{domainName}:
//
//	"context": {
//	  "tollgate:mtlsDomainName": "api.example.com",
//	  "tollgate:mtlsCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/...",
//	  "tollgate:mtlsTruststoreUri": "s3://example-truststores/tollgate/truststore.pem"
//	}
//
// plus, when needed, "tollgate:mtlsTruststoreVersion" and
// "tollgate:mtlsOwnershipVerificationCertificateArn" (see the fields below);
// or, in code:
//
//	stack.NewTollgate(app, "Tollgate", &stack.TollgateProps{
//		MutualTLS: &stack.MutualTLSProps{
//			DomainName:     "api.example.com",
//			CertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/...",
//			TruststoreURI:  "s3://example-truststores/tollgate/truststore.pem",
//		},
//	})
type MutualTLSProps struct {
	// DomainName is the custom domain, such as api.example.com.
	DomainName string
	// Certificate is the domain's ACM certificate; set it or CertificateArn.
	Certificate awscertificatemanager.ICertificate
	// CertificateArn is the domain's ACM certificate's ARN; set it or
	// Certificate.
	CertificateArn string
	// TruststoreURI is the truststore's S3 URL, s3://bucket/key.
	TruststoreURI string
	// TruststoreVersion is the S3 object version of the truststore; empty
	// means the latest.
	TruststoreVersion string
	// OwnershipVerificationCertificateArn is the ACM public certificate that
	// proves ownership of DomainName; API Gateway requires it when
	// Certificate is imported into ACM or issued by a private CA. Empty: none.
	OwnershipVerificationCertificateArn string
}

// Context keys MutualTLSFromContext reads.
const (
	ContextMTLSDomainName                          = "tollgate:mtlsDomainName"
	ContextMTLSCertificateArn                      = "tollgate:mtlsCertificateArn"
	ContextMTLSTruststoreURI                       = "tollgate:mtlsTruststoreUri"
	ContextMTLSTruststoreVersion                   = "tollgate:mtlsTruststoreVersion"
	ContextMTLSOwnershipVerificationCertificateArn = "tollgate:mtlsOwnershipVerificationCertificateArn"
)

// MutualTLSFromContext builds MutualTLSProps from scope's context: nil when
// no context key is set, an error when some are set but the domain name,
// certificate ARN or truststore URL is missing or malformed.
func MutualTLSFromContext(scope constructs.Construct) (*MutualTLSProps, error) {
	get := func(key string) string {
		switch v := scope.Node().TryGetContext(jsii.String(key)).(type) {
		case string:
			return strings.TrimSpace(v)
		case *string:
			if v != nil {
				return strings.TrimSpace(*v)
			}
		}
		return ""
	}
	m := &MutualTLSProps{
		DomainName:                          get(ContextMTLSDomainName),
		CertificateArn:                      get(ContextMTLSCertificateArn),
		TruststoreURI:                       get(ContextMTLSTruststoreURI),
		TruststoreVersion:                   get(ContextMTLSTruststoreVersion),
		OwnershipVerificationCertificateArn: get(ContextMTLSOwnershipVerificationCertificateArn),
	}
	if *m == (MutualTLSProps{}) {
		return nil, nil
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("context %s, %s and %s: %w", ContextMTLSDomainName, ContextMTLSCertificateArn, ContextMTLSTruststoreURI, err)
	}
	return m, nil
}

// validate reports the first problem with the props.
func (m *MutualTLSProps) validate() error {
	_, _, err := m.truststore()
	switch {
	case m.DomainName == "":
		return fmt.Errorf("mutual TLS: DomainName is required")
	case strings.Contains(m.DomainName, "/") || strings.Contains(m.DomainName, ":"):
		return fmt.Errorf("mutual TLS: DomainName %q must be a host name, without scheme, port or path", m.DomainName)
	case (m.Certificate == nil) == (m.CertificateArn == ""):
		return fmt.Errorf("mutual TLS: set exactly one of Certificate and CertificateArn")
	case err != nil:
		return err
	}
	return nil
}

// bucketName matches S3 general purpose bucket names (lower case).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// truststore splits TruststoreURI into bucket and key.
func (m *MutualTLSProps) truststore() (bucket, key string, err error) {
	u, perr := url.Parse(m.TruststoreURI)
	if perr != nil || u.Scheme != "s3" || u.Host == "" || len(u.Path) < 2 || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", fmt.Errorf("mutual TLS: TruststoreURI %q must be s3://bucket/key", m.TruststoreURI)
	}
	if !bucketName.MatchString(u.Host) {
		return "", "", fmt.Errorf("mutual TLS: TruststoreURI %q: %q is not an S3 bucket name", m.TruststoreURI, u.Host)
	}
	return u.Host, u.Path[1:], nil
}

// newMutualTLSDomain declares the custom domain with mutual TLS and maps its
// root to the API's stage, so https://{DomainName}/v1/... is the stage's
// /v1/....
func newMutualTLSDomain(scope constructs.Construct, api awsapigateway.RestApi, m *MutualTLSProps) awsapigateway.DomainName {
	bucket, key, _ := m.truststore()
	cert := m.Certificate
	if cert == nil {
		cert = awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("Certificate"), jsii.String(m.CertificateArn))
	}
	mtls := &awsapigateway.MTLSConfig{
		Bucket: awss3.Bucket_FromBucketName(scope, jsii.String("Truststore"), jsii.String(bucket)),
		Key:    jsii.String(key),
	}
	if m.TruststoreVersion != "" {
		mtls.Version = jsii.String(m.TruststoreVersion)
	}
	domain := awsapigateway.NewDomainName(scope, jsii.String("Domain"), &awsapigateway.DomainNameProps{
		DomainName:     jsii.String(m.DomainName),
		Certificate:    cert,
		EndpointType:   awsapigateway.EndpointType_REGIONAL,
		SecurityPolicy: awsapigateway.SecurityPolicy_TLS_1_2,
		Mtls:           mtls,
	})
	if m.OwnershipVerificationCertificateArn != "" {
		// The L2 construct has no property for it.
		domain.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(
			jsii.String("OwnershipVerificationCertificateArn"), jsii.String(m.OwnershipVerificationCertificateArn))
	}
	domain.AddBasePathMapping(api, &awsapigateway.BasePathMappingOptions{Stage: api.DeploymentStage()})
	return domain
}
