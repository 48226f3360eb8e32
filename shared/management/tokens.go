package management

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// Limits on a refresh family's access-token lifetime.
const (
	MinAccessTokenTTL = 60 * time.Second
	MaxAccessTokenTTL = 24 * time.Hour
)

// sessionJSON is a JWT, refresh family or client as the API shows it.
type sessionJSON struct {
	TokenID        string     `json:"tokenId,omitempty"`
	ClientID       string     `json:"clientId,omitempty"`
	Token          string     `json:"token,omitempty"`
	RefreshToken   string     `json:"refreshToken,omitempty"`
	ClientSecret   string     `json:"clientSecret,omitempty"`
	Name           string     `json:"name"`
	Scopes         scope.Set  `json:"scopes"` // null: inherits the owner's scopes
	Owner          string     `json:"owner"`
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"createdAt"`
	ExpiresAt      *time.Time `json:"expiresAt,omitempty"`
	AccessTokenTTL int64      `json:"accessTokenTTL,omitempty"`
	SecretHint     string     `json:"secretHint,omitempty"`
	*limitsJSON               // clients only
}

func showSession(s credential.Session, now time.Time) sessionJSON {
	j := sessionJSON{Name: s.Name, Scopes: s.Scopes, Owner: s.Owner, Status: string(s.Status),
		CreatedAt: s.CreatedAt.UTC().Truncate(time.Second)}
	if s.Kind == credential.KindClient {
		j.ClientID = s.ID
	} else {
		j.TokenID = s.ID
	}
	if s.ExpiresAt != nil {
		t := s.ExpiresAt.UTC().Truncate(time.Second)
		j.ExpiresAt = &t
		if s.Status == credential.Active && !now.Before(*s.ExpiresAt) {
			j.Status = "expired"
		}
	}
	return j
}

// showFamily is a refresh-token family as the API shows it.
func showFamily(f refresh.Family, now time.Time) sessionJSON {
	j := showSession(f.Session, now)
	j.AccessTokenTTL = int64(f.AccessTokenTTL / time.Second)
	return j
}

type createJWTBody struct {
	Name      string       `json:"name"`
	Scopes    *[]string    `json:"scopes"`
	ExpiresAt optionalTime `json:"expiresAt"`
}

func (h *Handler) createJWT(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body createJWTBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	owner, scopes, expires, err := h.checkIssue(ctx, c, issuing{name: body.Name, scopes: body.Scopes, expiresAt: body.ExpiresAt,
		kind: "a personal JWT (its signing key must stay in the keyring as long)", maxLife: h.opt.MaxJWTLifetime})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	sess := credential.Session{ProjectID: h.opt.ProjectID, ID: id.New(string(credential.KindJWT)), Kind: credential.KindJWT,
		Owner: owner.ID, Name: body.Name, Scopes: scopes, Status: credential.Active, CreatedAt: c.now, ExpiresAt: expires,
		NotBefore: c.now.Truncate(time.Second)}
	// The scope claim says what was granted at issue; an inheriting JWT
	// follows its owner live through its session, whatever the claim says.
	tok, err := accesstoken.Issue(ctx, h.opt.Signer, accesstoken.Claims{
		Issuer: h.opt.Issuer, Subject: owner.ID, Audience: h.opt.Audience, ExpiresAt: expires.Unix(), IssuedAt: c.now.Unix(),
		ID: sess.ID, Scope: owner.GrantOf(scopes).String(), SessionID: sess.ID,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if err := h.store.CreateSession(h.audit(ctx, c, audit.JWTCreate, audit.Credential(credential.TypeJWT, sess.ID)), sess); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	j := showSession(sess, c.now)
	j.Token = tok
	return created("/v1/tokens/jwt/"+sess.ID, j), nil
}

type createRefreshBody struct {
	Name           string       `json:"name"`
	Scopes         *[]string    `json:"scopes"`
	ExpiresAt      optionalTime `json:"expiresAt"`
	AccessTokenTTL *int64       `json:"accessTokenTTL"`
	Owner          *string      `json:"owner"`
}

func (h *Handler) createRefresh(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body createRefreshBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	ttl := refresh.DefaultAccessTokenTTL
	if body.AccessTokenTTL != nil {
		secs := *body.AccessTokenTTL
		if secs < int64(MinAccessTokenTTL/time.Second) || secs > int64(MaxAccessTokenTTL/time.Second) {
			return events.APIGatewayProxyResponse{}, apigw.Invalid("accessTokenTTL", "must be from %d to %d seconds",
				int64(MinAccessTokenTTL/time.Second), int64(MaxAccessTokenTTL/time.Second))
		}
		ttl = time.Duration(secs) * time.Second
	}
	owner, scopes, expires, err := h.checkIssue(ctx, c, issuing{name: body.Name, owner: body.Owner, scopes: body.Scopes, expiresAt: body.ExpiresAt,
		kind: "a refresh-token family", maxLife: h.opt.MaxRefreshLifetime})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	fam, first, tok, err := refresh.NewFamily(h.opt.ProjectID, owner.ID, body.Name, scopes, c.now, *expires, ttl, h.opt.SecretPrefix)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if err := h.store.CreateFamily(h.audit(ctx, c, audit.RefreshCreate, audit.Credential(credential.TypeRefreshToken, fam.ID)), fam, first); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	j := showSession(fam.Session, c.now)
	j.RefreshToken, j.AccessTokenTTL = tok, int64(ttl/time.Second)
	return created("/v1/tokens/refresh/"+fam.ID, j), nil
}

// sessionView reads the JWT, refresh family or client of kind named in
// the path under param that the caller may see (its own, or any for an
// admin; anything else is 404), and what GET shows of it.
func (h *Handler) sessionView(ctx context.Context, c *call, kind credential.Kind, param string) (credential.Client, sessionJSON, error) {
	notFound := apigw.NewProblem(http.StatusNotFound, "no such credential")
	recordID := c.req.PathParameters[param]
	if !id.Valid(string(kind), recordID) {
		return credential.Client{}, sessionJSON{}, notFound
	}
	var cl credential.Client
	var view sessionJSON
	var err error
	switch kind {
	case credential.KindClient:
		cl, err = h.store.GetClient(ctx, h.opt.ProjectID, recordID)
		view = showClient(cl, "", c.now)
	case credential.KindRefresh:
		var f refresh.Family
		f, err = h.store.GetFamily(ctx, h.opt.ProjectID, recordID)
		cl.Session, view = f.Session, showFamily(f, c.now)
	default:
		cl.Session, err = h.store.GetSession(ctx, h.opt.ProjectID, recordID)
		view = showSession(cl.Session, c.now)
	}
	if errors.Is(err, store.ErrNotFound) || err == nil && (cl.Kind != kind || !c.sees(cl.Owner)) {
		return credential.Client{}, sessionJSON{}, notFound
	}
	if err != nil {
		return credential.Client{}, sessionJSON{}, err
	}
	return cl, view, nil
}

// getSession answers GET for a JWT, a refresh family or a client.
func (h *Handler) getSession(kind credential.Kind, param string) route {
	return func(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
		cl, view, err := h.sessionView(ctx, c, kind, param)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		return apigw.JSON(http.StatusOK, view, apigw.Tagged(sessionTag(cl.Version, view), nil)), nil
	}
}

// revokeSession answers DELETE for a JWT, a refresh family or a client:
// a compare-and-swap, so a second revoke is 404. Revoking is final, so it
// needs no retry: a change that races it is ended by it, not undone.
func (h *Handler) revokeSession(kind credential.Kind, param string) route {
	return func(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
		s, view, err := h.sessionView(ctx, c, kind, param)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		if err := apigw.IfMatch(c.req, func() string { return sessionTag(s.Version, view) }); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		if err := h.store.RevokeSession(h.audit(ctx, c, revokeActions[kind], audit.Credential(kind.Type(), s.ID)), h.opt.ProjectID, s.ID, c.now); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusNotFound, "no such credential")
			}
			return events.APIGatewayProxyResponse{}, err
		}
		return apigw.NoContent(), nil
	}
}

// listCredentials answers GET for the caller's (or, for an admin,
// ?owner=) JWTs, refresh families or clients, listed by list.
func (h *Handler) listCredentials(list func(ctx context.Context, owner string, p store.Page, now time.Time) ([]sessionJSON, string, error)) route {
	return func(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
		p, owner, err := h.listParams(c)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		var items []sessionJSON
		next := ""
		if id.Valid(user.IDPrefix, owner) {
			if items, next, err = list(ctx, owner, p, c.now); err != nil {
				return events.APIGatewayProxyResponse{}, err
			}
		}
		return apigw.JSON(http.StatusOK, newList(items, next), nil), nil
	}
}

func (h *Handler) listJWTs(ctx context.Context, owner string, p store.Page, now time.Time) ([]sessionJSON, string, error) {
	sessions, next, err := h.store.ListSessions(ctx, h.opt.ProjectID, owner, credential.KindJWT, p)
	return showEach(sessions, func(s credential.Session) sessionJSON { return showSession(s, now) }), next, err
}

func (h *Handler) listFamilies(ctx context.Context, owner string, p store.Page, now time.Time) ([]sessionJSON, string, error) {
	fams, next, err := h.store.ListFamilies(ctx, h.opt.ProjectID, owner, p)
	return showEach(fams, func(f refresh.Family) sessionJSON { return showFamily(f, now) }), next, err
}

// showEach is what a list shows of each of items.
func showEach[T any](items []T, show func(T) sessionJSON) []sessionJSON {
	out := make([]sessionJSON, len(items))
	for i, v := range items {
		out[i] = show(v)
	}
	return out
}
