package devstack

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// clientCert is the mTLS client certificate as API Gateway describes it.
type clientCert = events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert

// request is what API Gateway knows about an incoming request before it
// calls anything: the parts shared by the authorizer and the proxy events.
type request struct {
	id, extendedID  string
	method          string
	resource        string // template
	resourceID      string
	path            string // decoded request path
	headers         map[string]string
	multiHeaders    map[string][]string
	query           map[string]string
	multiQuery      map[string][]string
	pathParams      map[string]string
	sourceIP        string
	userAgent       string
	cert            *clientCert
	methodARN       string
	domain, prefix  string
	protocol        string
	received        time.Time
	body            string
	isBase64Encoded bool
}

// authorizerEvent is the REQUEST authorizer's input: its own copy of q's
// maps, which hold their strings as through JSON already (newRequest).
func (g *Gateway) authorizerEvent(q *request) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	id := events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: q.sourceIP}
	if q.cert != nil {
		id.ClientCert = *q.cert
	}
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       wire(q.methodARN),
		Resource:                        q.resource,
		Path:                            q.path,
		HTTPMethod:                      q.method,
		Headers:                         maps.Clone(q.headers),
		MultiValueHeaders:               cloneLists(q.multiHeaders),
		QueryStringParameters:           maps.Clone(q.query),
		MultiValueQueryStringParameters: cloneLists(q.multiQuery),
		PathParameters:                  maps.Clone(q.pathParams),
		StageVariables:                  nil,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path:         q.path, // as typed: see proxyEvent
			AccountID:    wire(g.accountID()),
			ResourceID:   q.resourceID,
			Stage:        wire(g.stage()),
			RequestID:    q.id,
			Identity:     id,
			ResourcePath: q.resource,
			HTTPMethod:   q.method,
			APIID:        wire(g.apiID()),
		},
	}
}

// proxyEvent is the Lambda proxy integration's input, made after the
// authorizer ran on its own copies: it takes q's maps, which hold their
// strings as through JSON already (newRequest). authorizer, the context the
// gateway made of the authorizer's answer (as through JSON too), is nil
// for a public route.
func (g *Gateway) proxyEvent(q *request, authorizer map[string]any) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		Resource:                        q.resource,
		Path:                            q.path,
		HTTPMethod:                      q.method,
		Headers:                         q.headers,
		MultiValueHeaders:               q.multiHeaders,
		QueryStringParameters:           q.query,
		MultiValueQueryStringParameters: q.multiQuery,
		PathParameters:                  q.pathParams,
		StageVariables:                  nil,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         wire(g.accountID()),
			ResourceID:        q.resourceID,
			Stage:             wire(g.stage()),
			DomainName:        q.domain,
			DomainPrefix:      q.prefix,
			RequestID:         q.id,
			ExtendedRequestID: q.extendedID,
			Protocol:          q.protocol,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:   q.sourceIP,
				UserAgent:  q.userAgent,
				ClientCert: cloneCert(q.cert),
			},
			ResourcePath: q.resource,
			// The path as the client typed it: the gateway serves the API at
			// its root, as API Gateway does behind a custom domain mapped
			// with an empty base path, whose requestContext.path holds no
			// stage (on the execute-api endpoint it would be /<stage>/...,
			// where clients type it too). DPoP's htu is checked against it.
			Path:             q.path,
			Authorizer:       authorizer,
			HTTPMethod:       q.method,
			RequestTime:      q.received.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: q.received.UnixMilli(),
			APIID:            wire(g.apiID()),
		},
		Body:            q.body,
		IsBase64Encoded: q.isBase64Encoded,
	}
}

// cloneCert is a copy of c; nil for none.
func cloneCert(c *clientCert) *clientCert {
	if c == nil {
		return nil
	}
	out := *c
	return &out
}

// wireCert is a fresh copy of c as it arrives through JSON; nil for none.
func wireCert(c *clientCert) *clientCert {
	if c == nil {
		return nil
	}
	out := &clientCert{ClientCertPem: wire(c.ClientCertPem), IssuerDN: wire(c.IssuerDN),
		SerialNumber: wire(c.SerialNumber), SubjectDN: wire(c.SubjectDN)}
	out.Validity.NotBefore, out.Validity.NotAfter = wire(c.Validity.NotBefore), wire(c.Validity.NotAfter)
	return out
}

// headerMaps builds headers and multiValueHeaders, their strings as through
// JSON (wire.go). Go has canonicalized the
// names and moved Host out of the map; API Gateway adds the X-Forwarded-*
// headers and a trace id. For a repeated header the single-value map keeps
// the last value.
func headerMaps(r *http.Request, sourceIP string) (map[string]string, map[string][]string) {
	multi := make(map[string][]string, len(r.Header)+5)
	for k, vs := range r.Header {
		multi[wire(k)] = wireList(vs) // net/http admits only token names: k is ASCII
	}
	if r.Host != "" {
		multi["Host"] = []string{wire(r.Host)}
	}
	xff := strings.Join(r.Header.Values("X-Forwarded-For"), ", ")
	if xff != "" {
		xff += ", "
	}
	multi["X-Forwarded-For"] = []string{wire(xff + sourceIP)}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			port = p
		}
	}
	multi["X-Forwarded-Proto"] = []string{proto}
	multi["X-Forwarded-Port"] = []string{port}
	if _, ok := multi["X-Amzn-Trace-Id"]; !ok {
		multi["X-Amzn-Trace-Id"] = []string{traceID()}
	}
	single := make(map[string]string, len(multi))
	for k, vs := range multi {
		if len(vs) > 0 {
			single[k] = vs[len(vs)-1]
		}
	}
	return single, multi
}

// queryMaps builds queryStringParameters and
// multiValueQueryStringParameters: nil when there are none, the last value
// for a repeated name in the single-value map. A name or value that is not
// valid percent-encoding is passed as sent.
func queryMaps(rawQuery string) (map[string]string, map[string][]string) {
	var single map[string]string
	var multi map[string][]string
	for _, pair := range strings.Split(rawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if single == nil {
			single, multi = map[string]string{}, map[string][]string{}
		}
		single[k] = v
		multi[k] = append(multi[k], v)
	}
	return single, multi
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// sourceIP is the client's address without the port.
func sourceIP(remoteAddr string) string {
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return h
	}
	return remoteAddr
}

// certificateOf describes the leaf client certificate the way API Gateway
// mutual TLS does, or returns nil when the client presented none.
func certificateOf(cs *tls.ConnectionState) *clientCert {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return nil
	}
	leaf := cs.PeerCertificates[0]
	const validity = "Jan _2 15:04:05 2006 GMT"
	c := &clientCert{
		ClientCertPem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})),
		SubjectDN:     distinguishedName(leaf.RawSubject),
		IssuerDN:      distinguishedName(leaf.RawIssuer),
		SerialNumber:  leaf.SerialNumber.String(),
	}
	c.Validity.NotBefore = leaf.NotBefore.UTC().Format(validity)
	c.Validity.NotAfter = leaf.NotAfter.UTC().Format(validity)
	return c
}

// distinguishedName renders a DER name in certificate order
// ("C=US,O=Example,CN=client"), as API Gateway does, which is the reverse
// of RFC 4514's order.
func distinguishedName(der []byte) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) > 0 {
		return ""
	}
	rev := make(pkix.RDNSequence, len(seq))
	for i, rdn := range seq {
		rev[len(seq)-1-i] = rdn
	}
	return rev.String() // String prints in reverse, so this is certificate order
}

// domainOf splits the Host header into domainName and domainPrefix.
func domainOf(host string) (string, string) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return host, prefix
}

// resourceID is a stable six-character id for a resource template, shaped
// like API Gateway's.
func resourceID(template string) string {
	sum := sha256.Sum256([]byte(template))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(b)
}

// The ids below are random but no secrets (nothing relies on guessing
// one being hard), so they come from math/rand/v2's per-thread generator,
// which costs no system call and takes no lock.

// newRequestID is a random UUID (version 4), like API Gateway's request ids.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newExtendedID is shaped like API Gateway's extendedRequestId.
func newExtendedID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return base64.StdEncoding.EncodeToString(b[:11])
}

func traceID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return "Root=1-" + strconv.FormatInt(time.Now().Unix(), 16) + "-" + hex.EncodeToString(b[:12])
}

// methodARN is the execute-api ARN of this call.
func (g *Gateway) methodARN(httpMethod, path string) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s",
		g.region(), g.accountID(), g.apiID(), g.stage(), httpMethod, strings.TrimPrefix(path, "/"))
}
