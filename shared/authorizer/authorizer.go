package authorizer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/user"
)

// Store is what the authorizer reads (and the one write it makes).
type Store interface {
	GetKeyByHash(ctx context.Context, projectID string, h secret.Hash) (apikey.Key, error)
	GetKey(ctx context.Context, projectID, keyID string) (apikey.Key, error)
	GetUser(ctx context.Context, projectID, userID string) (user.User, error)
	GetSession(ctx context.Context, projectID, id string) (credential.Session, error)
	GetSAS(ctx context.Context, projectID, identifier string) (sas.Sealed, error)
	GetCertificate(ctx context.Context, projectID, thumbprint string) (certbind.Binding, error)
	TouchKey(ctx context.Context, projectID, keyID string, at time.Time, minInterval time.Duration) error
	dpop.Recorder // spends DPoP proofs' jti
	meter.Store   // leases of rate-limit counts and quota credits
	AddUsage(ctx context.Context, projectID, credentialID string, hour time.Time, authorized, refused int64) error
	// RecordMeterEvent stores e unless its credential has an event of its
	// type in its minute already (false).
	RecordMeterEvent(ctx context.Context, projectID string, e meter.Event) (bool, error)
}

// ErrUnauthorized is the error API Gateway turns into 401: its text must
// be exactly "Unauthorized".
var ErrUnauthorized = errors.New("Unauthorized")

// Options configure an Authorizer.
type Options struct {
	ProjectID    string
	CacheTTL     time.Duration // at most the revocation bound
	StoreTimeout time.Duration
	QueryTokens  bool
	Routes       *access.Table
	Verifier     *accesstoken.Verifier // nil: JWTs are not accepted
	// Keys, when set, gives the Verifier its keys on the first JWT rather
	// than at start (a KMS read): until a read succeeds, a JWT's request
	// fails (500) and the next one reads again.
	Keys   KeySource
	Sealer sas.Sealer // opens SAS keys; nil: SAS is not accepted
	Clock  clock.Clock
	Logger *slog.Logger
}

// KeySource gives the keys that verify JWTs: an *accesstoken.Keyring, or
// an *accesstoken.KMSKeyring that reads them on first use.
type KeySource interface {
	Keyring(ctx context.Context) (*accesstoken.Keyring, error)
}

// Configured is the options a deployment's settings give, with the keys
// that verify JWTs, the sealer of SAS keys, the clock and the logger.
func Configured(cfg config.Config, keys KeySource, sealer sas.Sealer, clk clock.Clock, logger *slog.Logger) Options {
	return Options{
		ProjectID: cfg.ProjectID, CacheTTL: cfg.CacheTTL(), StoreTimeout: cfg.StoreTimeout, QueryTokens: cfg.QueryTokens,
		Routes: access.NewTable(access.Routes), Clock: clk, Logger: logger, Sealer: sealer, Keys: keys,
		Verifier: &accesstoken.Verifier{Issuer: cfg.Issuer, Audience: cfg.Audience, Clock: clk},
	}
}

// Inspecting is the options of an Authorizer that inspects tokens for the
// token function (introspection, token exchange): Configured's, its JWT
// verifier also accepting the exchange audiences.
func Inspecting(cfg config.Config, keys *accesstoken.Keyring, sealer sas.Sealer, clk clock.Clock, logger *slog.Logger) Options {
	o := Configured(cfg, keys, sealer, clk, logger)
	o.Verifier.Audiences = cfg.ExchangeAudiences
	return o
}

// Authorizer decides API Gateway REQUEST authorizer events.
type Authorizer struct {
	opt     Options
	store   Store
	methods [kinds]method // by the kind of credential presented
	caches
	meter   *meter.Meter
	events  meter.Once // events tried, once a minute per credential and type
	touchMu sync.Mutex
	touched map[string]time.Time
	pending sync.WaitGroup // background writes (lastUsedAt, usage counts, events) under way
	panics  atomic.Int64   // background writes that panicked (recovered)

	refusals sampler       // holds back their log lines past RefusalLinesPerSecond
	proofs   dpop.Verifier // DPoP proofs, their headers read once per key

	keyed atomic.Pointer[accesstoken.Verifier] // the Verifier with Keys' keys, once read
}

// method is one kind of credential (apikey.go, jwt.go, sas.go,
// certificate.go): how its form is checked before any store read, and how
// a decision on it is made when none is cached.
type method interface {
	// parse checks p's form before any store read (a reason when it is
	// malformed) and returns p as its decision is cached and made.
	parse(p presented) (presented, string)
	// decide reads what a decision on p needs and returns it (a nil
	// principal refuses p) with the time of its oldest read.
	decide(ctx context.Context, p presented, h secret.Hash, now time.Time) (*decision, time.Time, error)
}

// decision is a cached answer for one credential: nil principal means the
// credential is unknown (negative caching).
type decision struct {
	principal *access.Principal
	expiresAt *time.Time // the credential's own expiry
	issuedAt  *time.Time // a JWT's iat, an API key's creation
	audience  string     // a JWT's aud (the one the Verifier accepted)
	clientID  string     // a JWT's client_id
	keyID     string
	prefix    string      // the ARN prefix the response was built for
	cnf       string      // a JWT's x5t#S256 confirmation: the certificate it is bound to
	jkt       string      // a JWT's jkt confirmation: the DPoP key it is bound to
	plan      *meter.Plan // what an authorized request spends; nil: nothing
	response  events.APIGatewayCustomAuthorizerResponse
}

// verifier is the Verifier of JWTs: the Options', with the keys of Keys
// when set, read on the first call and again after a failed read.
func (a *Authorizer) verifier(ctx context.Context) (*accesstoken.Verifier, error) {
	if a.opt.Keys == nil || a.opt.Verifier == nil {
		return a.opt.Verifier, nil
	}
	if v := a.keyed.Load(); v != nil {
		return v, nil
	}
	ring, err := a.opt.Keys.Keyring(ctx)
	if err != nil {
		return nil, fmt.Errorf("authorizer: reading the JWT signing keys: %w", err)
	}
	v := *a.opt.Verifier
	v.Keys = ring
	a.keyed.Store(&v)
	return &v, nil
}

// New returns an Authorizer reading from s.
func New(s Store, opt Options) *Authorizer {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Authorizer{opt: opt, store: s, caches: newCaches(s, opt), touched: map[string]time.Time{},
		meter: meter.New(s, opt.ProjectID, opt.CacheTTL, opt.StoreTimeout)}
	a.methods = [kinds]method{kindAPIKey: apiKeys{a}, kindJWT: jwts{a}, kindSAS: sasTokens{a}, kindCert: certificates{a}}
	return a
}

// Handle is the Lambda handler: it finds and checks the presented
// credential, takes the decision on it from the cache or makes it, then
// applies what a cached decision cannot know (the credential's own expiry,
// a certificate-bound token's certificate, a DPoP-bound token's proof, the
// route).
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	none := events.APIGatewayCustomAuthorizerResponse{}
	p, reason := a.present(&req)
	if reason != "" {
		return none, a.deny(reason, "", &req)
	}
	prefix, ok := access.ARNPrefix(req.MethodArn)
	if !ok {
		return none, fmt.Errorf("authorizer: unexpected methodArn")
	}
	now := a.opt.Clock.Now()
	d, h, err := a.decisionOn(ctx, p, prefix, now)
	if err != nil {
		return none, err
	}
	if d.principal == nil {
		return none, a.denyPresented("unknown, invalid, revoked or orphaned credential", p, &req)
	}
	if d.cnf != "" {
		// A certificate-bound token counts only over mutual TLS with that
		// very certificate, still bound to the token's owner.
		ok, err := a.confirmed(ctx, req.RequestContext.Identity.ClientCert.ClientCertPem, d.cnf, d.principal.ID, now)
		if err != nil {
			return none, err
		}
		if !ok {
			return none, a.deny("certificate-bound token without its certificate", d.principal.CredentialID, &req)
		}
	}
	if d.expiresAt != nil && !now.Before(*d.expiresAt) {
		return none, a.deny("expired credential", d.principal.CredentialID, &req)
	}
	if d.jkt != "" || p.proof != "" {
		if reason, err := a.proved(ctx, p, h, d.jkt, &req, now); reason != "" || err != nil {
			if err != nil {
				return none, err
			}
			return none, a.deny(reason, d.principal.CredentialID, &req)
		}
	}
	if d.keyID != "" {
		a.touch(ctx, d.keyID, now)
	}
	if route, ok := a.opt.Routes.Lookup(req.HTTPMethod, req.Resource); !ok || !route.Permits(*d.principal) {
		a.opt.Logger.Info("authorizer: missing scope", "credentialId", d.principal.CredentialID,
			"method", req.HTTPMethod, "resource", req.Resource)
		if d.plan != nil {
			a.record(ctx, d.plan.Credential, now, false)
		}
		return refusal(*d.principal, a.routes(prefix, *d.principal), req.MethodArn, nil), nil
	}
	if d.plan != nil {
		if over := a.spend(ctx, d.plan, d.principal.CredentialType, now); over != nil {
			return refusal(*d.principal, a.routes(prefix, *d.principal), req.MethodArn, over), nil
		}
	}
	if d.prefix != prefix {
		return response(*d.principal, a.routes(prefix, *d.principal), ""), nil
	}
	return d.response, nil
}

// present finds the one credential req presents and checks its form,
// before any store read; a reason when it is refused.
func (a *Authorizer) present(req *events.APIGatewayCustomAuthorizerRequestTypeRequest) (presented, string) {
	k, tok, dpopScheme, n := a.find(req)
	pem := req.RequestContext.Identity.ClientCert.ClientCertPem
	switch {
	case n == 0 && pem != "":
		k, tok = kindCert, pem // mutual TLS alone: the certificate is the credential
	case n != 1:
		return presented{}, "no single credential presented"
	}
	p := presented{kind: k, token: tok}
	if dpopScheme {
		proof, ok := proofOf(req)
		if !ok {
			return presented{}, "DPoP scheme without exactly one DPoP header"
		}
		p.proof = proof
	}
	return a.methods[k].parse(p)
}

// decisionOn is the decision on p at now, cached or made (decide), and
// p's SHA-256, which it is cached under.
func (a *Authorizer) decisionOn(ctx context.Context, p presented, prefix string, now time.Time) (*decision, secret.Hash, error) {
	h := secret.Sum(p.token)
	if d, ok := a.decisions.get(h, now); ok {
		return d, h, nil
	}
	d, err := a.decide(ctx, p, h, prefix, now)
	return d, h, err
}

// decide makes the decision on p, which is not cached, within the store
// timeout, and caches it for no longer than its oldest read allows.
func (a *Authorizer) decide(ctx context.Context, p presented, h secret.Hash, prefix string, now time.Time) (*decision, error) {
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	d, fetched, err := a.methods[p.kind].decide(sctx, p, h, now)
	if err != nil {
		return nil, err
	}
	if d.principal != nil && prefix != "" { // "": Inspect, no request
		d.prefix = prefix
		d.response = response(*d.principal, a.routes(prefix, *d.principal), "")
	}
	a.decisions.put(h, d, now, fetched.Add(a.opt.CacheTTL))
	return d, nil
}

// plan is what a request by credentialID spends, nil if nothing: one
// count of the credential's own limits and of its owner's rate limit.
func plan(credentialID string, l meter.Limits, owner *user.User) *meter.Plan {
	p := &meter.Plan{Credential: credentialID, Rate: l.Rate, Quota: l.Quota, Owner: owner.ID, OwnerRate: owner.RateLimit}
	if !p.Metered() {
		return nil
	}
	return p
}

// principal is the one place a credential becomes a principal: the
// credential of type t and id credentialID, granted grant (nil: inherits),
// holds what its owner's current roles and scopes allow that grant.
func (a *Authorizer) principal(t credential.Type, credentialID string, grant scope.Set, owner *user.User) *access.Principal {
	return &access.Principal{ProjectID: a.opt.ProjectID, ID: owner.ID, CredentialType: t, CredentialID: credentialID,
		Scopes: owner.ScopesFor(grant), Admin: owner.IsAdmin()}
}

// owner reads the user userID through the owner cache: nil when there is
// none or it is disabled. It returns the older of fetched (the decision's
// reads so far) and the owner's own read.
func (a *Authorizer) owner(ctx context.Context, userID string, now, fetched time.Time) (*user.User, time.Time, error) {
	e, err := a.owners.load(ctx, userID, now)
	if err != nil {
		return nil, fetched, err
	}
	if e.fetched.Before(fetched) {
		fetched = e.fetched
	}
	if e.val == nil || e.val.Disabled {
		return nil, fetched, nil
	}
	return e.val, fetched, nil
}

// deny logs why a request is refused, naming the credential by who (its id,
// or nothing), and returns ErrUnauthorized: see refuse.
func (a *Authorizer) deny(reason, who string, req *events.APIGatewayCustomAuthorizerRequestTypeRequest) error {
	return a.refuse(reason, who, nil, req)
}

// denyPresented is deny naming the credential by the hint of p, which is
// built only if the line is logged.
func (a *Authorizer) denyPresented(reason string, p presented, req *events.APIGatewayCustomAuthorizerRequestTypeRequest) error {
	return a.refuse(reason, "", &p, req)
}

// refuse logs why req is refused, naming the credential by id or hint only
// (the hint of p when set, else who), and returns ErrUnauthorized. The line
// is sampled per reason, and a refusal whose line is held back allocates
// nothing.
func (a *Authorizer) refuse(reason, who string, p *presented, req *events.APIGatewayCustomAuthorizerRequestTypeRequest) error {
	a.logRefusal(reason, "authorizer: unauthorized", func() []slog.Attr {
		if p != nil {
			who = p.hint()
		}
		return []slog.Attr{slog.String("reason", reason), slog.String("credential", who),
			slog.String("method", req.HTTPMethod), slog.String("resource", req.Resource)}
	})
	return ErrUnauthorized
}

// logRefusal logs a refusal's line, msg with attrs, at Info, unless the
// sampler holds it back under key (a constant: see RefusalLinesPerSecond).
// attrs is called only for a line logged; such a line that follows lines
// held back says how many in "suppressed".
func (a *Authorizer) logRefusal(key, msg string, attrs func() []slog.Attr) {
	ctx := context.Background()
	if !a.opt.Logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	ok, held := a.refusals.allow(key, a.opt.Clock.Now())
	if !ok {
		return
	}
	line := attrs()
	if held > 0 {
		line = append(line, slog.Int64("suppressed", held))
	}
	a.opt.Logger.LogAttrs(ctx, slog.LevelInfo, msg, line...)
}

// response is the authorizer's answer for p: every route p may call, an
// explicit Deny of the routes their ARNs over-match, and one of refused
// when set.
func response(p access.Principal, routes routeList, refused string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    p.ID,
		PolicyDocument: Policy(routes.allowed, routes.overMatched, refused),
		Context: map[string]any{
			"principalId":    p.ID,
			"credentialType": string(p.CredentialType),
			"credentialId":   p.CredentialID,
			"scopes":         p.Scopes.String(),
			"projectId":      p.ProjectID,
		},
	}
}
