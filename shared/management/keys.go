package management

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/user"
)

// MaxOverlap is the longest overlap a rotation may ask for.
const MaxOverlap = 30 * 24 * time.Hour

// keyKind is how refusals name an API key.
const keyKind = "an API key"

// keyJSON is a key as the API shows it; Key is set only when it is created.
type keyJSON struct {
	KeyID      string     `json:"keyId"`
	Key        string     `json:"key,omitempty"`
	Name       string     `json:"name"`
	Scopes     scope.Set  `json:"scopes"` // null: inherits the owner's scopes
	Owner      string     `json:"owner"`
	Status     string     `json:"status"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RotatedTo  string     `json:"rotatedTo,omitempty"`
	limitsJSON
}

func showKey(k apikey.Key, token string, now time.Time) keyJSON {
	sec := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := t.UTC().Truncate(time.Second)
		return &v
	}
	return keyJSON{
		KeyID: k.ID, Key: token, Name: k.Name, Scopes: k.Scopes, Owner: k.Owner, Status: string(k.StatusAt(now)),
		Hint: k.Hint, CreatedAt: *sec(&k.CreatedAt), ExpiresAt: sec(k.ExpiresAt), LastUsedAt: sec(k.LastUsedAt),
		RotatedTo: k.RotatedTo, limitsJSON: showLimits(k.Limits, now),
	}
}

// keyTag is the entity tag of k as GET shows it at now, its quota's
// balance aside.
func keyTag(k apikey.Key, now time.Time) string {
	j := showKey(k, "", now)
	j.limitsJSON = j.tagged()
	return apigw.ETag(k.Version, j)
}

type createKeyBody struct {
	Name      string       `json:"name"`
	Scopes    *[]string    `json:"scopes"`
	ExpiresAt optionalTime `json:"expiresAt"`
	Owner     *string      `json:"owner"`
	RateLimit limitMember  `json:"rateLimit"`
	Quota     limitMember  `json:"quota"`
}

func (h *Handler) createKey(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body createKeyBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	owner, scopes, expires, err := h.checkIssue(ctx, c, issuing{name: body.Name, owner: body.Owner, scopes: body.Scopes,
		expiresAt: body.ExpiresAt, mayNever: true, kind: keyKind, maxLife: h.opt.MaxKeyLifetime})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	limits, err := newLimits(body.RateLimit, body.Quota, c.now)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	k, tok, err := apikey.New(h.opt.ProjectID, owner.ID, body.Name, scopes, c.now, expires, h.opt.SecretPrefix)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	k.Limits = limits
	if err := h.store.CreateKey(h.audit(ctx, c, audit.KeyCreate, audit.Credential(credential.TypeAPIKey, k.ID)), k); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return created("/v1/keys/"+k.ID, showKey(k, tok, c.now)), nil
}

// created answers 201 with Location, for a body that holds a secret.
func created(location string, v any) events.APIGatewayProxyResponse {
	return apigw.JSON(http.StatusCreated, v, map[string]string{"Location": location, "Cache-Control": "no-store"})
}

// keyFor reads a key the caller may see: its own, or any for an admin.
// Anything else is 404, so key ids of others are not confirmed.
func (h *Handler) keyFor(ctx context.Context, c *call) (apikey.Key, error) {
	notFound := apigw.NewProblem(http.StatusNotFound, "no such key")
	k, err := inPath(ctx, h, c, "keyId", apikey.IDPrefix, h.store.GetKey, notFound)
	if err == nil && !c.sees(k.Owner) {
		return apikey.Key{}, notFound
	}
	return k, err
}

func (h *Handler) getKey(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	k, err := h.keyFor(ctx, c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusOK, showKey(k, "", c.now), apigw.Tagged(keyTag(k, c.now), nil)), nil
}

func (h *Handler) listKeys(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	p, owner, err := h.listParams(c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if !id.Valid(user.IDPrefix, owner) {
		return apigw.JSON(http.StatusOK, newList[keyJSON](nil, ""), nil), nil
	}
	keys, next, err := h.store.ListKeys(ctx, h.opt.ProjectID, owner, p)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = showKey(k, "", c.now)
	}
	return apigw.JSON(http.StatusOK, newList(out, next), nil), nil
}

type updateKeyBody struct {
	Status    *string     `json:"status"`
	Name      *string     `json:"name"`
	RateLimit limitMember `json:"rateLimit"`
	Quota     limitMember `json:"quota"`
}

func (h *Handler) updateKey(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body updateKeyBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if body.Status == nil && body.Name == nil && !body.RateLimit.set && !body.Quota.set {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("status", "status, name, rateLimit or quota is required")
	}
	if err := mayLimit(c, body.RateLimit, body.Quota); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	limits, err := parseLimits(body.RateLimit, body.Quota)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if body.Status != nil && *body.Status != string(apikey.Active) && *body.Status != string(apikey.Inactive) {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("status", `must be "active" or "inactive"`)
	}
	if body.Name != nil {
		if err := validName("name", *body.Name); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	var k apikey.Key
	err = retried(func() error {
		var err error
		if k, err = h.keyAsSent(ctx, c); err != nil {
			return err
		}
		if body.Status != nil {
			k.Status = apikey.Status(*body.Status)
		}
		if body.Name != nil {
			k.Name = *body.Name
		}
		if k.Limits, err = limits.apply(k.Limits, c.now); err != nil {
			return err
		}
		return h.store.UpdateKey(h.audit(ctx, c, audit.KeyUpdate, audit.Credential(credential.TypeAPIKey, k.ID)), k)
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	k.Version++
	return apigw.JSON(http.StatusOK, showKey(k, "", c.now), apigw.Tagged(keyTag(k, c.now), nil)), nil
}

// keyAsSent reads the key in the path, as keyFor does, if it is as the
// request's If-Match says (412 otherwise).
func (h *Handler) keyAsSent(ctx context.Context, c *call) (apikey.Key, error) {
	k, err := h.keyFor(ctx, c)
	if err == nil {
		err = apigw.IfMatch(c.req, func() string { return keyTag(k, c.now) })
	}
	return k, err
}

func (h *Handler) deleteKey(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	err := retried(func() error {
		k, err := h.keyAsSent(ctx, c)
		if err != nil {
			return err
		}
		return h.store.DeleteKey(h.audit(ctx, c, audit.KeyRevoke, audit.Credential(credential.TypeAPIKey, k.ID)), k)
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.NoContent(), nil
}

type rotateBody struct {
	OverlapSeconds *int64 `json:"overlapSeconds"`
}

func (h *Handler) rotateKey(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body rotateBody
	if c.req.Body != "" { // the body is optional here
		if err := decode(c.req, &body); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	overlap := apikey.DefaultOverlap
	if body.OverlapSeconds != nil {
		if *body.OverlapSeconds < 0 || *body.OverlapSeconds > int64(MaxOverlap/time.Second) {
			return events.APIGatewayProxyResponse{}, apigw.Invalid("overlapSeconds", "must be from 0 to %d", int64(MaxOverlap/time.Second))
		}
		overlap = time.Duration(*body.OverlapSeconds) * time.Second
	}
	if !c.user.MayIssue() {
		return events.APIGatewayProxyResponse{}, apigw.Forbidden("rotating credentials needs the credential-issuer or admin role")
	}
	var successor apikey.Key
	var tok string
	err := retried(func() error {
		var err error
		successor, tok, err = h.rotate(ctx, c, overlap)
		return err
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return created("/v1/keys/"+successor.ID, showKey(successor, tok, c.now)), nil
}

// rotate reads the key in the path and replaces it with a successor that
// takes over its name, scopes, owner and expiry; the old key works for
// overlap more.
func (h *Handler) rotate(ctx context.Context, c *call, overlap time.Duration) (apikey.Key, string, error) {
	old, err := h.keyAsSent(ctx, c)
	if err != nil {
		return apikey.Key{}, "", err
	}
	if old.ExpiredAt(c.now) {
		return apikey.Key{}, "", apigw.NewProblem(http.StatusConflict, "the key has expired; create a new one")
	}
	if old.Status != apikey.Active {
		return apikey.Key{}, "", apigw.NewProblem(http.StatusConflict, "the key is inactive; reactivate it before rotating it")
	}
	// The successor keeps the old key's expiry, which must still be within
	// the deployment's longest lifetime (it may have been shortened since).
	life := h.lifetime(issuing{mayNever: true, maxLife: h.opt.MaxKeyLifetime})
	if old.ExpiresAt != nil && life.Within(*old.ExpiresAt, c.now) != nil {
		return apikey.Key{}, "", tooLate(keyKind+" (create a new key instead)", h.opt.MaxKeyLifetime)
	}
	// The successor's secret is handed to the caller, so the calling
	// credential must hold every scope the successor will carry.
	if err := h.covers(ctx, c, old.Owner, old.Scopes); err != nil {
		return apikey.Key{}, "", err
	}
	ended, successor, tok, err := apikey.Rotate(old, c.now, overlap, h.opt.SecretPrefix)
	if err != nil {
		return apikey.Key{}, "", err
	}
	err = h.store.RotateKey(h.audit(ctx, c, audit.KeyRotate, audit.Credential(credential.TypeAPIKey, ended.ID)), ended, successor)
	return successor, tok, err
}

// decode reads the request's JSON body strictly.
func decode(req events.APIGatewayProxyRequest, dst any) error {
	b, err := apigw.Body(req)
	if err != nil {
		return err
	}
	return apigw.DecodeJSON(b, dst)
}
