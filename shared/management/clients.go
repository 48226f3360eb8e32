package management

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
)

// showClient is a client as the API shows it, with its secret sec only
// when it was just made.
func showClient(cl credential.Client, sec string, now time.Time) sessionJSON {
	j := showSession(cl.Session, now)
	limits := showLimits(cl.Limits, now)
	j.ClientSecret, j.SecretHint, j.limitsJSON = sec, cl.SecretHint, &limits
	return j
}

// sessionTag is the entity tag of a JWT, refresh family or client at
// version shown as j, a client's quota balance aside.
func sessionTag(version int64, j sessionJSON) string {
	if j.limitsJSON != nil {
		limits := j.tagged()
		j.limitsJSON = &limits
	}
	return apigw.ETag(version, j)
}

type createClientBody struct {
	Name      string      `json:"name"`
	Scopes    *[]string   `json:"scopes"`
	RateLimit limitMember `json:"rateLimit"`
	Quota     limitMember `json:"quota"`
}

func (h *Handler) createClient(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body createClientBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	owner, scopes, _, err := h.checkIssue(ctx, c, issuing{name: body.Name, scopes: body.Scopes, noExpiry: true})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	limits, err := newLimits(body.RateLimit, body.Quota, c.now)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	cl, sec, err := credential.NewClient(h.opt.ProjectID, owner.ID, body.Name, scopes, c.now, h.opt.SecretPrefix)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	cl.Limits = limits
	if err := h.store.CreateClient(h.audit(ctx, c, audit.ClientCreate, audit.Credential(credential.TypeClient, cl.ID)), cl); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return created("/v1/clients/"+cl.ID, showClient(cl, sec, c.now)), nil
}

func (h *Handler) listClients(ctx context.Context, owner string, p store.Page, now time.Time) ([]sessionJSON, string, error) {
	clients, next, err := h.store.ListClients(ctx, h.opt.ProjectID, owner, p)
	return showEach(clients, func(cl credential.Client) sessionJSON { return showClient(cl, "", now) }), next, err
}

// rotateClientSecret gives a client a new secret; the old one keeps
// working for credential.DefaultSecretGrace. It answers 200: the client stays
// the same resource.
func (h *Handler) rotateClientSecret(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if !c.user.MayIssue() {
		return events.APIGatewayProxyResponse{}, apigw.Forbidden("rotating credentials needs the credential-issuer or admin role")
	}
	var rotated credential.Client
	var sec string
	err := retried(func() error {
		var err error
		rotated, sec, err = h.rotateSecret(ctx, c)
		return err
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	j := showClient(rotated, "", c.now)
	tag := sessionTag(rotated.Version, j)
	j.ClientSecret = sec
	return apigw.JSON(http.StatusOK, struct {
		sessionJSON
		PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt"`
	}{j, rotated.PreviousUntil.UTC().Truncate(time.Second)}, apigw.Tagged(tag, apigw.NoStore)), nil
}

// rotateSecret reads the client in the path and stores a new secret for
// it, returned with the client as stored.
func (h *Handler) rotateSecret(ctx context.Context, c *call) (credential.Client, string, error) {
	cl, view, err := h.sessionView(ctx, c, credential.KindClient, "clientId")
	if err != nil {
		return credential.Client{}, "", err
	}
	if err := apigw.IfMatch(c.req, func() string { return sessionTag(cl.Version, view) }); err != nil {
		return credential.Client{}, "", err
	}
	if cl.Status != credential.Active {
		return credential.Client{}, "", apigw.NewProblem(http.StatusConflict, "the client is revoked")
	}
	// The new secret is handed to the caller: its credential must hold
	// every scope the client grants.
	if err := h.covers(ctx, c, cl.Owner, cl.Scopes); err != nil {
		return credential.Client{}, "", err
	}
	rotated, sec, err := cl.RotateSecret(c.now, credential.DefaultSecretGrace, h.opt.SecretPrefix)
	if err != nil {
		return credential.Client{}, "", err
	}
	if err := h.store.UpdateClientSecret(h.audit(ctx, c, audit.ClientRotateSecret, audit.Credential(credential.TypeClient, rotated.ID)), rotated); err != nil {
		return credential.Client{}, "", err
	}
	rotated.Version++
	return rotated, sec, nil
}

type updateClientBody struct {
	RateLimit limitMember `json:"rateLimit"`
	Quota     limitMember `json:"quota"`
}

// updateClient changes a client's limits. It answers 200 with the client.
func (h *Handler) updateClient(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body updateClientBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if !body.RateLimit.set && !body.Quota.set {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("rateLimit", "rateLimit or quota is required")
	}
	if err := mayLimit(c, body.RateLimit, body.Quota); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	limits, err := parseLimits(body.RateLimit, body.Quota)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	var cl credential.Client
	err = retried(func() error {
		var view sessionJSON
		var err error
		if cl, view, err = h.sessionView(ctx, c, credential.KindClient, "clientId"); err != nil {
			return err
		}
		if err := apigw.IfMatch(c.req, func() string { return sessionTag(cl.Version, view) }); err != nil {
			return err
		}
		if cl.Status != credential.Active {
			return apigw.NewProblem(http.StatusConflict, "the client is revoked")
		}
		if cl.Limits, err = limits.apply(cl.Limits, c.now); err != nil {
			return err
		}
		return h.store.UpdateClient(h.audit(ctx, c, audit.ClientUpdate, audit.Credential(credential.TypeClient, cl.ID)), cl)
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	cl.Version++
	j := showClient(cl, "", c.now)
	return apigw.JSON(http.StatusOK, j, apigw.Tagged(sessionTag(cl.Version, j), nil)), nil
}
