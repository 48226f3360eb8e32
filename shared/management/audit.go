package management

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/credential"
)

// revokeActions name the audit record of a session revocation by the
// session's kind.
var revokeActions = map[credential.Kind]string{
	credential.KindJWT: audit.JWTRevoke, credential.KindRefresh: audit.RefreshRevoke, credential.KindClient: audit.ClientRevoke,
}

// audit returns ctx carrying the audit record of the change c is about to
// make: the store writes it in the change's own transaction.
func (h *Handler) audit(ctx context.Context, c *call, action string, target audit.Target) context.Context {
	return audit.With(ctx, audit.New(h.opt.ProjectID, c.caller.PrincipalID, action, target,
		c.req.RequestContext.Identity.SourceIP, c.req.RequestContext.RequestID, c.now))
}

// defaultAuditWindow is how far back GET /v1/audit reads without ?since=
// (within the retention).
const defaultAuditWindow = 90 * 24 * time.Hour

// auditSince reads ?since= (RFC 3339), which may not be earlier than the
// audit retention; omitted, it is defaultAuditWindow back, or the
// retention where that is shorter.
func (h *Handler) auditSince(c *call) (time.Time, error) {
	oldest := c.now.Add(-h.opt.AuditRetention)
	v, ok := c.req.QueryStringParameters["since"]
	if !ok {
		return c.now.Add(-min(defaultAuditWindow, h.opt.AuditRetention)), nil
	}
	since, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, apigw.Invalid("since", "must be an RFC 3339 time")
	}
	if since.Before(oldest) {
		return time.Time{}, apigw.Invalid("since", "must not be earlier than the audit retention, %d days back", h.opt.AuditRetention/(24*time.Hour))
	}
	return since, nil
}

type auditJSON struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	TargetType string    `json:"targetType"`
	TargetID   string    `json:"targetId"`
	ProjectID  string    `json:"projectId"`
	SourceIP   string    `json:"sourceIp"`
	RequestID  string    `json:"requestId"`
}

// listAudit answers GET /v1/audit (admins): newest first, ?targetId=,
// ?since= (RFC 3339), ?limit= and ?cursor=.
func (h *Handler) listAudit(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if !c.user.IsAdmin() {
		return events.APIGatewayProxyResponse{}, apigw.Forbidden("only an admin may read the audit log")
	}
	p, err := page(c.req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	since, err := h.auditSince(c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	targetID := c.req.QueryStringParameters["targetId"]
	if err := validID("targetId", targetID); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	recs, next, err := h.store.ListAudit(ctx, h.opt.ProjectID, targetID, since, c.now, p)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err // a bad cursor is a 400 naming cursor
	}
	items := make([]auditJSON, len(recs))
	for i, r := range recs {
		items[i] = auditJSON{ID: r.ID, Time: r.Time, Actor: r.Actor, Action: r.Action, TargetType: r.TargetType,
			TargetID: r.TargetID, ProjectID: r.ProjectID, SourceIP: r.SourceIP, RequestID: r.RequestID}
	}
	return apigw.JSON(http.StatusOK, newList(items, next), nil), nil
}
