package management

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
)

// UsageWindow is how far back GET …/usage shows counts: 168 hours, the
// current one last.
const UsageWindow = 7 * 24 * time.Hour

type usageHour struct {
	Start      time.Time `json:"start"`
	Authorized int64     `json:"authorized"`
	Refused    int64     `json:"refused"`
}

type usageJSON struct {
	Remaining *int64      `json:"remaining"` // null without a quota
	Hours     []usageHour `json:"hours"`
}

// usage answers the hourly counts of credentialID (every hour of the
// window, oldest first, zero where nothing was counted) and the balance of
// its quota q at now.
func (h *Handler) usage(ctx context.Context, credentialID string, q *meter.Quota, now time.Time) (events.APIGatewayProxyResponse, error) {
	current := now.Truncate(time.Hour)
	first := current.Add(-UsageWindow + time.Hour)
	counted, err := h.store.ListUsage(ctx, h.opt.ProjectID, credentialID, first)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	byHour := make(map[time.Time]meter.Usage, len(counted))
	for _, u := range counted {
		byHour[u.Hour.UTC()] = u
	}
	out := usageJSON{Hours: make([]usageHour, 0, int(UsageWindow/time.Hour))}
	for t := first; !t.After(current); t = t.Add(time.Hour) {
		u := byHour[t]
		out.Hours = append(out.Hours, usageHour{Start: t, Authorized: u.Authorized, Refused: u.Refused})
	}
	if q != nil {
		remaining, _ := q.At(now)
		out.Remaining = &remaining
	}
	return apigw.JSON(http.StatusOK, out, nil), nil
}

func (h *Handler) keyUsage(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	k, err := h.keyFor(ctx, c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return h.usage(ctx, k.ID, k.Limits.Quota, c.now)
}

func (h *Handler) clientUsage(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	cl, _, err := h.sessionView(ctx, c, credential.KindClient, "clientId")
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return h.usage(ctx, cl.ID, cl.Limits.Quota, c.now)
}
