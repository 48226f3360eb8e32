package devstack

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/tollgate/tollgate/shared/access"
)

// Authorizer is a Lambda REQUEST authorizer handler.
type Authorizer func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// Handler is a Lambda proxy-integration handler.
type Handler func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Limits API Gateway applies.
const (
	// maxPayload is the largest request body API Gateway accepts (10 MB).
	maxPayload = 10 << 20
	// maxMethodARN is the longest method ARN an authorizer can be given.
	maxMethodARN = 1600
	// integrationTimeout is API Gateway's default integration timeout.
	integrationTimeout = 29 * time.Second
)

// Gateway serves a REST API the way API Gateway does. Set its fields before
// the first request and do not change them afterwards.
type Gateway struct {
	Protected  []access.Route     // routes behind the authorizer
	Public     []access.Route     // routes served without it (Scope/Role ignored)
	Authorizer Authorizer         // the REQUEST authorizer of the protected routes
	Functions  map[string]Handler // keyed by Route.Function
	Stage      string             // e.g. "local"; "local" if empty

	APIID     string // API id in the method ARN; "local" if empty
	Region    string // region in the method ARN; "us-east-1" if empty
	AccountID string // account in the method ARN; "123456789012" if empty

	// Logger receives one line per request (method, resource template,
	// status, duration, request id) and the text of authorizer and function
	// failures; never header values, query strings or bodies. May be nil.
	Logger *slog.Logger

	timeout time.Duration // integration timeout; integrationTimeout if zero (tests shorten it)
	log     *slog.Logger  // Logger, or one that discards
	workers *workers      // run the invocations
	once    sync.Once
	root    *resource
}

func (g *Gateway) stage() string     { return or(g.Stage, "local") }
func (g *Gateway) apiID() string     { return or(g.APIID, "local") }
func (g *Gateway) region() string    { return or(g.Region, "us-east-1") }
func (g *Gateway) accountID() string { return or(g.AccountID, "123456789012") }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (g *Gateway) logger() *slog.Logger {
	if g.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.Logger
}

// requestLog writes one request's failures, each line with the request's
// id and method.
type requestLog struct {
	logger     *slog.Logger
	id, method string
}

// Error logs msg with attrs after the request's id and method.
func (l requestLog) Error(msg string, attrs ...slog.Attr) {
	l.logger.LogAttrs(context.Background(), slog.LevelError, msg,
		append([]slog.Attr{slog.String("requestId", l.id), slog.String("method", l.method)}, attrs...)...)
}

func (g *Gateway) build() {
	g.log = g.logger()
	g.workers = newWorkers()
	g.root = newResource("/")
	add := func(routes []access.Route, protected bool) {
		for _, r := range routes {
			if c := g.root.insert(r, protected); c != "" {
				g.logger().Warn("gateway: route conflict", slog.String("detail", c))
			}
			if _, ok := g.Functions[r.Function]; !ok {
				g.logger().Warn("gateway: route has no function",
					slog.String("method", r.Method), slog.String("resource", r.Resource), slog.String("function", r.Function))
			}
		}
	}
	add(g.Public, false)
	add(g.Protected, true)
}

// gatewayResponse is one of API Gateway's own answers.
type gatewayResponse struct {
	status    int
	body      string
	errorType string            // x-amzn-ErrorType, "" for none
	headers   map[string]string // mapped into the response, besides those
}

// API Gateway's default gateway responses.
var (
	missingToken       = gatewayResponse{http.StatusForbidden, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException", nil}
	unauthorized       = gatewayResponse{http.StatusUnauthorized, `{"message":"Unauthorized"}`, "UnauthorizedException", map[string]string{"WWW-Authenticate": access.Challenge}}
	deniedExplicitly   = gatewayResponse{http.StatusForbidden, `{"message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException", nil}
	denied             = gatewayResponse{http.StatusForbidden, `{"message":"User is not authorized to access this resource"}`, "AccessDeniedException", nil}
	authorizerFailure  = gatewayResponse{http.StatusInternalServerError, `{"message":null}`, "AuthorizerConfigurationException", nil}
	integrationFailure = gatewayResponse{http.StatusBadGateway, `{"message": "Internal server error"}`, "InternalServerErrorException", nil}
	integrationTimeOut = gatewayResponse{http.StatusGatewayTimeout, `{"message": "Endpoint request timed out"}`, "", nil}
	tooLarge           = gatewayResponse{http.StatusRequestEntityTooLarge, `{"message":"Request Too Long"}`, "", nil}
	uriTooLong         = gatewayResponse{http.StatusRequestURITooLong, `{"message":"Request-URI Too Long"}`, "", nil}
	badRequest         = gatewayResponse{http.StatusBadRequest, `{"message":"Bad Request"}`, "", nil}
)

func (gr gatewayResponse) write(w http.ResponseWriter) int {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if gr.errorType != "" {
		h.Set("x-amzn-ErrorType", gr.errorType)
	}
	for k, v := range gr.headers {
		h.Set(k, v)
	}
	w.WriteHeader(gr.status)
	_, _ = io.WriteString(w, gr.body)
	return gr.status
}

// ServeHTTP routes r, runs the authorizer for a protected route, and calls
// the route's function with the event API Gateway would send it.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	g.once.Do(g.build)
	id := newRequestID()
	w.Header().Set("x-amzn-RequestId", id) // sent canonicalized, as X-Amzn-Requestid
	status, resource := g.serve(w, r, id, start, requestLog{g.log, id, r.Method})
	g.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("requestId", id),
		slog.String("method", r.Method),
		slog.String("resource", resource),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)))
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, id string, start time.Time, log requestLog) (status int, resourcePath string) {
	if r.ContentLength > maxPayload || requestHeadSize(r) > maxRequestHead {
		return tooLarge.write(w), ""
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, maxPayload+1)); err != nil {
			return badRequest.write(w), ""
		}
	}
	if len(body) > maxPayload {
		return tooLarge.write(w), ""
	}

	res, params, ok := g.root.match(r.URL.EscapedPath())
	if !ok {
		return missingToken.write(w), ""
	}
	m, ok := res.lookup(r.Method)
	if !ok {
		return missingToken.write(w), res.path
	}

	q := g.newRequest(r, body, res, params, id, start)

	var authorizer map[string]any
	if m.protected {
		var gr *gatewayResponse
		authorizer, gr = g.authorize(q, log)
		if gr != nil {
			return gr.write(w), res.path
		}
	}

	fn := g.Functions[m.route.Function]
	if fn == nil {
		log.Error("gateway: no function for route", slog.String("function", m.route.Function), slog.String("resource", res.path))
		return integrationFailure.write(w), res.path
	}
	resp, out := invoke(g, m.route.Function, fn, g.proxyEvent(q, authorizer))
	switch {
	case out.timedOut:
		log.Error("gateway: function timed out", slog.String("function", m.route.Function))
		return integrationTimeOut.write(w), res.path
	case out.failed:
		log.Error("gateway: function failed", slog.String("function", m.route.Function),
			slog.String("error", out.message), slog.Bool("panic", out.panicked))
		return integrationFailure.write(w), res.path
	}
	status, err := writeProxyResponse(w, resp)
	if err != nil {
		log.Error("gateway: malformed function response", slog.String("function", m.route.Function), slog.String("error", err.Error()))
		return integrationFailure.write(w), res.path
	}
	return status, res.path
}

// newRequest is what API Gateway knows of r, with body, matched to res
// with path parameters params, before it calls anything.
func (g *Gateway) newRequest(r *http.Request, body []byte, res *resource, params map[string]string, id string, start time.Time) *request {
	ip := sourceIP(r.RemoteAddr)
	// Every string and map in q is as the functions get it through JSON
	// (wire.go), made once here and shared by both events, except
	// methodARN: the gateway matches the policy against the raw one.
	q := &request{
		id:         id,
		extendedID: newExtendedID(),
		method:     wire(r.Method),
		resource:   res.path,
		resourceID: res.id,
		path:       wire(r.URL.Path),
		pathParams: wireStrings(params),
		sourceIP:   wire(ip),
		userAgent:  wire(r.UserAgent()),
		cert:       wireCert(certificateOf(r.TLS)),
		methodARN:  g.methodARN(r.Method, r.URL.Path),
		protocol:   wire(r.Proto),
		received:   start,
	}
	q.headers, q.multiHeaders = headerMaps(r, ip)
	query, multiQuery := queryMaps(r.URL.RawQuery)
	q.query, q.multiQuery = wireStrings(query), wireLists(multiQuery)
	domain, prefix := domainOf(r.Host)
	q.domain, q.prefix = wire(domain), wire(prefix)
	if len(body) > 0 {
		if utf8.Valid(body) {
			q.body = string(body)
		} else {
			q.body, q.isBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return q
}

// authorize runs the authorizer and evaluates its policy. It returns the
// requestContext.authorizer map on Allow, else the gateway response to send.
func (g *Gateway) authorize(q *request, log requestLog) (map[string]any, *gatewayResponse) {
	if len(q.methodARN) > maxMethodARN {
		return nil, &uriTooLong
	}
	if g.Authorizer == nil {
		log.Error("gateway: protected route without an authorizer")
		return nil, &authorizerFailure
	}
	ev := g.authorizerEvent(q)
	began := time.Now()
	resp, out := invoke(g, "authorizer", g.Authorizer, ev)
	latency := time.Since(began)
	switch {
	case out.timedOut:
		log.Error("gateway: authorizer timed out")
		return nil, &authorizerFailure
	case out.failed && out.message == "Unauthorized":
		return nil, &unauthorized
	case out.failed:
		log.Error("gateway: authorizer failed", slog.String("error", out.message), slog.Bool("panic", out.panicked))
		return nil, &authorizerFailure
	}
	ctx, err := authorizerContext(resp)
	if err != nil {
		log.Error("gateway: authorizer response refused", slog.String("error", err.Error()))
		return nil, &authorizerFailure
	}
	d, err := evaluate(resp.PolicyDocument, q.methodARN)
	if err != nil {
		log.Error("gateway: authorizer response refused", slog.String("error", err.Error()))
		return nil, &authorizerFailure
	}
	if d != allowed {
		return nil, accessDenied(d, ctx)
	}
	ctx["integrationLatency"] = float64(latency.Milliseconds()) // a JSON number, as the function gets it
	return ctx, nil
}

// outcome is how a Lambda invocation ended.
type outcome struct {
	failed   bool   // it returned an error or panicked
	panicked bool   // it panicked
	message  string // the Lambda errorMessage: err.Error() or the panic value
	timedOut bool   // it did not answer within the integration timeout
}

// invoke calls fn as the Lambda runtime would: with a deadline and a
// lambdacontext, recovering a panic into an error whose message is the
// panic value. After the timeout the call is abandoned (its context is
// cancelled) and counts as timed out.
func invoke[In, Out any](g *Gateway, function string, fn func(context.Context, In) (Out, error), in In) (Out, outcome) {
	timeout := g.timeout
	if timeout <= 0 {
		timeout = integrationTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       newRequestID(),
		InvokedFunctionArn: "arn:aws:lambda:" + g.region() + ":" + g.accountID() + ":function:" + function,
	})
	type result struct {
		out Out
		outcome
	}
	done := make(chan result, 1)
	g.workers.run(func() {
		var res result
		defer func() {
			if v := recover(); v != nil {
				res = result{outcome: outcome{failed: true, panicked: true, message: fmt.Sprintf("%v", v)}}
			}
			done <- res
		}()
		out, err := fn(ctx, in)
		if err != nil {
			res.outcome = outcome{failed: true, message: err.Error()}
			return
		}
		res.out = out
	})
	select {
	case res := <-done:
		return res.out, res.outcome
	case <-ctx.Done():
		var zero Out
		return zero, outcome{timedOut: true}
	}
}
