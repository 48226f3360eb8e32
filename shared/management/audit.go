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
	var since time.Time
	if v, ok := c.req.QueryStringParameters["since"]; ok {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			return events.APIGatewayProxyResponse{}, apigw.Invalid("since", "must be an RFC 3339 time")
		}
	}
	recs, next, err := h.store.ListAudit(ctx, h.opt.ProjectID, c.req.QueryStringParameters["targetId"], since, c.now, p)
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
