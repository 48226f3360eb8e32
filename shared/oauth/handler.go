package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
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
	// ReserveAttempt counts an attempt in a window unless limit are
	// counted (store.ErrConflict); ReleaseAttempt gives one back.
	ReserveAttempt(ctx context.Context, projectID, key string, windowStart time.Time, window time.Duration, limit int) error
	ReleaseAttempt(ctx context.Context, projectID, key string, windowStart time.Time) error
}

// The grant types the token endpoint serves.
const (
	grantRefresh = "refresh_token"
	grantClient  = "client_credentials"
)

// Options configure a Handler.
type Options struct {
	ProjectID string
	Issuer    string // iss of every token, and the base of the endpoint URLs
	Audience  string // aud of every token, but exchanged ones for ExchangeAudiences
	// ExchangeAudiences are the other audiences a token exchange may name.
	ExchangeAudiences []string
	// Inspector decides on subject tokens (token exchange) and on the
	// tokens introspected: the authorizer's decision.
	Inspector Inspector
	Signer    accesstoken.Signer
	Keys      *accesstoken.Keyring
	Sealer    refresh.Sealer
	Grace     time.Duration // refresh-token retry grace period
	// SecretPrefix goes before the refresh tokens minted ("" for none).
	SecretPrefix string
	// PasswordSignIn accepts client_id=username, client_secret=password.
	PasswordSignIn bool
	// AttemptLinger is how long a reservation of a failed-attempt counter
	// whose credential proved right is kept in process for the next
	// request of that counter before it is given back to the store
	// (handoff). 0, as the functions run, gives it back at once: a frozen
	// Lambda instance would keep it for the rest of the window.
	AttemptLinger time.Duration
	// OwnerTTL is how long a grant may use an owner read before (at most
	// the revocation bound less API Gateway's cache: config.CacheTTL); 0
	// reads the owner on every grant.
	OwnerTTL time.Duration
	Clock    clock.Clock
	Logger   *slog.Logger
}

// Configured is the options a deployment's settings give, with the signer
// and keyring of its JWTs, the sealer of refresh successors, the
// inspector of tokens, the clock and the logger.
func Configured(cfg config.Config, signer accesstoken.Signer, keys *accesstoken.Keyring, sealer refresh.Sealer, in Inspector, clk clock.Clock, logger *slog.Logger) Options {
	return Options{
		ProjectID: cfg.ProjectID, Issuer: cfg.Issuer, Audience: cfg.Audience, ExchangeAudiences: cfg.ExchangeAudiences,
		Inspector: in, Signer: signer, Keys: keys, Sealer: sealer,
		Grace: cfg.RefreshGrace, PasswordSignIn: cfg.PasswordSignIn, OwnerTTL: cfg.CacheTTL(), Clock: clk, Logger: logger,
		SecretPrefix: cfg.SecretPrefix,
	}
}

// Handler serves the token function's routes.
type Handler struct {
	store    Store
	opt      Options
	exchange *refresh.Exchanger
	verifier *accesstoken.Verifier
	handoff  handoff // reserved attempts passed on in this process
	owners   *owners // the owners grants read, kept for OwnerTTL
	proofs   dpop.Verifier
}

// New returns the token function's handler.
func New(s Store, opt Options) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		store: s, opt: opt,
		owners: &owners{ttl: opt.OwnerTTL, read: func(ctx context.Context, userID string) (user.User, error) {
			return s.GetUser(ctx, opt.ProjectID, userID)
		}},
		exchange: &refresh.Exchanger{Store: s, Sealer: opt.Sealer, Grace: opt.Grace, Prefix: opt.SecretPrefix},
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
	case "POST /oauth/introspect":
		v, err := h.introspect(ctx, req)
		return h.respond(req, v, err), nil
	case "POST /oauth/revoke":
		v, err := h.revoke(ctx, req)
		return h.respond(req, v, err), nil
	case "GET /.well-known/jwks.json":
		return h.jwks(), nil
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
	case grantExchange:
		return h.exchangeGrant(ctx, req, form)
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

// header reads a request header case-insensitively; "" when absent.
func header(req events.APIGatewayProxyRequest, name string) string {
	v, _ := apigw.Header(req, name)
	return v
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

// activeOwner reads a session's owner (through the owner cache); an error
// unless it is enabled.
func (h *Handler) activeOwner(ctx context.Context, userID string) (user.User, error) {
	u, err := h.owners.get(ctx, userID, h.opt.Clock.Now())
	if err != nil {
		return user.User{}, err
	}
	if u.Disabled {
		return user.User{}, store.ErrNotFound
	}
	return u, nil
}

// issue answers with an access token granting scopes from now to exp;
// claims names whom it is for (sub, and client_id, sid, cnf as they apply).
// A jkt (the Proof.JKT of proof) binds the token to that DPoP key:
// cnf.jkt, token_type DPoP.
func (h *Handler) issue(ctx context.Context, claims accesstoken.Claims, scopes scope.Set, now, exp time.Time, jkt string) (tokenResponse, error) {
	tokenType := "Bearer"
	if jkt != "" {
		claims.Confirmation, tokenType = &accesstoken.Confirmation{JKT: jkt}, dpop.Scheme
	}
	claims.Issuer, claims.ID = h.opt.Issuer, id.New("at")
	if claims.Audience == "" {
		claims.Audience = h.opt.Audience
	}
	claims.ExpiresAt, claims.IssuedAt, claims.Scope = exp.Unix(), now.Unix(), scopes.String()
	at, err := accesstoken.Issue(ctx, h.opt.Signer, claims)
	if err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{AccessToken: at, TokenType: tokenType, ExpiresIn: int64(exp.Sub(now) / time.Second), Scope: scopes.String()}, nil
}

// template puts in ctx the audit template of this request (who, from where;
// no action): each change the request makes retargets it.
func (h *Handler) template(ctx context.Context, req events.APIGatewayProxyRequest, actor string) context.Context {
	return audit.With(ctx, audit.Record{ProjectID: h.opt.ProjectID, Actor: actor,
		SourceIP: req.RequestContext.Identity.SourceIP, RequestID: req.RequestContext.RequestID})
}
