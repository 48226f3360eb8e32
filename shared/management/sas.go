package management

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/store"
)

// MaxSASLifetime bounds a SAS token's expiry.
const MaxSASLifetime = 366 * 24 * time.Hour

// sasJSON is a SAS credential as GET /v1/sas shows it.
type sasJSON struct {
	Identifier   string `json:"identifier"`
	Enabled      bool   `json:"enabled"`
	PrimaryKey   string `json:"primaryKey,omitempty"`
	SecondaryKey string `json:"secondaryKey,omitempty"`
}

// sasFor returns the caller's SAS credential, opened, creating it on the
// first call (unless the request has an If-Match, which then fails). Its
// keys sign for all of the caller's scopes, so the calling credential must
// hold all of them.
func (h *Handler) sasFor(ctx context.Context, c *call) (sas.Credential, error) {
	if err := h.covers(ctx, c, c.user.ID, nil); err != nil {
		return sas.Credential{}, err
	}
	sealed, err := h.store.GetSASByOwner(ctx, h.opt.ProjectID, c.user.ID)
	if errors.Is(err, store.ErrNotFound) {
		if err := apigw.IfMatch(c.req, apigw.Absent); err != nil {
			return sas.Credential{}, err
		}
		return h.createSAS(ctx, c)
	}
	if err != nil {
		return sas.Credential{}, err
	}
	return sas.Open(ctx, h.opt.Sealer, sealed)
}

func (h *Handler) createSAS(ctx context.Context, c *call) (sas.Credential, error) {
	if !c.user.MayIssue() {
		return sas.Credential{}, apigw.Forbidden("creating credentials needs the credential-issuer or admin role")
	}
	cred := sas.Credential{ProjectID: h.opt.ProjectID, Owner: c.user.ID, Enabled: true, CreatedAt: c.now}
	var err error
	if cred.Identifier, err = sas.NewIdentifier(); err != nil {
		return sas.Credential{}, err
	}
	if cred.Primary, err = sas.GenerateKey(); err != nil {
		return sas.Credential{}, err
	}
	if cred.Secondary, err = sas.GenerateKey(); err != nil {
		return sas.Credential{}, err
	}
	sealed, err := sas.Seal(ctx, h.opt.Sealer, cred)
	if err != nil {
		return sas.Credential{}, err
	}
	err = h.store.CreateSAS(h.audit(ctx, c, audit.SASCreate, audit.Credential(credential.TypeSAS, sealed.Identifier)), sealed)
	if errors.Is(err, store.ErrConflict) {
		// A concurrent first call made it: answer with that one.
		if sealed, err = h.store.GetSASByOwner(ctx, h.opt.ProjectID, c.user.ID); err != nil {
			return sas.Credential{}, err
		}
		return sas.Open(ctx, h.opt.Sealer, sealed)
	}
	cred.Version = 1 // as stored
	return cred, err
}

// changeSAS applies change to the caller's SAS credential, as the
// request's If-Match says it is, and stores it sealed, audited as action;
// a concurrent change is read and kept (see retried). It returns the
// credential as stored.
func (h *Handler) changeSAS(ctx context.Context, c *call, action string, change func(*sas.Credential) error) (sas.Credential, error) {
	var cred sas.Credential
	err := retried(func() error {
		var err error
		if cred, err = h.sasFor(ctx, c); err != nil {
			return err
		}
		if err := apigw.IfMatch(c.req, func() string { return sasTag(cred) }); err != nil {
			return err
		}
		if err := change(&cred); err != nil {
			return err
		}
		sealed, err := sas.Seal(ctx, h.opt.Sealer, cred)
		if err != nil {
			return err
		}
		return h.store.UpdateSAS(h.audit(ctx, c, action, audit.Credential(credential.TypeSAS, sealed.Identifier)), sealed)
	})
	cred.Version++
	return cred, err
}

func showSAS(c sas.Credential) sasJSON {
	return sasJSON{Identifier: c.Identifier, Enabled: c.Enabled, PrimaryKey: c.Primary, SecondaryKey: c.Secondary}
}

// sasTag is the entity tag of a SAS credential: its revision and what it
// shows besides its keys.
func sasTag(c sas.Credential) string {
	return apigw.ETag(c.Version, sasJSON{Identifier: c.Identifier, Enabled: c.Enabled})
}

func (h *Handler) getSAS(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	cred, err := h.sasFor(ctx, c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusOK, showSAS(cred), apigw.Tagged(sasTag(cred), apigw.NoStore)), nil
}

type sasKeyBody struct {
	Key string `json:"key"`
}

func validKeyName(k string) error {
	if k != sas.Primary && k != sas.Secondary {
		return apigw.Invalid("key", `must be "primary" or "secondary"`)
	}
	return nil
}

func (h *Handler) regenerateSAS(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body sasKeyBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if err := validKeyName(body.Key); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if !c.user.MayIssue() {
		return events.APIGatewayProxyResponse{}, apigw.Forbidden("regenerating credentials needs the credential-issuer or admin role")
	}
	cred, err := h.changeSAS(ctx, c, audit.SASRegenerate, func(cred *sas.Credential) error {
		key, err := sas.GenerateKey()
		if body.Key == sas.Primary {
			cred.Primary = key
		} else {
			cred.Secondary = key
		}
		return err
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusOK, showSAS(cred), apigw.Tagged(sasTag(cred), apigw.NoStore)), nil
}

type patchSASBody struct {
	Enabled *bool `json:"enabled"`
}

// patchSAS enables or disables the caller's SAS credential; its answer
// carries no keys.
func (h *Handler) patchSAS(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body patchSASBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if body.Enabled == nil {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("enabled", "is required")
	}
	cred, err := h.changeSAS(ctx, c, audit.SASUpdate, func(cred *sas.Credential) error {
		cred.Enabled = *body.Enabled
		return nil
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusOK, sasJSON{Identifier: cred.Identifier, Enabled: cred.Enabled}, apigw.Tagged(sasTag(cred), nil)), nil
}

type sasTokenBody struct {
	Expiry string `json:"expiry"`
	Key    string `json:"key"`
}

func (h *Handler) sasToken(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body sasTokenBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if err := validKeyName(body.Key); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	expiry, err := sas.ParseExpiry(body.Expiry)
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("expiry", "must be RFC 3339, .NET round-trip (2014-08-04T22:03:00.0000000Z) or MM/DD/YYYY H:MM PM (UTC)")
	}
	switch {
	case !expiry.After(c.now):
		return events.APIGatewayProxyResponse{}, apigw.Invalid("expiry", "must be in the future")
	case expiry.After(c.now.Add(MaxSASLifetime)):
		return events.APIGatewayProxyResponse{}, apigw.Invalid("expiry", "must be within 366 days")
	}
	cred, err := h.sasFor(ctx, c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if !cred.Enabled {
		return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusConflict, "the SAS credential is disabled")
	}
	key := cred.Primary
	if body.Key == sas.Secondary {
		key = cred.Secondary
	}
	return apigw.JSON(http.StatusOK, map[string]string{"token": sas.Sign(cred.Identifier, key, expiry)}, apigw.NoStore), nil
}
