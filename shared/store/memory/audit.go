package memory

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/store"
)

// DefaultAuditWindow is how far back ListAudit looks without a since.
const DefaultAuditWindow = 90 * 24 * time.Hour

// audit keeps the record ctx carries when the write it came with succeeded
// (err nil); s.mu is held.
func (s *Store) audit(ctx context.Context, err error) {
	if r, ok := audit.From(ctx); ok && err == nil {
		s.auditLog = append(s.auditLog, r)
	}
}

// ListAudit lists a project's audit records newest first, back to since
// (DefaultAuditWindow before now when zero), of one target when targetID
// is set.
func (s *Store) ListAudit(_ context.Context, projectID, targetID string, since, now time.Time, page store.Page) ([]audit.Record, string, error) {
	defer s.reading()()
	if since.IsZero() {
		since = now.Add(-DefaultAuditWindow)
	}
	var all []audit.Record
	for _, r := range s.auditLog {
		if r.ProjectID == projectID && (targetID == "" || r.TargetID == targetID) && !r.Time.Before(since) {
			all = append(all, r)
		}
	}
	return paginate(all, page, func(r audit.Record) string { return sortKey(r.Time, r.ID) })
}
