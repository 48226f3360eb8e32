package scanning

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// The route GitHub posts its reports to (a public route: GitHub's
// signature, not a Tollgate credential, authenticates it).
const (
	Method   = http.MethodPost
	Resource = "/v1/secret-scanning/github"
)

// The headers carrying GitHub's signature of the body.
const (
	HeaderKeyID     = "Github-Public-Key-Identifier"
	HeaderSignature = "Github-Public-Key-Signature"
)

// Action is what happens to a live credential reported leaked.
type Action string

// Actions: an API key is deactivated (status inactive, as PATCH does) or
// revoked (as DELETE does); a refresh-token family or an OAuth client,
// which have no inactive state, is revoked by either. Notify changes
// nothing: the audit record and the event only.
const (
	Deactivate Action = "deactivate"
	Revoke     Action = "revoke"
	Notify     Action = "notify"
)

// ParseAction reads a configured action; "" is Deactivate.
func ParseAction(s string) (Action, error) {
	switch a := Action(s); a {
	case "":
		return Deactivate, nil
	case Deactivate, Revoke, Notify:
		return a, nil
	}
	return "", fmt.Errorf("%s: %q is not deactivate, revoke or notify", config.EnvLeakAction, s)
}

// EventLeaked is the event, and audit.CredentialLeaked the audit action,
// of a credential reported leaked.
const EventLeaked = "credential.leaked"

// Actor names GitHub's reports in the audit log.
const Actor = "github-secret-scanning"

// Labels of a reported token.
const (
	TruePositive  = "true_positive"  // a live Tollgate secret, or one recorded leaked before
	FalsePositive = "false_positive" // anything else
)

// Result is the answer about one reported token: never the token itself.
type Result struct {
	TokenHash string `json:"token_hash"` // hex SHA-256 of the token
	TokenType string `json:"token_type"` // the report's type
	Label     string `json:"label"`
}

// ErrReported is a leak of a credential recorded already: nothing more was
// written.
var ErrReported = errors.New("credential leak recorded already")

// Change is what recording a leak does to the credential.
type Change int

// Changes of a leak.
const (
	ChangeNone          Change = iota // notify: the credential stays as it is
	ChangeDeactivateKey               // Leak.Key, its Status inactive, on condition of its Version
	ChangeDeleteKey                   // both items of Leak.Key, on condition of its Version
	ChangeRevokeSession               // the family or client Leak.Event.CredentialID, on condition it is active
)

// Leak is what a store records, all or nothing, once per credential.
type Leak struct {
	ProjectID string
	Hash      secret.Hash // the reported secret's
	Change    Change
	Key       apikey.Key  // the key as read, for the key changes
	Event     meter.Event // credential.leaked: the credential, its owner, url, source, time
}

// Store is what the leak response reads and writes.
type Store interface {
	// LeakedSecret reports whether the secret hashed h was recorded leaked.
	LeakedSecret(ctx context.Context, projectID string, h secret.Hash) (bool, error)
	GetKeyByHash(ctx context.Context, projectID string, h secret.Hash) (apikey.Key, error)
	GetRefreshToken(ctx context.Context, projectID string, h secret.Hash) (refresh.Token, error)
	GetFamily(ctx context.Context, projectID, familyID string) (refresh.Family, error)
	// GetClientBySecret reads the client whose current or previous secret
	// hashes to h.
	GetClientBySecret(ctx context.Context, projectID string, h secret.Hash) (credential.Client, error)
	// RecordLeak writes, in one transaction: a marker of the credential's
	// leak (on condition there is none: ErrReported otherwise, after
	// marking l.Hash leaked), a marker of l.Hash, l.Change, the audit record
	// ctx carries and l.Event in the event outbox. ErrConflict if the
	// credential changed since it was read, ErrNotFound if it is gone or
	// (a session) no longer active.
	RecordLeak(ctx context.Context, l Leak) error
}

// Options configure a Handler.
type Options struct {
	ProjectID string
	Keys      Keys   // GitHub's public keys; none: the route answers 404
	Action    Action // "" is Deactivate
	Clock     clock.Clock
	Logger    *slog.Logger
}

// Configured is the options a deployment's settings give: its key set and
// action (an error if either is invalid), with the clock and the logger.
func Configured(cfg config.Config, clk clock.Clock, logger *slog.Logger) (Options, error) {
	keys, kerr := ParseKeys(cfg.ScanningKeys)
	if kerr != nil {
		kerr = fmt.Errorf("%s: %w", config.EnvScanningKeys, kerr)
	}
	action, aerr := ParseAction(cfg.LeakAction)
	return Options{ProjectID: cfg.ProjectID, Keys: keys, Action: action, Clock: clk, Logger: logger}, errors.Join(kerr, aerr)
}

// Handler serves POST /v1/secret-scanning/github.
type Handler struct {
	store Store
	opt   Options
}

// New returns the handler.
func New(s Store, opt Options) *Handler {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Action == "" {
		opt.Action = Deactivate
	}
	return &Handler{store: s, opt: opt}
}

// Handle is the Lambda handler (served by the issuekeys function).
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	resp, err := h.serve(ctx, req)
	if err != nil {
		p, internal := apigw.ProblemFrom(err)
		if internal {
			h.opt.Logger.Error("secret scanning: request failed", "requestId", req.RequestContext.RequestID, "error", err)
		}
		return apigw.ProblemResponse(p), nil
	}
	return resp, nil
}

func (h *Handler) serve(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if req.HTTPMethod != Method || req.Resource != Resource {
		return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusNotFound, "no such route")
	}
	if len(h.opt.Keys) == 0 {
		return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusNotFound, "secret scanning is not configured in this deployment")
	}
	body, err := apigw.Body(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if len(body) > apigw.MaxBody {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("body", "larger than %d bytes", apigw.MaxBody)
	}
	keyID, _ := apigw.Header(req, HeaderKeyID)
	sig, _ := apigw.Header(req, HeaderSignature)
	if err := h.opt.Keys.Verify(keyID, sig, body); err != nil {
		h.opt.Logger.Warn("secret scanning: refused", "reason", err.Error(), "requestId", req.RequestContext.RequestID,
			"sourceIp", req.RequestContext.Identity.SourceIP)
		what := HeaderSignature + " is not GitHub's signature of the body"
		if errors.Is(err, ErrUnknownKey) {
			what = HeaderKeyID + " names no configured GitHub key"
		}
		return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusUnauthorized, "%s", what)
	}
	reports, err := ParseReports(body)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	results := make([]Result, len(reports))
	for i, r := range reports {
		label, err := h.report(ctx, req, r)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		results[i] = Result{TokenHash: secret.Sum(r.Token).String(), TokenType: r.Type, Label: label}
	}
	return apigw.JSON(http.StatusOK, results, apigw.NoStore), nil
}

// report labels one reported token and, the first time a live credential's
// leak is reported, records it: a read-modify-write run again (store.Retry)
// when the credential changed or went between the read and the write.
func (h *Handler) report(ctx context.Context, req events.APIGatewayProxyRequest, r Report) (string, error) {
	kind, err := secret.Check(r.Token, secret.PrefixAPIKey, secret.PrefixRefreshToken, secret.PrefixClientSecret)
	if err != nil {
		return FalsePositive, nil // not a Tollgate secret: nothing read
	}
	hash := secret.Sum(r.Token)
	var label string
	err = store.Retry(func() (err error) {
		label, err = h.record(ctx, req, r, kind, hash)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return "", apigw.NewProblem(http.StatusConflict, "a reported credential kept changing; retry the report")
	}
	return label, err
}

// record is one attempt of report: it reads the leak marker and the
// credential, and records the leak of a live one (store.ErrConflict when
// the credential changed or went since it was read).
func (h *Handler) record(ctx context.Context, req events.APIGatewayProxyRequest, r Report, kind string, hash secret.Hash) (string, error) {
	leaked, err := h.store.LeakedSecret(ctx, h.opt.ProjectID, hash)
	if err != nil || leaked {
		return TruePositive, err
	}
	now := h.opt.Clock.Now()
	l, live, err := h.resolve(ctx, kind, hash, now)
	if err != nil {
		return "", err
	}
	if !live {
		// Revoked or deleted by a concurrent report of the same leak
		// since the first read? Its marker was written in the same
		// transaction, so it shows now.
		if leaked, err = h.store.LeakedSecret(ctx, h.opt.ProjectID, hash); err != nil || leaked {
			return TruePositive, err
		}
		return FalsePositive, nil
	}
	l.Event.URL, l.Event.Source = r.URL, r.Source
	actx := audit.With(ctx, audit.New(h.opt.ProjectID, Actor, audit.CredentialLeaked,
		audit.Target{Type: l.Event.Kind, ID: l.Event.CredentialID},
		req.RequestContext.Identity.SourceIP, req.RequestContext.RequestID, now))
	// An event written later than meter.EventDeadline after its time
	// could miss the forwarder: the write must end by then.
	wctx, cancel := context.WithTimeout(actx, meter.EventDeadline)
	err = h.store.RecordLeak(wctx, l)
	cancel()
	switch {
	case err == nil:
		h.opt.Logger.Info("secret scanning: credential leaked", "credentialType", l.Event.Kind,
			"credentialId", l.Event.CredentialID, "action", string(h.opt.Action), "source", r.Source)
		return TruePositive, nil
	case errors.Is(err, ErrReported):
		return TruePositive, nil
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("the credential changed or went since it was read: %w", store.ErrConflict)
	}
	return "", fmt.Errorf("recording a leak of %s %s: %w", l.Event.Kind, l.Event.CredentialID, err)
}

// resolve reads the credential of a secret of kind hashed h, and returns
// the leak to record and whether it is live: a key that is active or
// inactive (and not expired), a refresh token of an active family, or an
// active client's current secret (or its previous one within the grace).
func (h *Handler) resolve(ctx context.Context, kind string, hash secret.Hash, now time.Time) (Leak, bool, error) {
	l := Leak{ProjectID: h.opt.ProjectID, Hash: hash}
	l.Event = meter.Event{Type: EventLeaked, Time: now}
	revoke := ChangeRevokeSession
	if h.opt.Action == Notify {
		revoke = ChangeNone
	}
	switch kind {
	case secret.PrefixAPIKey:
		k, err := h.store.GetKeyByHash(ctx, h.opt.ProjectID, hash)
		if err != nil || k.ExpiredAt(now) || k.Status == apikey.Expired {
			return l, false, absent(err)
		}
		l.Event.CredentialID, l.Event.Kind, l.Event.Owner = k.ID, string(credential.TypeAPIKey), k.Owner
		l.Key = k
		switch h.opt.Action {
		case Deactivate:
			l.Change, l.Key.Status = ChangeDeactivateKey, apikey.Inactive
		case Revoke:
			l.Change = ChangeDeleteKey
		}
		return l, true, nil
	case secret.PrefixRefreshToken:
		t, err := h.store.GetRefreshToken(ctx, h.opt.ProjectID, hash)
		if err != nil {
			return l, false, absent(err)
		}
		f, err := h.store.GetFamily(ctx, h.opt.ProjectID, t.FamilyID)
		if err != nil || f.Status != credential.Active || f.ExpiresAt != nil && !now.Before(*f.ExpiresAt) {
			return l, false, absent(err)
		}
		l.Event.CredentialID, l.Event.Kind, l.Event.Owner = f.ID, string(credential.TypeRefreshToken), f.Owner
		l.Change = revoke
		return l, true, nil
	default: // secret.PrefixClientSecret
		c, err := h.store.GetClientBySecret(ctx, h.opt.ProjectID, hash)
		current := c.SecretHash == hash || c.PreviousHash == hash && now.Before(c.PreviousUntil)
		if err != nil || c.Status != credential.Active || !current {
			return l, false, absent(err)
		}
		l.Event.CredentialID, l.Event.Kind, l.Event.Owner = c.ID, string(credential.TypeClient), c.Owner
		l.Change = revoke
		return l, true, nil
	}
}

// absent passes a read's error on, but not ErrNotFound: an unknown secret
// is a false positive, not a failure.
func absent(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
