package management

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// Store is what the management API reads and writes.
type Store interface {
	CreateUser(context.Context, user.User) error
	GetUser(ctx context.Context, projectID, userID string) (user.User, error)
	ListUsers(ctx context.Context, projectID string, p store.Page) ([]user.User, string, error)
	UpdateUser(context.Context, user.User) error
	DeleteUser(context.Context, user.User) error
	CreateKey(context.Context, apikey.Key) error
	GetKey(ctx context.Context, projectID, keyID string) (apikey.Key, error)
	ListKeys(ctx context.Context, projectID, owner string, p store.Page) ([]apikey.Key, string, error)
	UpdateKey(context.Context, apikey.Key) error
	RotateKey(ctx context.Context, old, successor apikey.Key) error
	DeleteKey(context.Context, apikey.Key) error
	CreateSession(context.Context, credential.Session) error
	GetSession(ctx context.Context, projectID, id string) (credential.Session, error)
	ListSessions(ctx context.Context, projectID, owner string, kind credential.Kind, p store.Page) ([]credential.Session, string, error)
	RevokeSession(ctx context.Context, projectID, id string, at time.Time) error
	CreateFamily(context.Context, refresh.Family, refresh.Token) error
	GetFamily(ctx context.Context, projectID, familyID string) (refresh.Family, error)
	ListFamilies(ctx context.Context, projectID, owner string, p store.Page) ([]refresh.Family, string, error)
	ListClients(ctx context.Context, projectID, owner string, p store.Page) ([]credential.Client, string, error)
	CreateClient(context.Context, credential.Client) error
	GetClient(ctx context.Context, projectID, clientID string) (credential.Client, error)
	UpdateClientSecret(context.Context, credential.Client) error
	UpdateClient(context.Context, credential.Client) error
	CreateSAS(context.Context, sas.Sealed) error
	GetSASByOwner(ctx context.Context, projectID, owner string) (sas.Sealed, error)
	UpdateSAS(context.Context, sas.Sealed) error
	BindCertificate(context.Context, certbind.Binding) error
	BindCertificateProved(ctx context.Context, b certbind.Binding, issuer, jti string, expires time.Time) error
	GetCertificateByOwner(ctx context.Context, projectID, owner string) (certbind.Binding, error)
	UnbindCertificate(context.Context, certbind.Binding) error
	ListAudit(ctx context.Context, projectID, targetID string, since, now time.Time, p store.Page) ([]audit.Record, string, error)
	ListUsage(ctx context.Context, projectID, credentialID string, since time.Time) ([]meter.Usage, error)
}

// route serves one method of one resource for an authenticated caller.
type route = func(context.Context, *call) (events.APIGatewayProxyResponse, error)

// Options configure a Handler.
type Options struct {
	ProjectID            string
	AllowNonExpiringKeys bool
	PasswordSignIn       bool               // users may be given a password
	Issuer, Audience     string             // iss and aud of personal JWTs
	Signer               accesstoken.Signer // signs personal JWTs
	Sealer               sas.Sealer         // seals SAS keys
	Clock                clock.Clock
	Logger               *slog.Logger
	// The longest expiresAt, from now, of an API key, a personal JWT and a
	// refresh-token family; zero means config's default.
	MaxKeyLifetime, MaxJWTLifetime, MaxRefreshLifetime time.Duration
	// AuditRetention is how far back GET /v1/audit reads; zero means
	// config's default.
	AuditRetention time.Duration
	// SecretPrefix goes before the secrets minted ("" for none).
	SecretPrefix string
}

// Configured is the options a deployment's settings give, with the signer
// of personal JWTs, the sealer of SAS keys, the clock and the logger.
func Configured(cfg config.Config, signer accesstoken.Signer, sealer sas.Sealer, clk clock.Clock, logger *slog.Logger) Options {
	return Options{
		ProjectID: cfg.ProjectID, AllowNonExpiringKeys: cfg.AllowNonExpiringKeys, PasswordSignIn: cfg.PasswordSignIn,
		Issuer: cfg.Issuer, Audience: cfg.Audience, Signer: signer, Sealer: sealer, Clock: clk, Logger: logger,
		MaxKeyLifetime: cfg.MaxKeyLifetime, MaxJWTLifetime: cfg.MaxJWTLifetime, MaxRefreshLifetime: cfg.MaxRefreshLifetime,
		AuditRetention: cfg.AuditRetention, SecretPrefix: cfg.SecretPrefix,
	}
}

// Handler serves the management routes.
type Handler struct {
	store  Store
	opt    Options
	table  *access.Table
	routes map[string]route
	public map[string]Func // routes served without an authenticated caller
}

// Func is a Lambda handler of API Gateway proxy requests.
type Func = func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Serving makes h serve one of access.PublicRoutes with f, which
// authenticates the request itself (the issuekeys function serves GitHub's
// secret scanning reports so); it panics for a route that is not public.
func (h *Handler) Serving(method, resource string, f Func) *Handler {
	if _, ok := access.NewTable(access.PublicRoutes).Lookup(method, resource); !ok {
		panic("management: " + method + " " + resource + " is not in access.PublicRoutes")
	}
	if h.public == nil {
		h.public = map[string]Func{}
	}
	h.public[method+" "+resource] = f
	return h
}

// call is one request with its authenticated caller.
type call struct {
	req    events.APIGatewayProxyRequest
	caller apigw.Caller
	user   user.User // the caller's user record, read now
	scopes scope.Set // the calling credential's effective scopes
	now    time.Time
}

// sees reports whether the caller may see a credential of owner: its own,
// or any for an admin.
func (c *call) sees(owner string) bool { return owner == c.user.ID || c.user.IsAdmin() }

// acting is the caller as the issuance rules see it.
func (c *call) acting() user.Caller { return user.Caller{User: c.user, Scopes: c.scopes} }

// New returns the management handler.
func New(s Store, opt Options) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	opt.MaxKeyLifetime = cmp.Or(opt.MaxKeyLifetime, config.DefaultMaxKeyLifetime)
	opt.MaxJWTLifetime = cmp.Or(opt.MaxJWTLifetime, config.DefaultMaxJWTLifetime)
	opt.MaxRefreshLifetime = cmp.Or(opt.MaxRefreshLifetime, config.DefaultMaxRefreshLifetime)
	opt.AuditRetention = cmp.Or(opt.AuditRetention, config.DefaultAuditRetention)
	h := &Handler{store: s, opt: opt, table: access.NewTable(access.Routes)}
	h.routes = map[string]route{
		"GET /v1/whoami":                        whoami,
		"GET /v1/keys":                          h.listKeys,
		"POST /v1/keys":                         h.createKey,
		"GET /v1/keys/{keyId}":                  h.getKey,
		"PATCH /v1/keys/{keyId}":                h.updateKey,
		"DELETE /v1/keys/{keyId}":               h.deleteKey,
		"POST /v1/keys/{keyId}/rotate":          h.rotateKey,
		"GET /v1/keys/{keyId}/usage":            h.keyUsage,
		"GET /v1/tokens/jwt":                    h.listCredentials(h.listJWTs),
		"POST /v1/tokens/jwt":                   h.createJWT,
		"GET /v1/tokens/jwt/{tokenId}":          h.getSession(credential.KindJWT, "tokenId"),
		"DELETE /v1/tokens/jwt/{tokenId}":       h.revokeSession(credential.KindJWT, "tokenId"),
		"GET /v1/tokens/refresh":                h.listCredentials(h.listFamilies),
		"POST /v1/tokens/refresh":               h.createRefresh,
		"GET /v1/tokens/refresh/{tokenId}":      h.getSession(credential.KindRefresh, "tokenId"),
		"DELETE /v1/tokens/refresh/{tokenId}":   h.revokeSession(credential.KindRefresh, "tokenId"),
		"GET /v1/clients":                       h.listCredentials(h.listClients),
		"POST /v1/clients":                      h.createClient,
		"GET /v1/clients/{clientId}":            h.getSession(credential.KindClient, "clientId"),
		"PATCH /v1/clients/{clientId}":          h.updateClient,
		"POST /v1/clients/{clientId}/secret":    h.rotateClientSecret,
		"GET /v1/clients/{clientId}/usage":      h.clientUsage,
		"DELETE /v1/clients/{clientId}":         h.revokeSession(credential.KindClient, "clientId"),
		"GET /v1/users/{userId}/certificate":    h.getCertificate,
		"PUT /v1/users/{userId}/certificate":    h.putCertificate,
		"DELETE /v1/users/{userId}/certificate": h.deleteCertificate,
		"GET /v1/sas":                           h.getSAS,
		"PATCH /v1/sas":                         h.patchSAS,
		"POST /v1/sas/regenerate":               h.regenerateSAS,
		"POST /v1/sas/token":                    h.sasToken,
		"GET /v1/users":                         h.listUsers,
		"POST /v1/users":                        h.createUser,
		"GET /v1/users/{userId}":                h.getUser,
		"PATCH /v1/users/{userId}":              h.updateUser,
		"DELETE /v1/users/{userId}":             h.deleteUser,
		"GET /v1/audit":                         h.listAudit,
	}
	return h
}

// NewIssueKeys returns the management handler as the issuekeys function
// runs it: every route access.Routes gives that function, and no other.
func NewIssueKeys(s Store, opt Options) *Handler { return New(s, opt).servingOnly(access.FnIssueKeys) }

// NewCertificates returns the management handler as the certificates
// function runs it: binding, reading and revoking a user's certificate.
func NewCertificates(s Store, opt Options) *Handler {
	return New(s, opt).servingOnly(access.FnCertificates)
}

// servingOnly drops the routes access.Routes gives a function other than
// fn: a request for one is answered 404, as any unknown route.
func (h *Handler) servingOnly(fn string) *Handler {
	for _, r := range access.Routes {
		if r.Function != fn {
			delete(h.routes, r.Method+" "+r.Resource)
		}
	}
	return h
}

// Handle is the Lambda handler.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	resp, err := h.serve(ctx, req)
	if err != nil {
		p, internal := apigw.ProblemFrom(err)
		if internal {
			h.opt.Logger.Error("management: request failed", "method", req.HTTPMethod, "resource", req.Resource,
				"requestId", req.RequestContext.RequestID, "error", err)
		}
		return apigw.ProblemResponse(p), nil
	}
	return resp, nil
}

func (h *Handler) serve(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if f, ok := h.public[req.HTTPMethod+" "+req.Resource]; ok {
		return f(ctx, req)
	}
	route, ok := h.routes[req.HTTPMethod+" "+req.Resource]
	if !ok {
		return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusNotFound, "no such route")
	}
	caller, ok := apigw.CallerOf(req)
	if !ok || caller.ProjectID != h.opt.ProjectID {
		return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusUnauthorized, "no authenticated caller")
	}
	if req.Resource == "/v1/whoami" {
		// Any valid credential, a client's included: nothing to read.
		return whoami(ctx, &call{req: req, caller: caller})
	}
	u, err := h.store.GetUser(ctx, h.opt.ProjectID, caller.PrincipalID)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.Disabled {
		return events.APIGatewayProxyResponse{}, apigw.Forbidden("the calling user is disabled or deleted")
	}
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	scopes := scope.Set(strings.Fields(caller.Scopes))
	slices.Sort(scopes)
	// The authorizer enforced the route table already; checking it again
	// keeps the handler safe on its own.
	if r, ok := h.table.Lookup(req.HTTPMethod, req.Resource); !ok || !r.Permits(access.Principal{Scopes: scopes, Admin: u.IsAdmin()}) {
		return events.APIGatewayProxyResponse{}, apigw.Forbidden("the calling credential may not call this route")
	}
	return route(ctx, &call{req: req, caller: caller, user: u, scopes: scopes, now: h.opt.Clock.Now()})
}

func whoami(_ context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	return apigw.JSON(http.StatusOK, map[string]string{
		"principalId": c.caller.PrincipalID, "credentialType": c.caller.CredentialType,
		"credentialId": c.caller.CredentialID, "scopes": c.caller.Scopes, "projectId": c.caller.ProjectID,
	}, nil), nil
}

// found passes a store read on, answering absent where the store has no
// such record.
func found[T any](v T, err error, absent *apigw.Problem) (T, error) {
	if errors.Is(err, store.ErrNotFound) {
		var none T
		return none, absent
	}
	return v, err
}

// inPath reads the record whose id, with prefix, the path holds under
// param; a malformed or unknown id is answered absent.
func inPath[T any](ctx context.Context, h *Handler, c *call, param, prefix string,
	get func(ctx context.Context, projectID, id string) (T, error), absent *apigw.Problem) (T, error) {
	recordID := c.req.PathParameters[param]
	if !id.Valid(prefix, recordID) {
		var none T
		return none, absent
	}
	v, err := get(ctx, h.opt.ProjectID, recordID)
	return found(v, err, absent)
}

// listParams reads ?limit=, ?cursor= and ?owner= (another owner only for
// an admin) of a credential list.
func (h *Handler) listParams(c *call) (store.Page, string, error) {
	p, err := page(c.req)
	if err != nil {
		return p, "", err
	}
	owner := c.user.ID
	if o, ok := c.req.QueryStringParameters["owner"]; ok && o != owner {
		if !c.user.IsAdmin() {
			return p, "", apigw.Forbidden("only an admin may list another owner's credentials")
		}
		owner = o
	}
	return p, owner, nil
}

// page reads ?limit= and ?cursor=.
func page(req events.APIGatewayProxyRequest) (store.Page, error) {
	p := store.Page{Limit: 50, Cursor: req.QueryStringParameters["cursor"]}
	if v, ok := req.QueryStringParameters["limit"]; ok {
		n, err := parseLimit(v)
		if err != nil {
			return p, err
		}
		p.Limit = n
	}
	if len(p.Cursor) > 1024 {
		return p, apigw.Invalid("cursor", "not a cursor this list returned")
	}
	return p, nil
}

func parseLimit(v string) (int, error) {
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' || n > 100 {
			return 0, apigw.Invalid("limit", "must be a whole number from 1 to 100")
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 100 {
		return 0, apigw.Invalid("limit", "must be a whole number from 1 to 100")
	}
	return n, nil
}

// list is the shape of every list response.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func newList[T any](items []T, next string) list[T] {
	l := list[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}
