package authorizer

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// Store is what the authorizer reads (and the one write it makes).
type Store interface {
	GetKeyByHash(ctx context.Context, projectID string, h secret.Hash) (apikey.Key, error)
	GetUser(ctx context.Context, projectID, userID string) (user.User, error)
	GetSession(ctx context.Context, projectID, id string) (credential.Session, error)
	GetSAS(ctx context.Context, projectID, identifier string) (sas.Sealed, error)
	GetCertificate(ctx context.Context, projectID, thumbprint string) (certbind.Binding, error)
	TouchKey(ctx context.Context, projectID, keyID string, at time.Time, minInterval time.Duration) error
}

// ErrUnauthorized is the error API Gateway turns into 401: its text must
// be exactly "Unauthorized".
var ErrUnauthorized = errors.New("Unauthorized")

// QueryParam carries an API key in the query string when enabled.
const QueryParam = "api_token"

// TouchInterval is the least time between two lastUsedAt writes of a key.
const TouchInterval = time.Minute

// cacheSize bounds each in-process cache.
const cacheSize = 50_000

// Options configure an Authorizer.
type Options struct {
	ProjectID    string
	CacheTTL     time.Duration // at most the revocation bound
	StoreTimeout time.Duration
	QueryTokens  bool
	Routes       *access.Table
	Verifier     *accesstoken.Verifier // nil: JWTs are not accepted
	Sealer       sas.Sealer            // opens SAS keys; nil: SAS is not accepted
	Clock        clock.Clock
	Logger       *slog.Logger
}

// Authorizer decides API Gateway REQUEST authorizer events.
type Authorizer struct {
	opt       Options
	store     Store
	decisions *cache[secret.Hash, *decision]
	owners    *cache[string, *owner]
	sessions  *cache[string, *session]
	sasCreds  *cache[string, *sasEntry]
	certs     *cache[string, *certEntry]
	policies  *cache[string, []string]
	touchMu   sync.Mutex
	touched   map[string]time.Time
	pending   sync.WaitGroup // lastUsedAt writes under way
}

// decision is a cached answer for one credential: nil principal means the
// credential is unknown (negative caching).
type decision struct {
	principal *access.Principal
	expiresAt *time.Time // the credential's own expiry
	keyID     string
	prefix    string // the ARN prefix the response was built for
	cnf       string // a JWT's x5t#S256 confirmation: the certificate it is bound to
	response  events.APIGatewayCustomAuthorizerResponse
}

type owner struct {
	user    *user.User // nil: no such user
	fetched time.Time
}

// New returns an Authorizer reading from s.
func New(s Store, opt Options) *Authorizer {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Authorizer{
		opt: opt, store: s,
		decisions: newCache[secret.Hash, *decision](cacheSize),
		owners:    newCache[string, *owner](cacheSize),
		sessions:  newCache[string, *session](cacheSize),
		sasCreds:  newCache[string, *sasEntry](cacheSize),
		certs:     newCache[string, *certEntry](cacheSize),
		policies:  newCache[string, []string](1024),
		touched:   map[string]time.Time{},
	}
}

// Handle is the Lambda handler.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	none := events.APIGatewayCustomAuthorizerResponse{}
	clientCert := req.RequestContext.Identity.ClientCert.ClientCertPem
	cred, n := a.credential(req)
	switch {
	case n == 0 && clientCert != "":
		cred = presented{cert: true} // mutual TLS alone: the certificate is the credential
	case n != 1:
		return none, a.deny("no single credential presented", "", req)
	}
	tok := cred.token
	var cert certbind.Certificate
	if cred.cert {
		var err error
		if cert, err = certbind.FromClientCert(clientCert); err != nil {
			return none, a.deny("unreadable client certificate", "", req)
		}
		tok = "mtls:" + cert.Thumbprint
	}
	isJWT := a.opt.Verifier != nil && cred.bearer && strings.Count(tok, ".") == 2 && len(tok) <= maxJWT
	var sasToken sas.Token
	switch {
	case cred.sas:
		var err error
		if sasToken, err = sas.Parse(tok); err != nil || a.opt.Sealer == nil {
			return none, a.deny("malformed shared access signature", "", req)
		}
	case !isJWT && !cred.cert:
		if _, err := secret.Check(tok, secret.PrefixAPIKey); err != nil {
			return none, a.deny("malformed credential", "", req)
		}
	}
	prefix, ok := access.ARNPrefix(req.MethodArn)
	if !ok {
		return none, fmt.Errorf("authorizer: unexpected methodArn")
	}
	now := a.opt.Clock.Now()
	h := secret.Sum(tok)
	d, ok := a.decisions.get(h, now)
	if !ok {
		var err error
		switch {
		case cred.cert:
			d, err = a.decideCert(ctx, cert, h, prefix, now)
		case cred.sas:
			d, err = a.decideSAS(ctx, sasToken, h, prefix, now)
		case isJWT:
			d, err = a.decideJWT(ctx, tok, h, prefix, now)
		default:
			d, err = a.decide(ctx, h, prefix, now)
		}
		if err != nil {
			return none, err
		}
	}
	if d.principal == nil {
		return none, a.deny("unknown, invalid, revoked or orphaned credential", hint(tok, isJWT || cred.sas || cred.cert), req)
	}
	if d.cnf != "" {
		// A certificate-bound token counts only over mutual TLS with that
		// very certificate, still bound to the token's owner.
		ok, err := a.confirmed(ctx, clientCert, d.cnf, d.principal.ID, now)
		if err != nil {
			return none, err
		}
		if !ok {
			return none, a.deny("certificate-bound token without its certificate", d.principal.CredentialID, req)
		}
	}
	if d.expiresAt != nil && !now.Before(*d.expiresAt) {
		return none, a.deny("expired credential", d.principal.CredentialID, req)
	}
	if d.keyID != "" {
		a.touch(ctx, d.keyID, now)
	}
	if route, ok := a.opt.Routes.Lookup(req.HTTPMethod, req.Resource); !ok || !route.Permits(*d.principal) {
		a.opt.Logger.Info("authorizer: missing scope", "credentialId", d.principal.CredentialID,
			"method", req.HTTPMethod, "resource", req.Resource)
		resp := response(*d.principal, a.allowed(prefix, *d.principal), req.MethodArn)
		return resp, nil
	}
	if d.prefix != prefix {
		return response(*d.principal, a.allowed(prefix, *d.principal), ""), nil
	}
	return d.response, nil
}

// presented is a credential and how it came.
type presented struct {
	token  string
	bearer bool // Authorization: Bearer, the only way a JWT is accepted
	sas    bool // Authorization: SharedAccessSignature; token is the whole header value
	cert   bool // the mutual TLS client certificate, when nothing else is presented
}

// credential returns the one credential presented in a header or the
// query, and how many there were: 0 for none, -1 when the headers are
// malformed or repeated (ambiguity is refused, not resolved).
func (a *Authorizer) credential(req events.APIGatewayCustomAuthorizerRequestTypeRequest) (presented, int) {
	var found presented
	n := 0
	add := func(p presented) { found, n = p, n+1 }
	for name, v := range req.Headers {
		switch {
		case strings.EqualFold(name, "authorization"):
			scheme, tok, ok := strings.Cut(v, " ")
			switch {
			case ok && strings.EqualFold(scheme, sas.Scheme):
				add(presented{token: v, sas: true})
			case ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "apiToken")):
				add(presented{token: tok, bearer: strings.EqualFold(scheme, "Bearer")})
			default:
				return presented{}, -1
			}
		case strings.EqualFold(name, "x-api-key"):
			add(presented{token: v})
		}
	}
	for name, vs := range req.MultiValueHeaders {
		if len(vs) > 1 && (strings.EqualFold(name, "authorization") || strings.EqualFold(name, "x-api-key")) {
			return presented{}, -1
		}
	}
	if a.opt.QueryTokens {
		if v, ok := req.QueryStringParameters[QueryParam]; ok {
			add(presented{token: v})
		}
		if len(req.MultiValueQueryStringParameters[QueryParam]) > 1 {
			return presented{}, -1
		}
	}
	if n != 1 {
		return presented{}, n
	}
	return found, 1
}

// decide reads the credential and its owner and caches the outcome.
func (a *Authorizer) decide(ctx context.Context, h secret.Hash, prefix string, now time.Time) (*decision, error) {
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	k, err := a.store.GetKeyByHash(sctx, a.opt.ProjectID, h)
	if errors.Is(err, store.ErrNotFound) {
		d := &decision{}
		a.decisions.put(h, d, now, now.Add(a.opt.CacheTTL))
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("authorizer: reading credential: %w", err)
	}
	o, err := a.owner(sctx, k.Owner, now)
	if err != nil {
		return nil, err
	}
	d := &decision{keyID: k.ID, expiresAt: k.ExpiresAt}
	// The store found the record by hash; comparing the stored hash in
	// constant time guards against a store answering with another record.
	match := subtle.ConstantTimeCompare(k.Hash[:], h[:]) == 1
	if match && o.user != nil && !o.user.Disabled && k.Status == apikey.Active && k.ProjectID == a.opt.ProjectID {
		d.principal = &access.Principal{
			ProjectID: a.opt.ProjectID, ID: k.Owner, CredentialType: credential.TypeAPIKey, CredentialID: k.ID,
			Scopes: o.user.ScopesFor(k.Scopes), Admin: o.user.IsAdmin(),
		}
		d.prefix = prefix
		d.response = response(*d.principal, a.allowed(prefix, *d.principal), "")
	}
	// The decision lives no longer than the older of its two reads allows.
	expires := o.fetched.Add(a.opt.CacheTTL)
	a.decisions.put(h, d, now, expires)
	return d, nil
}

// allowed lists the routes p may call under prefix. The list depends only
// on the prefix, the effective scopes and the admin role, which many
// credentials share, so it is computed once per combination (the slice is
// shared read-only by every response built from it).
func (a *Authorizer) allowed(prefix string, p access.Principal) []string {
	k := prefix + "\x00" + p.Scopes.String()
	if p.Admin {
		k += "\x00admin"
	}
	if list, ok := a.policies.get(k, time.Time{}); ok {
		return list
	}
	list := a.opt.Routes.Allowed(prefix, p)
	a.policies.put(k, list, time.Time{}, policyForever)
	return list
}

// policyForever: route lists never go stale (the table is fixed at start).
var policyForever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// maxJWT is the longest JWT looked at; longer bearer values are malformed.
const maxJWT = 4096

// hint names a refused credential in a log line without revealing it:
// the hint of an opaque secret, nothing of a signed one.
func hint(tok string, signed bool) string {
	if signed {
		return "signed token"
	}
	return secret.Hint(tok)
}

// decideCert accepts a mutual TLS client certificate bound to a user,
// within its validity, and caches the outcome.
func (a *Authorizer) decideCert(ctx context.Context, cert certbind.Certificate, h secret.Hash, prefix string, now time.Time) (*decision, error) {
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	e, err := a.binding(sctx, cert.Thumbprint, now)
	if err != nil {
		return nil, err
	}
	d := &decision{}
	fetched := e.fetched
	if b := e.binding; b != nil && !now.Before(b.NotBefore) && now.Before(b.NotAfter) {
		o, err := a.owner(sctx, b.Owner, now)
		if err != nil {
			return nil, err
		}
		fetched = earlier(fetched, o.fetched)
		if o.user != nil && !o.user.Disabled {
			d.expiresAt = &b.NotAfter
			d.principal = &access.Principal{ProjectID: a.opt.ProjectID, ID: o.user.ID, CredentialType: credential.TypeCertificate,
				CredentialID: b.Thumbprint, Scopes: o.user.EffectiveScopes(), Admin: o.user.IsAdmin()}
			d.prefix = prefix
			d.response = response(*d.principal, a.allowed(prefix, *d.principal), "")
		}
	}
	a.decisions.put(h, d, now, fetched.Add(a.opt.CacheTTL))
	return d, nil
}

type certEntry struct {
	binding *certbind.Binding // nil: not bound
	fetched time.Time
}

// binding reads a certificate binding through its cache.
func (a *Authorizer) binding(ctx context.Context, thumbprint string, now time.Time) (*certEntry, error) {
	if e, ok := a.certs.get(thumbprint, now); ok {
		return e, nil
	}
	e := &certEntry{fetched: now}
	b, err := a.store.GetCertificate(ctx, a.opt.ProjectID, thumbprint)
	switch {
	case err == nil:
		e.binding = &b
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("authorizer: reading certificate binding: %w", err)
	}
	a.certs.put(thumbprint, e, now, now.Add(a.opt.CacheTTL))
	return e, nil
}

// confirmed reports whether the request's client certificate is the one a
// token is bound to (RFC 8705 x5t#S256), still bound to owner and valid.
func (a *Authorizer) confirmed(ctx context.Context, clientCert, x5t, owner string, now time.Time) (bool, error) {
	if clientCert == "" {
		return false, nil
	}
	cert, err := certbind.FromClientCert(clientCert)
	if err != nil || subtle.ConstantTimeCompare([]byte(cert.X5tS256), []byte(x5t)) != 1 {
		return false, nil
	}
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	e, err := a.binding(sctx, cert.Thumbprint, now)
	if err != nil {
		return false, err
	}
	b := e.binding
	return b != nil && b.Owner == owner && !now.Before(b.NotBefore) && now.Before(b.NotAfter), nil
}

// decideSAS verifies a shared access signature against its credential's
// keys (read, opened and cached by identifier) and caches the outcome.
func (a *Authorizer) decideSAS(ctx context.Context, t sas.Token, h secret.Hash, prefix string, now time.Time) (*decision, error) {
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	c, err := a.sasCredential(sctx, t.Identifier, now)
	if err != nil {
		return nil, err
	}
	d := &decision{expiresAt: &t.ExpiresAt}
	fetched := c.fetched
	if c.cred != nil && c.cred.Enabled && sas.Verify(t, now, c.cred.Primary, c.cred.Secondary) == nil {
		o, err := a.owner(sctx, c.cred.Owner, now)
		if err != nil {
			return nil, err
		}
		fetched = earlier(fetched, o.fetched)
		if o.user != nil && !o.user.Disabled {
			d.principal = &access.Principal{ProjectID: a.opt.ProjectID, ID: o.user.ID, CredentialType: credential.TypeSAS,
				CredentialID: t.Identifier, Scopes: o.user.EffectiveScopes(), Admin: o.user.IsAdmin()}
			d.prefix = prefix
			d.response = response(*d.principal, a.allowed(prefix, *d.principal), "")
		}
	}
	a.decisions.put(h, d, now, fetched.Add(a.opt.CacheTTL))
	return d, nil
}

type sasEntry struct {
	cred    *sas.Credential // nil: no such credential
	fetched time.Time
}

// sasCredential reads and opens a SAS credential through its cache; the
// opened keys live only in this process's memory, for the cache TTL.
func (a *Authorizer) sasCredential(ctx context.Context, identifier string, now time.Time) (*sasEntry, error) {
	if e, ok := a.sasCreds.get(identifier, now); ok {
		return e, nil
	}
	e := &sasEntry{fetched: now}
	sealed, err := a.store.GetSAS(ctx, a.opt.ProjectID, identifier)
	switch {
	case err == nil:
		cred, err := sas.Open(ctx, a.opt.Sealer, sealed)
		if err != nil {
			return nil, fmt.Errorf("authorizer: opening SAS keys: %w", err)
		}
		e.cred = &cred
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("authorizer: reading SAS credential: %w", err)
	}
	a.sasCreds.put(identifier, e, now, now.Add(a.opt.CacheTTL))
	return e, nil
}

// decideJWT verifies a JWT, reads its session and owner through their
// caches, and caches the outcome under the token's hash.
func (a *Authorizer) decideJWT(ctx context.Context, tok string, h secret.Hash, prefix string, now time.Time) (*decision, error) {
	claims, err := a.opt.Verifier.Verify(tok)
	if err != nil {
		a.opt.Logger.Info("authorizer: JWT refused", "reason", err)
		d := &decision{}
		a.decisions.put(h, d, now, now.Add(a.opt.CacheTTL))
		return d, nil
	}
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	s, err := a.session(sctx, claims.SessionID, now)
	if err != nil {
		return nil, err
	}
	exp := time.Unix(claims.ExpiresAt, 0)
	d := &decision{expiresAt: &exp}
	if claims.Confirmation != nil {
		d.cnf = claims.Confirmation.X5tS256
	}
	fetched := s.fetched
	if s.session != nil && s.session.Accepts(time.Unix(claims.IssuedAt, 0), now) && s.session.ProjectID == a.opt.ProjectID {
		o, err := a.owner(sctx, s.session.Owner, now)
		if err != nil {
			return nil, err
		}
		fetched = earlier(fetched, o.fetched)
		if o.user != nil && !o.user.Disabled {
			d.principal = jwtPrincipal(a.opt.ProjectID, claims, *s.session, *o.user)
			d.prefix = prefix
			d.response = response(*d.principal, a.allowed(prefix, *d.principal), "")
		}
	}
	a.decisions.put(h, d, now, fetched.Add(a.opt.CacheTTL))
	return d, nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// jwtPrincipal applies the session and its owner's current state to a
// verified token. A personal JWT follows its session's grant live (its
// scope claim records the grant at issue); an access token is further
// bounded by its scope claim, which a refresh may have narrowed. A
// client's token is the client's: never an admin.
func jwtPrincipal(projectID string, c accesstoken.Claims, s credential.Session, owner user.User) *access.Principal {
	p := &access.Principal{ProjectID: projectID, ID: owner.ID, CredentialType: credential.TypeJWT, CredentialID: s.ID,
		Scopes: owner.ScopesFor(s.Scopes), Admin: owner.IsAdmin()}
	if s.Kind == credential.KindJWT {
		return p
	}
	claimed, _ := scope.Parse(strings.Fields(c.Scope))
	p.CredentialType, p.Scopes = credential.TypeAccessToken, scope.Intersect(p.Scopes, claimed)
	if s.Kind == credential.KindClient {
		p.ID, p.Admin = s.ID, false
	}
	return p
}

type session struct {
	session *credential.Session // nil: no such session
	fetched time.Time
}

// session reads a JWT's session through the session cache.
func (a *Authorizer) session(ctx context.Context, sid string, now time.Time) (*session, error) {
	if s, ok := a.sessions.get(sid, now); ok {
		return s, nil
	}
	s := &session{fetched: now}
	if _, ok := credential.KindOf(sid); ok {
		got, err := a.store.GetSession(ctx, a.opt.ProjectID, sid)
		switch {
		case err == nil:
			s.session = &got
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("authorizer: reading session: %w", err)
		}
	}
	a.sessions.put(sid, s, now, now.Add(a.opt.CacheTTL))
	return s, nil
}

// owner reads a user through the owner cache.
func (a *Authorizer) owner(ctx context.Context, userID string, now time.Time) (*owner, error) {
	if o, ok := a.owners.get(userID, now); ok {
		return o, nil
	}
	u, err := a.store.GetUser(ctx, a.opt.ProjectID, userID)
	o := &owner{fetched: now}
	switch {
	case err == nil:
		o.user = &u
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("authorizer: reading owner: %w", err)
	}
	a.owners.put(userID, o, now, now.Add(a.opt.CacheTTL))
	return o, nil
}

// touch records a use of the key at most once per TouchInterval per
// process. The write is best effort and off the decision's path: it runs in
// the background, and a failure is logged, never fatal.
func (a *Authorizer) touch(ctx context.Context, keyID string, now time.Time) {
	a.touchMu.Lock()
	last, ok := a.touched[keyID]
	due := !ok || now.Sub(last) >= TouchInterval
	if due {
		if len(a.touched) >= cacheSize {
			clear(a.touched)
		}
		a.touched[keyID] = now
	}
	a.touchMu.Unlock()
	if !due {
		return
	}
	a.pending.Add(1)
	go func() {
		defer a.pending.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.opt.StoreTimeout)
		defer cancel()
		if err := a.store.TouchKey(sctx, a.opt.ProjectID, keyID, now, TouchInterval); err != nil {
			a.opt.Logger.Warn("authorizer: recording lastUsedAt failed", "credentialId", keyID, "error", err)
		}
	}()
}

// Wait blocks until the background lastUsedAt writes have finished.
func (a *Authorizer) Wait() { a.pending.Wait() }

// deny logs why a request is refused (naming the credential by id or hint
// only) and returns ErrUnauthorized.
func (a *Authorizer) deny(reason, who string, req events.APIGatewayCustomAuthorizerRequestTypeRequest) error {
	a.opt.Logger.Info("authorizer: unauthorized", "reason", reason, "credential", who,
		"method", req.HTTPMethod, "resource", req.Resource)
	return ErrUnauthorized
}

// response is the authorizer's answer for p: every route p may call, plus
// an explicit Deny of denied when set.
func response(p access.Principal, allowed []string, denied string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    p.ID,
		PolicyDocument: Policy(allowed, denied),
		Context: map[string]any{
			"principalId":    p.ID,
			"credentialType": string(p.CredentialType),
			"credentialId":   p.CredentialID,
			"scopes":         p.Scopes.String(),
			"projectId":      p.ProjectID,
		},
	}
}
