package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/audit"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/password"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// Store is what the token function reads and writes.
type Store interface {
	refresh.Store
	GetUser(ctx context.Context, projectID, userID string) (user.User, error)
	GetUserByUsername(ctx context.Context, projectID, username string) (user.User, error)
	GetClient(ctx context.Context, projectID, clientID string) (credential.Client, error)
	GetCertificate(ctx context.Context, projectID, thumbprint string) (certbind.Binding, error)
	RecordAssertion(ctx context.Context, projectID, issuer, jti string, expires time.Time) error
	CreateSession(context.Context, credential.Session) error
	RevokeSession(ctx context.Context, projectID, id string, at time.Time) error
	RevokeTokensBefore(ctx context.Context, projectID, id string, at time.Time) error
	AddFailure(ctx context.Context, projectID, key string, windowStart time.Time, window time.Duration) (int, error)
	Failures(ctx context.Context, projectID, key string, windowStart time.Time) (int, error)
}

// Throttling of failed client authentications, per client id.
const (
	MaxFailures   = 5
	FailureWindow = time.Minute
	grantRefresh  = "refresh_token"
	grantClient   = "client_credentials"
)

// Options configure a Handler.
type Options struct {
	ProjectID string
	Issuer    string // iss of every token, and the base of the endpoint URLs
	Audience  string // aud of every token
	Signer    accesstoken.Signer
	Keys      *accesstoken.Keyring
	Sealer    refresh.Sealer
	Grace     time.Duration // refresh-token retry grace period
	// PasswordSignIn accepts client_id=username, client_secret=password.
	PasswordSignIn bool
	Clock          clock.Clock
	Logger         *slog.Logger
}

// Handler serves the token function's routes.
type Handler struct {
	store    Store
	opt      Options
	exchange *refresh.Exchanger
	verifier *accesstoken.Verifier
}

// New returns the token function's handler.
func New(s Store, opt Options) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		store: s, opt: opt,
		exchange: &refresh.Exchanger{Store: s, Sealer: opt.Sealer, Grace: opt.Grace},
		verifier: &accesstoken.Verifier{Keys: opt.Keys, Issuer: opt.Issuer, Audience: opt.Audience, Clock: opt.Clock},
	}
}

// Handle is the Lambda handler.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	ctx = h.template(ctx, req, "anonymous")
	switch req.HTTPMethod + " " + req.Resource {
	case "POST /oauth/token":
		v, err := h.token(ctx, req)
		return h.respond(req, v, err), nil
	case "POST /oauth/revoke":
		v, err := h.revoke(ctx, req)
		return h.respond(req, v, err), nil
	case "GET /.well-known/jwks.json":
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(h.opt.Keys.JWKS()),
			Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "public, max-age=300"}}, nil
	case "GET /.well-known/oauth-authorization-server":
		return apigw.JSON(http.StatusOK, h.metadata(), map[string]string{"Cache-Control": "public, max-age=300"}), nil
	}
	return apigw.JSON(http.StatusNotFound, map[string]string{"error": "not_found"}, nil), nil
}

// respond turns an outcome into the RFC 6749 answer, logging what a
// client must not see.
func (h *Handler) respond(req events.APIGatewayProxyRequest, v any, err error) events.APIGatewayProxyResponse {
	if err == nil {
		return TokenResponse(v)
	}
	var oe *Error
	if !errors.As(err, &oe) {
		h.opt.Logger.Error("oauth: request failed", "resource", req.Resource, "requestId", req.RequestContext.RequestID, "error", err)
	}
	return ErrorResponse(err)
}

func (h *Handler) metadata() map[string]any {
	return map[string]any{
		"issuer":                                h.opt.Issuer,
		"token_endpoint":                        h.opt.Issuer + "/oauth/token",
		"jwks_uri":                              h.opt.Issuer + "/.well-known/jwks.json",
		"revocation_endpoint":                   h.opt.Issuer + "/oauth/revoke",
		"grant_types_supported":                 []string{grantClient, grantRefresh},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"},
		"tls_client_certificate_bound_access_tokens":       true,
		"revocation_endpoint_auth_methods_supported":       []string{"client_secret_basic", "client_secret_post", "none"},
		"response_types_supported":                         []string{},
	}
}

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

func (h *Handler) token(ctx context.Context, req events.APIGatewayProxyRequest) (any, error) {
	form, err := parse(req)
	if err != nil {
		return nil, err
	}
	switch form["grant_type"] {
	case "":
		return nil, InvalidRequest("grant_type is required")
	case grantRefresh:
		return h.refreshGrant(ctx, req, form)
	case grantClient:
		return h.clientGrant(ctx, req, form)
	}
	return nil, UnsupportedGrantType()
}

func parse(req events.APIGatewayProxyRequest) (map[string]string, error) {
	body, err := apigw.Body(req)
	if err != nil {
		return nil, InvalidRequest("the body is not valid base64")
	}
	return Parse(header(req, "Content-Type"), body)
}

// header reads a request header case-insensitively.
func header(req events.APIGatewayProxyRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// requestedScopes parses the optional scope parameter; nil when absent.
func requestedScopes(form map[string]string) (scope.Set, error) {
	v, ok := form["scope"]
	if !ok {
		return nil, nil
	}
	s, err := scope.Parse(strings.Fields(v))
	if err != nil {
		return nil, InvalidScope("scope is malformed")
	}
	return s, nil
}

// grant narrows what a session grants by what was requested (never
// widening: invalid_scope) and by the owner's current scopes.
func grant(owner user.User, granted, requested scope.Set) (scope.Set, error) {
	s, err := owner.Narrow(granted, requested)
	if errors.Is(err, user.ErrBeyondGrant) {
		return nil, InvalidScope("scope exceeds what was granted")
	}
	return s, err
}

func (h *Handler) refreshGrant(ctx context.Context, req events.APIGatewayProxyRequest, form map[string]string) (any, error) {
	presented := form["refresh_token"]
	if presented == "" {
		return nil, InvalidRequest("refresh_token is required")
	}
	requested, err := requestedScopes(form)
	if err != nil {
		return nil, err
	}
	now := h.opt.Clock.Now()
	// The owner and the scope are checked before the token is spent, so a
	// refused request leaves it usable.
	var owner user.User
	var scopes scope.Set
	admit := func(fam refresh.Family) error {
		o, err := h.activeOwner(ctx, fam.Owner)
		if errors.Is(err, store.ErrNotFound) {
			return refresh.ErrInvalidGrant
		}
		if err != nil {
			return err
		}
		owner = o
		scopes, err = grant(o, fam.Scopes, requested)
		return err
	}
	fam, successor, err := h.exchange.Exchange(ctx, h.opt.ProjectID, presented, now, admit)
	switch {
	case errors.Is(err, refresh.ErrReuse):
		h.opt.Logger.Warn("oauth: refresh token reuse detected; family revoked", "familyId", fam.ID, "hint", secret.Hint(presented))
		return nil, InvalidGrant("the refresh token is invalid, expired or revoked")
	case errors.Is(err, refresh.ErrInvalidGrant):
		return nil, InvalidGrant("the refresh token is invalid, expired or revoked")
	case err != nil:
		return nil, err
	}
	exp := now.Add(fam.AccessTokenTTL)
	if fam.ExpiresAt != nil && fam.ExpiresAt.Before(exp) {
		exp = *fam.ExpiresAt
	}
	at, err := h.issue(ctx, owner.ID, "", fam.ID, scopes, now, exp)
	if err != nil {
		return nil, err
	}
	return tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(exp.Sub(now) / time.Second),
		RefreshToken: successor, Scope: scopes.String()}, nil
}

// activeOwner reads a session's owner; an error unless it is enabled.
func (h *Handler) activeOwner(ctx context.Context, userID string) (user.User, error) {
	u, err := h.store.GetUser(ctx, h.opt.ProjectID, userID)
	if err != nil {
		return user.User{}, err
	}
	if u.Disabled {
		return user.User{}, store.ErrNotFound
	}
	return u, nil
}

// issue signs an access token.
func (h *Handler) issue(ctx context.Context, sub, clientID, sid string, scopes scope.Set, now, exp time.Time) (string, error) {
	return accesstoken.Issue(ctx, h.opt.Signer, accesstoken.Claims{
		Issuer: h.opt.Issuer, Subject: sub, Audience: h.opt.Audience, ExpiresAt: exp.Unix(), IssuedAt: now.Unix(),
		ID: id.New("at"), Scope: scopes.String(), ClientID: clientID, SessionID: sid,
	})
}

// clientAuth is how a client authenticated (RFC 6749 §2.3.1).
type clientAuth struct {
	id, secret string
	basic      bool
}

// authenticateClient reads the client's credentials; present is false when
// the request carries none.
func authenticateClient(req events.APIGatewayProxyRequest, form map[string]string) (a clientAuth, present bool, err error) {
	id, sec, basic, err := BasicAuth(header(req, "Authorization"))
	if err != nil {
		return a, false, InvalidClient(true)
	}
	_, postID := form["client_id"]
	_, postSecret := form["client_secret"]
	switch {
	case basic && (postID || postSecret):
		return a, false, InvalidRequest("use one client authentication method, not both")
	case basic:
		return clientAuth{id: id, secret: sec, basic: true}, true, nil
	case postID || postSecret:
		return clientAuth{id: form["client_id"], secret: form["client_secret"]}, true, nil
	}
	return a, false, nil
}

func (h *Handler) clientGrant(ctx context.Context, req events.APIGatewayProxyRequest, form map[string]string) (any, error) {
	auth, present, err := authenticateClient(req, form)
	if err != nil {
		return nil, err
	}
	_, hasAssertion := form["client_assertion"]
	_, hasAssertionType := form["client_assertion_type"]
	if hasAssertion || hasAssertionType {
		if present {
			return nil, InvalidRequest("use one client authentication method, not both")
		}
		requested, err := requestedScopes(form)
		if err != nil {
			return nil, err
		}
		return h.assertionGrant(ctx, form, requested)
	}
	if !present {
		return nil, InvalidClient(false)
	}
	requested, err := requestedScopes(form)
	if err != nil {
		return nil, err
	}
	now := h.opt.Clock.Now()
	g, err := h.verifyClient(ctx, auth, now)
	if err != nil {
		return nil, err
	}
	scopes, err := grant(g.owner, g.scopes, requested)
	if err != nil {
		return nil, err
	}
	exp := now.Add(credential.AccessTokenTTL)
	at, err := h.issue(ctx, g.sub, g.clientID, g.sid, scopes, now, exp)
	if err != nil {
		return nil, err
	}
	return tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(credential.AccessTokenTTL / time.Second), Scope: scopes.String()}, nil
}

// grantee is who authenticated at the token endpoint: an OAuth client, or
// (with password sign-in on) a user by username and password.
type grantee struct {
	sub, clientID, sid string
	scopes             scope.Set // what the credential grants; nil: the owner's
	owner              user.User
}

// verifyClient checks a client's secret (or a user's password), throttling
// repeated failures per client id. Unknown client, wrong secret, revoked
// client and disabled owner are one answer.
func (h *Handler) verifyClient(ctx context.Context, auth clientAuth, now time.Time) (grantee, error) {
	window := now.Truncate(FailureWindow)
	// Usernames match regardless of case, so failures are counted that way.
	throttleKey := strings.ToLower(auth.id)
	if len(throttleKey) > 100 {
		throttleKey = "too-long"
	}
	n, err := h.store.Failures(ctx, h.opt.ProjectID, throttleKey, window)
	if err != nil {
		return grantee{}, err
	}
	if n >= MaxFailures {
		return grantee{}, TooManyRequests(window.Add(FailureWindow).Sub(now))
	}
	lookup := h.lookupClient
	if h.opt.PasswordSignIn && !strings.HasPrefix(auth.id, string(credential.KindClient)+"_") {
		lookup = h.lookupUser
	}
	g, ok, err := lookup(ctx, auth, now)
	if err != nil {
		return grantee{}, err
	}
	if !ok {
		if _, err := h.store.AddFailure(ctx, h.opt.ProjectID, throttleKey, window, FailureWindow); err != nil {
			return grantee{}, err
		}
		h.opt.Logger.Info("oauth: client authentication failed", "clientId", throttleKey)
		return grantee{}, InvalidClient(auth.basic)
	}
	return g, nil
}

// dummy stands in for an unknown client so that every failure costs the
// same work.
var dummy = credential.Client{SecretHash: secret.Sum("tgc_dummy")}

func (h *Handler) lookupClient(ctx context.Context, auth clientAuth, now time.Time) (grantee, bool, error) {
	c := dummy
	if id.Valid(string(credential.KindClient), auth.id) {
		got, err := h.store.GetClient(ctx, h.opt.ProjectID, auth.id)
		switch {
		case err == nil:
			c = got
		case !errors.Is(err, store.ErrNotFound):
			return grantee{}, false, err
		}
	}
	if !c.Verify(auth.secret, now) || c.Status != credential.Active || c.ID == "" {
		return grantee{}, false, nil
	}
	owner, err := h.activeOwner(ctx, c.Owner)
	if errors.Is(err, store.ErrNotFound) {
		return grantee{}, false, nil
	}
	return grantee{sub: c.ID, clientID: c.ID, sid: c.ID, scopes: c.Scopes, owner: owner}, err == nil, err
}

// lookupUser checks a username and password (Argon2id); an unknown user
// costs the same as a wrong password.
func (h *Handler) lookupUser(ctx context.Context, auth clientAuth, now time.Time) (grantee, bool, error) {
	u, err := h.store.GetUserByUsername(ctx, h.opt.ProjectID, auth.id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return grantee{}, false, err
	}
	if !password.Check(auth.secret, u.PasswordHash) || u.Disabled {
		return grantee{}, false, nil
	}
	// Each sign-in is a session of its own, so its token can be revoked. It
	// starts at the same now the token's iat is taken from: a later clock
	// reading could fall in the next second and refuse the token.
	exp := now.Add(credential.AccessTokenTTL)
	s := credential.Session{ProjectID: h.opt.ProjectID, ID: id.New(string(credential.KindPassword)), Kind: credential.KindPassword,
		Owner: u.ID, Name: "password sign-in", Status: credential.Active, CreatedAt: now, ExpiresAt: &exp, NotBefore: now.Truncate(time.Second)}
	actx := audit.Retarget(ctx, audit.JWTCreate, string(credential.KindPassword), s.ID, now)
	if err := h.store.CreateSession(actx, s); err != nil {
		return grantee{}, false, err
	}
	return grantee{sub: u.ID, sid: s.ID, owner: u}, true, nil
}

func (h *Handler) revoke(ctx context.Context, req events.APIGatewayProxyRequest) (any, error) {
	form, err := parse(req)
	if err != nil {
		return nil, err
	}
	tok := form["token"]
	if tok == "" {
		return nil, InvalidRequest("token is required")
	}
	now := h.opt.Clock.Now()
	var caller string // the authenticated client, if any
	if auth, present, err := authenticateClient(req, form); err != nil {
		return nil, err
	} else if present {
		g, err := h.verifyClient(ctx, auth, now)
		if err != nil {
			return nil, err
		}
		caller = g.clientID
		ctx = h.template(ctx, req, caller)
	}
	if strings.HasPrefix(tok, secret.PrefixRefreshToken+"_") {
		return struct{}{}, h.revokeRefresh(ctx, tok, caller, now)
	}
	claims, err := h.verifier.Verify(tok)
	if err != nil {
		return struct{}{}, nil // unknown, invalid or expired: nothing to revoke (RFC 7009 §2.2)
	}
	if caller != "" && claims.ClientID != caller {
		return nil, UnauthorizedClient("the token was not issued to this client")
	}
	kind, _ := credential.KindOf(claims.SessionID)
	switch kind {
	case credential.KindJWT, credential.KindPassword, credential.KindAssertion:
		err = h.store.RevokeSession(audit.Retarget(ctx, audit.JWTRevoke, string(kind), claims.SessionID, now), h.opt.ProjectID, claims.SessionID, now)
	case credential.KindRefresh:
		err = h.store.RevokeSession(audit.Retarget(ctx, audit.RefreshRevoke, audit.TargetRefresh, claims.SessionID, now), h.opt.ProjectID, claims.SessionID, now)
	case credential.KindClient:
		// The client stays; every token it holds now stops.
		actx := audit.Retarget(ctx, audit.JWTRevoke, audit.TargetClient, claims.SessionID, now)
		err = h.store.RevokeTokensBefore(actx, h.opt.ProjectID, claims.SessionID, now.Truncate(time.Second).Add(time.Second))
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *Handler) revokeRefresh(ctx context.Context, tok, caller string, now time.Time) error {
	if caller != "" {
		// Refresh tokens are never issued to a client; answered before any
		// lookup, so the answer says nothing about the token.
		return UnauthorizedClient("the token was not issued to this client")
	}
	if _, err := secret.Check(tok, secret.PrefixRefreshToken); err != nil {
		return nil
	}
	t, err := h.store.GetRefreshToken(ctx, h.opt.ProjectID, secret.Sum(tok))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	actx := audit.Retarget(ctx, audit.RefreshRevoke, audit.TargetRefresh, t.FamilyID, now)
	if err := h.store.RevokeFamily(actx, h.opt.ProjectID, t.FamilyID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// template puts in ctx the audit template of this request (who, from where;
// no action): each change the request makes retargets it.
func (h *Handler) template(ctx context.Context, req events.APIGatewayProxyRequest, actor string) context.Context {
	return audit.With(ctx, audit.Record{ProjectID: h.opt.ProjectID, Actor: actor,
		SourceIP: req.RequestContext.Identity.SourceIP, RequestID: req.RequestContext.RequestID})
}
