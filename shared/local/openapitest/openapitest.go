package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/tollgate/tollgate/docs"
)

// Spec is docs/openapi.yaml, parsed, with a validator of exchanges.
type Spec struct {
	Model     *v3.Document
	Document  libopenapi.Document
	opts      *config.ValidationOptions
	mu        sync.Mutex // one check at a time: the validator's caches are not documented as safe to share
	validator validator.Validator
}

// options are the validator's: formats (date-time, uri) asserted, and form
// bodies (/oauth/*) decoded and checked like JSON ones.
func options() []config.Option {
	return []config.Option{config.WithFormatAssertions(), config.WithURLEncodedBodyValidation()}
}

var load = sync.OnceValues(func() (*Spec, error) {
	doc, err := libopenapi.NewDocument(docs.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml: building the model: %w", err)
	}
	v, errs := validator.NewValidator(doc, options()...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("docs/openapi.yaml: building the validator: %w", joinErrors(errs))
	}
	return &Spec{Model: &model.Model, Document: doc, opts: config.NewValidationOptions(options()...), validator: v}, nil
})

func joinErrors(errs []error) error {
	var b strings.Builder
	for i, err := range errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return fmt.Errorf("%s", b.String())
}

// Load returns the document, parsed once per test binary; a document that
// does not parse fails t.
func Load(t testing.TB) *Spec {
	t.Helper()
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ValidateDocument checks the document against the OpenAPI 3.1 schema.
func (s *Spec) ValidateDocument() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, errs := s.validator.ValidateDocument()
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, describe(e))
	}
	return out
}

// Observe returns h checking every exchange against the document; at the
// end of t (after the servers using it have closed) each violation fails
// t. Checks run on one goroutine of their own, after the answer was
// written, so they neither delay nor reorder the requests under test.
func Observe(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	o := &observer{spec: Load(t), next: h, queue: make(chan exchange, 256), done: make(chan struct{})}
	go o.work()
	t.Cleanup(func() {
		o.mu.Lock()
		o.closed = true
		close(o.queue)
		o.mu.Unlock()
		<-o.done
		for _, v := range o.violations {
			t.Errorf("openapi: %s", v)
		}
		if o.dropped > 0 {
			t.Errorf("openapi: %d more violations", o.dropped)
		}
	})
	return o
}

// maxViolations caps what one test reports.
const maxViolations = 20

type observer struct {
	spec  *Spec
	next  http.Handler
	queue chan exchange
	done  chan struct{}

	mu     sync.Mutex // guards closed and sends on queue
	closed bool

	seen       map[string]bool // written by work only, read after done
	violations []string
	dropped    int
}

// exchange is one request and its answer, as sent and received.
type exchange struct {
	method, target, host string
	reqHeader            http.Header
	reqBody              []byte
	status               int
	respHeader           http.Header
	respBody             []byte
}

func (o *observer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody { // the handler sees no body as it would have
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec := &recorder{ResponseWriter: w}
	o.next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
		rec.header = w.Header().Clone()
	}
	x := exchange{method: r.Method, target: r.URL.RequestURI(), host: r.Host, reqHeader: r.Header.Clone(), reqBody: body,
		status: rec.status, respHeader: rec.header, respBody: rec.body.Bytes()}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.queue <- x
	}
}

func (o *observer) work() {
	defer close(o.done)
	o.seen = map[string]bool{}
	for x := range o.queue {
		for _, v := range o.spec.Check(x.request(), x.response()) {
			if o.seen[v] {
				continue
			}
			o.seen[v] = true
			if len(o.violations) < maxViolations {
				o.violations = append(o.violations, v)
			} else {
				o.dropped++
			}
		}
	}
}

// recorder passes the answer on and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status, r.header = status, r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (x exchange) request() *http.Request {
	u, _ := url.ParseRequestURI(x.target)
	r := &http.Request{Method: x.method, URL: u, Host: x.host, Header: x.reqHeader.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Body: io.NopCloser(bytes.NewReader(x.reqBody)), ContentLength: int64(len(x.reqBody))}
	return r
}

func (x exchange) response() *http.Response {
	return &http.Response{StatusCode: x.status, Header: x.respHeader.Clone(), Body: io.NopCloser(bytes.NewReader(x.respBody)),
		ContentLength: int64(len(x.respBody))}
}

// missingToken is API Gateway's answer to a route it does not serve.
const missingToken = `{"message":"Missing Authentication Token"}`

// Check validates one exchange: the route must be documented (unless the
// server refused it as unrouted too), the response must match its
// operation, and a request answered 2xx must match it too. Each violation
// is "METHOD /path → status: reason", with the exchange's secrets redacted.
func (s *Spec) Check(req *http.Request, resp *http.Response) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	respBody, _ := io.ReadAll(resp.Body)
	reqBody, _ := io.ReadAll(req.Body)
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	red := newRedactor(req, reqBody, respBody)
	where := fmt.Sprintf("%s %s → %d", req.Method, req.URL.Path, resp.StatusCode)
	var out []string
	add := func(reason string) { out = append(out, where+": "+red.redact(reason)) }

	op, documented := s.operation(req)
	if !documented {
		if resp.StatusCode != http.StatusForbidden || strings.TrimSpace(string(respBody)) != missingToken {
			add("the route is served but not documented")
		}
		return out
	}
	resp.Request = req
	if _, errs := s.validator.ValidateHttpResponse(req, resp); len(errs) > 0 {
		for _, e := range errs {
			add(describe(e))
		}
	}
	if code := op.Responses.Codes.GetOrZero(fmt.Sprint(resp.StatusCode)); code != nil && (code.Content == nil || code.Content.Len() == 0) && len(respBody) > 0 {
		add("the answer has a body, but the document gives this status none")
	}
	if len(respBody) > 0 && resp.Header.Get("Content-Type") == "" {
		add("the answer has a body without a Content-Type")
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		if _, errs := s.validator.ValidateHttpRequestSync(req); len(errs) > 0 {
			for _, e := range errs {
				add("request: " + describe(e))
			}
		}
	}
	return out
}

// operation finds req's documented operation.
func (s *Spec) operation(req *http.Request) (*v3.Operation, bool) {
	item, errs, _ := paths.FindPath(req, s.Model, s.opts)
	if item == nil || len(errs) > 0 {
		return nil, false
	}
	op := item.GetOperations().GetOrZero(strings.ToLower(req.Method))
	return op, op != nil
}

// describe is a validation error as one line: the message, the reason and
// each schema failure's place and reason.
func describe(e *verrors.ValidationError) string {
	parts := []string{e.Message}
	if e.Reason != "" && e.Reason != e.Message {
		parts = append(parts, e.Reason)
	}
	for _, f := range e.SchemaValidationErrors {
		where := f.FieldPath
		if where == "" {
			where = f.KeywordLocation
		}
		parts = append(parts, strings.TrimSpace(where+" "+f.Reason))
	}
	return strings.Join(parts, "; ")
}

// redactor replaces every secret an exchange carried.
type redactor struct{ secrets []string }

// secretHeaders carry credentials or signatures.
var secretHeaders = []string{"Authorization", "X-Api-Key", "Dpop", "Cookie", "Github-Public-Key-Signature"}

// plainParams are the form parameters that never carry a secret.
var plainParams = []string{"grant_type", "token_type_hint", "subject_token_type", "client_assertion_type", "scope"}

// shapes are secrets by their look, in case one was not seen on the way.
var shapes = regexp.MustCompile(`(?:[A-Za-z0-9]+_)?tg[krc]_[0-9A-Za-z]+|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*|SharedAccessSignature [^\s"',;]+|[A-Za-z0-9+/]{40,}==`)

// identifier is the shape of a record's id (usr_…, key_…): never a secret.
var identifier = regexp.MustCompile(`^[a-z]{3}_[0-9A-Za-z]{17}$`)

// minSecret is the shortest string treated as a possible secret.
const minSecret = 8

func newRedactor(req *http.Request, reqBody, respBody []byte) *redactor {
	r := &redactor{}
	keep := func(s string) {
		if len(s) >= minSecret {
			r.secrets = append(r.secrets, s)
		}
	}
	for _, name := range secretHeaders {
		for _, v := range req.Header.Values(name) {
			keep(v)
			for f := range strings.FieldsSeq(v) {
				keep(f)
			}
		}
	}
	for _, vs := range req.URL.Query() {
		for _, v := range vs {
			keep(v)
		}
	}
	if form, err := url.ParseQuery(string(reqBody)); err == nil {
		for name, vs := range form {
			for _, v := range vs {
				if !slices.Contains(plainParams, name) {
					keep(v)
				}
			}
		}
	}
	for _, body := range [][]byte{reqBody, respBody} {
		var v any
		if json.Unmarshal(body, &v) == nil {
			leaves(v, func(s string) {
				if !identifier.MatchString(s) {
					keep(s)
				}
			})
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) }) // longest first
	return r
}

func leaves(v any, keep func(string)) {
	switch v := v.(type) {
	case string:
		keep(v)
	case []any:
		for _, e := range v {
			leaves(e, keep)
		}
	case map[string]any:
		for _, e := range v {
			leaves(e, keep)
		}
	}
}

func (r *redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return shapes.ReplaceAllString(s, "[redacted]")
}
