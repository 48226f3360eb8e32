package dynamo

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/store"
)

// auditItem is one audit record: in its day's partition, ordered by time,
// and in its target's partition of the owner index. It has no TTL.
type auditItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	GSI1PK     string `dynamodbav:"GSI1PK"`
	GSI1SK     string `dynamodbav:"GSI1SK"`
	Type       string `dynamodbav:"type"`
	ID         string `dynamodbav:"id"`
	ProjectID  string `dynamodbav:"projectId"`
	Time       string `dynamodbav:"time"`
	Actor      string `dynamodbav:"actor"`
	Action     string `dynamodbav:"action"`
	TargetType string `dynamodbav:"targetType"`
	TargetID   string `dynamodbav:"targetId"`
	SourceIP   string `dynamodbav:"sourceIp"`
	RequestID  string `dynamodbav:"requestId"`
}

const kindAudit = "AUDIT#"

// DefaultAuditWindow is how far back ListAudit looks without a since.
const DefaultAuditWindow = 90 * 24 * time.Hour

func auditDayPK(projectID string, t time.Time) string {
	return pk(projectID, "AUDIT", t.UTC().Format(time.DateOnly))
}

func auditTargetPK(projectID, targetID string) string { return pk(projectID, "AUDITTARGET", targetID) }

// auditPut is the Put of the record ctx carries; false if it carries none
// (store.ErrUnaudited instead when the store requires records).
func (s *Store) auditPut(ctx context.Context) (types.TransactWriteItem, bool, error) {
	r, ok := audit.From(ctx)
	if !ok && s.requireAudit {
		return types.TransactWriteItem{}, false, store.ErrUnaudited
	}
	if !ok {
		return types.TransactWriteItem{}, false, nil
	}
	sk := formatTime(r.Time) + "#" + r.ID
	puts, err := s.encodeNew(auditItem{
		PK: auditDayPK(r.ProjectID, r.Time), SK: sk,
		GSI1PK: auditTargetPK(r.ProjectID, r.TargetID), GSI1SK: kindAudit + sk,
		Type: "audit", ID: r.ID, ProjectID: r.ProjectID, Time: formatTime(r.Time), Actor: r.Actor, Action: r.Action,
		TargetType: r.TargetType, TargetID: r.TargetID, SourceIP: r.SourceIP, RequestID: r.RequestID,
	}, "audit record")
	if err != nil {
		return types.TransactWriteItem{}, false, err
	}
	return puts[0], true, nil
}

// ListAudit lists a project's audit records newest first, back to since
// (DefaultAuditWindow before now when zero): one target's records from the
// owner index when targetID is set, else the day partitions from now's day
// back to since's day.
func (s *Store) ListAudit(ctx context.Context, projectID, targetID string, since, now time.Time, page store.Page) ([]audit.Record, string, error) {
	if since.IsZero() {
		since = now.Add(-DefaultAuditWindow)
	}
	if targetID != "" {
		return s.listAuditTarget(ctx, projectID, targetID, since, page)
	}
	day, startSK := now.UTC().Truncate(24*time.Hour), ""
	sinceDay := since.UTC().Truncate(24 * time.Hour)
	if page.Cursor != "" {
		var err error
		if day, startSK, err = auditDayCursor(page.Cursor, since, day); err != nil {
			return nil, "", err
		}
	}
	var avs []item
	for ; !day.Before(sinceDay) && len(avs) <= page.Limit; day, startSK = day.Add(-24*time.Hour), "" {
		q := indexQuery{index: primary, partition: auditDayPK(projectID, day), cond: "#sk >= :sk", value: formatTime(since)}
		in := q.input(s.table)
		if startSK != "" {
			in.ExclusiveStartKey = key(q.partition, startSK)
		}
		got, err := s.query(ctx, in, page.Limit+1-len(avs))
		if err != nil {
			return nil, "", err
		}
		avs = append(avs, got...)
	}
	next := ""
	if len(avs) > page.Limit {
		avs = avs[:page.Limit]
		last := avs[page.Limit-1]
		d, _ := lastSegment(stringAttr(last, AttrPK)) // the day of the partition
		next = base64.RawURLEncoding.EncodeToString([]byte(d + "|" + stringAttr(last, AttrSK)))
	}
	recs, err := decodeEach(avs, fromAuditItem)
	return recs, next, err
}

func (s *Store) listAuditTarget(ctx context.Context, projectID, targetID string, since time.Time, page store.Page) ([]audit.Record, string, error) {
	q := indexQuery{index: byOwner, partition: auditTargetPK(projectID, targetID), cond: "#sk >= :sk", value: kindAudit + formatTime(since)}
	avs, next, err := s.indexPage(ctx, q, page, func(gsiSK string) (item, bool) {
		sk, found := strings.CutPrefix(gsiSK, kindAudit)
		if !found || !validAuditSK(sk, since) {
			return nil, false
		}
		t, _ := parseTime(sk[:len(timeFormat)])
		return key(auditDayPK(projectID, t), sk), true
	})
	if err != nil {
		return nil, "", err
	}
	recs, err := decodeEach(avs, fromAuditItem)
	return recs, next, err
}

// auditDayCursor reads a cursor of the day partitions, <day>|<sort key>:
// the day must lie between since's and nowDay and hold the sort key, which
// must not be before since, so a forged cursor can neither widen the walk
// over days nor start outside the query's range.
func auditDayCursor(cursor string, since, nowDay time.Time) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	d, sk, found := strings.Cut(string(raw), "|")
	day, terr := time.Parse(time.DateOnly, d)
	if err != nil || terr != nil || !found || !validAuditSK(sk, since) || !strings.HasPrefix(sk, d+"T") ||
		day.After(nowDay) || day.Before(since.UTC().Truncate(24*time.Hour)) {
		return time.Time{}, "", store.ErrBadCursor
	}
	return day, sk, nil
}

// validAuditSK checks a cursor's sort key: <time>#<id>, valid UTF-8, the
// time not before since.
func validAuditSK(sk string, since time.Time) bool {
	if len(sk) < len(timeFormat)+2 || sk[len(timeFormat)] != '#' || !utf8.ValidString(sk) {
		return false
	}
	_, err := parseTime(sk[:len(timeFormat)])
	return err == nil && sk[:len(timeFormat)] >= formatTime(since)
}

func fromAuditItem(it auditItem) (audit.Record, error) {
	t, err := parseTime(it.Time)
	if err != nil {
		return audit.Record{}, fmt.Errorf("decoding audit record %s: %w", it.ID, err)
	}
	return audit.Record{ID: it.ID, ProjectID: it.ProjectID, Time: t, Actor: it.Actor, Action: it.Action,
		TargetType: it.TargetType, TargetID: it.TargetID, SourceIP: it.SourceIP, RequestID: it.RequestID}, nil
}
