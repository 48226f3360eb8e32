package seed

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/sas"
)

// The API the samples are addressed to: the execute-api URL of Issuer.
const (
	APIID     = "abcdef1234"
	AccountID = "123456789012"
	Stage     = "prod"
	Region    = "us-east-1"
	host      = APIID + ".execute-api." + Region + ".amazonaws.com"
)

// Outcomes of an authorizer sample.
const (
	Allow        = "Allow"
	Deny         = "Deny"
	Unauthorized = "Unauthorized"
)

// Want is what the function answers a sample, against the seed applied at
// the samples' time: an authorizer's Decision, or a proxy answer's Status
// and a Body fragment; for the sweeper, the Published event.
type Want struct {
	Decision string
	Status   int
	Body     string
	// Published is the type and credential of the one event the sweeper
	// publishes.
	Published [2]string
}

// Sample is one sample event: its file under events/, the event and what
// it is answered.
type Sample struct {
	Path  string
	Event any
	Want  Want
}

// JSON is the sample's file content.
func (s Sample) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(s.Event, "", "  ")
	return append(b, '\n'), err
}

// Times of the samples, from the time they are made (now).
const (
	JWTLifetime         = 30 * 24 * time.Hour // a personal JWT's exp after its iat
	AccessTokenLifetime = 24 * time.Hour      // an access token's
	SASLifetime         = 30 * 24 * time.Hour // the SAS token's ex
	requestedLifetime   = 60 * 24 * time.Hour // the expiresAt the create samples ask for
)

// Fixed values of the refusal samples: well-formed secrets that are not
// the seed's, and a key whose checksum is wrong.
const (
	unknownKeyToken     = "tgk_fTogbdF0LmCb7LvWfacn6oESyE5ukUl4B5VXrOqB5cc2o9Sr1"
	malformedKeyToken   = "tgk_ZpzzuOjqLQENOD7KP6ya2L4JGxqjP5dln6g4NuZ8PpR0lgYfp" // AliceToken, last character changed
	unknownRefreshToken = "tgr_Ym3ig3sKAXGcCWwwbxOUiazAQtXGV738WtKW39i2wG6371qo1"
	wrongClientSecret   = "tgc_kzG0OChlVo4fRWlQmb2PjMSvgfw7A4Uvw1sENHalzPr0DoanD"
	accessTokenID       = "at_0meZCiBW72lgihTX5"
	dpopAccessTokenID   = "at_1DPoPb0undT0kenX5"
	// staleETag is an If-Match no representation has.
	staleETag = `"AAAAAAAAAAAAAAAAAAAAAA"`
)

// SASExpiry is the expiry of the samples' SAS token made at now.
func SASExpiry(now time.Time) time.Time { return now.UTC().Add(SASLifetime).Truncate(time.Minute) }

// SASToken is the shared access signature of the samples made at now.
func SASToken(now time.Time) string { return sas.Sign(SASIdentifier, SASPrimary, SASExpiry(now)) }

// tokens are the JWTs of the samples made at now, signed with SigningKey
// (WrongKey: with OtherKey under SigningKey's kid; DPoPBound: AccessToken
// bound to DPoPKey). Signatures are deterministic (RFC 6979), so the same
// now gives the same samples.
type tokens struct{ JWT, RevokedJWT, WrongKey, AccessToken, DPoPBound string }

// makeTokens signs the samples' JWTs at now.
func makeTokens(now time.Time) (tokens, error) {
	now = now.UTC().Truncate(time.Second)
	iat := now.Add(-time.Minute)
	personal := func(id, scope string) accesstoken.Claims {
		return accesstoken.Claims{Issuer: Issuer, Subject: AliceID, Audience: Issuer, IssuedAt: iat.Unix(),
			ExpiresAt: iat.Add(JWTLifetime).Unix(), ID: id, Scope: scope, SessionID: id}
	}
	ctx := context.Background()
	kid := accesstoken.NewLocalSigner(SigningKey).KeyID()
	var t tokens
	var err [6]error
	t.JWT, err[0] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, personal(AliceJWTID, "credentials:read credentials:write echo:read"))
	t.RevokedJWT, err[1] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, personal(AliceRevokedJWTID, "echo:read"))
	t.WrongKey, err[2] = accesstoken.Issue(ctx, deterministic{OtherKey, kid}, personal(AliceJWTID, "credentials:read credentials:write echo:read"))
	access := accesstoken.Claims{Issuer: Issuer, Subject: AliceID,
		Audience: Issuer, IssuedAt: iat.Unix(), ExpiresAt: iat.Add(AccessTokenLifetime).Unix(), ID: accessTokenID,
		Scope: "credentials:read echo:read", SessionID: AliceFamilyID}
	t.AccessToken, err[3] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, access)
	var prover *dpop.Prover
	if prover, err[4] = dpop.NewProver(DPoPKey); err[4] == nil {
		access.ID, access.Confirmation = dpopAccessTokenID, &accesstoken.Confirmation{JKT: prover.JKT()}
		t.DPoPBound, err[5] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, access)
	}
	for _, e := range err {
		if e != nil {
			return tokens{}, e
		}
	}
	return t, nil
}

// deterministic is an accesstoken.Signer over a local key with RFC 6979
// signatures, naming kid.
type deterministic struct {
	key *ecdsa.PrivateKey
	kid string
}

func (d deterministic) KeyID() string               { return d.kid }
func (d deterministic) PublicKey() *ecdsa.PublicKey { return &d.key.PublicKey }

func (d deterministic) Sign(_ context.Context, input []byte) ([]byte, error) {
	digest := sha256.Sum256(input)
	der, err := d.key.Sign(nil, digest[:], crypto.SHA256) // nil: deterministic
	if err != nil {
		return nil, err
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}

// scheduledEvent is the EventBridge event of the sweep schedule at now.
func scheduledEvent(now time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{Version: "0", ID: requestID("scheduled.json"), DetailType: "Scheduled Event",
		Source: "aws.events", AccountID: AccountID, Time: now, Region: Region,
		Resources: []string{"arn:aws:events:" + Region + ":" + AccountID + ":rule/Tollgate-SweepSchedule"},
		Detail:    json.RawMessage(`{}`)}
}

// standardHeaders are what curl and API Gateway put in every request.
func standardHeaders(extra map[string]string) (map[string]string, map[string][]string) {
	h := map[string]string{"Accept": "application/json", "Host": host, "User-Agent": "curl/8.5.0",
		"X-Amzn-Trace-Id": "Root=1-6743ad18-5f1e2d3c4b5a69788796a5b4", "X-Forwarded-For": "203.0.113.10",
		"X-Forwarded-Port": "443", "X-Forwarded-Proto": "https"}
	for k, v := range extra {
		h[k] = v
	}
	multi := make(map[string][]string, len(h))
	for k, v := range h {
		multi[k] = []string{v}
	}
	return h, multi
}

// path fills resource's {parameters} from params.
func path(resource string, params map[string]string) string {
	for k, v := range params {
		resource = strings.ReplaceAll(resource, "{"+k+"}", v)
	}
	return resource
}

func multi(m map[string]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// requestID is a UUID-shaped id derived from the sample's name.
func requestID(name string) string {
	s := sha256.Sum256([]byte("tollgate sample " + name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

func authorizerEvent(name, method, resource string, params, query, headers map[string]string,
	cert events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	p := path(resource, params)
	h, mh := standardHeaders(headers)
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: "arn:aws:execute-api:" + Region + ":" + AccountID + ":" + APIID + "/" + Stage + "/" + method + p,
		Resource: resource, Path: p, HTTPMethod: method, Headers: h, MultiValueHeaders: mh,
		QueryStringParameters: query, MultiValueQueryStringParameters: multi(query), PathParameters: params,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path: "/" + Stage + p, AccountID: AccountID, ResourceID: "w1h2o3", Stage: Stage, RequestID: requestID(name),
			Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: "203.0.113.10", ClientCert: cert},
			ResourcePath: resource, HTTPMethod: method, APIID: APIID,
		},
	}
}

func proxyEvent(name, method, resource string, params, query, headers map[string]string, authorizer map[string]any,
	body string, now time.Time) events.APIGatewayProxyRequest {
	p := path(resource, params)
	h, mh := standardHeaders(headers)
	return events.APIGatewayProxyRequest{
		Resource: resource, Path: p, HTTPMethod: method, Headers: h, MultiValueHeaders: mh,
		QueryStringParameters: query, MultiValueQueryStringParameters: multi(query), PathParameters: params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: AccountID, ResourceID: "r3s4u5", Stage: Stage, DomainName: host, DomainPrefix: APIID,
			RequestID: requestID(name), ExtendedRequestID: "Bv7yKHvBoAMEb0Q=", Protocol: "HTTP/1.1",
			Identity:     events.APIGatewayRequestIdentity{SourceIP: "203.0.113.10", UserAgent: "curl/8.5.0"},
			ResourcePath: resource, HTTPMethod: method, RequestTime: now.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(), Path: "/" + Stage + p, Authorizer: authorizer, APIID: APIID,
		},
		Body: body,
	}
}

// clientCert is what API Gateway passes for a client certificate.
func clientCert(pemText string) events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert {
	block, _ := pem.Decode([]byte(pemText))
	x, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic("seed certificate: " + err.Error())
	}
	const layout = "Jan _2 15:04:05 2006 GMT"
	return events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert{
		ClientCertPem: pemText, SubjectDN: x.Subject.String(), IssuerDN: x.Issuer.String(), SerialNumber: x.SerialNumber.String(),
		Validity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCertValidity{
			NotBefore: x.NotBefore.UTC().Format(layout), NotAfter: x.NotAfter.UTC().Format(layout)},
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// WriteSamples writes the samples made at now under dir (events/), one
// file each, replacing those there.
func WriteSamples(dir string, now time.Time) error {
	samples, err := Samples(now)
	if err != nil {
		return err
	}
	for _, s := range samples {
		b, err := s.JSON()
		if err != nil {
			return fmt.Errorf("%s: %w", s.Path, err)
		}
		p := filepath.Join(dir, filepath.FromSlash(s.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
