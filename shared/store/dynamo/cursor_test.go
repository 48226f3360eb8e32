package dynamo_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/user"
)

// TestForgedCursors: a cursor the store did not return for that list, in
// the right shape but out of the list's range, in the wrong list, or with
// bytes DynamoDB cannot take, is store.ErrBadCursor, at once, never a
// DynamoDB error or a walk over days the list does not cover.
func TestForgedCursors(t *testing.T) {
	s := dynamo.New(localtest.NewTable(t))
	p := id.New("prj")
	now := time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)
	since := now.Add(-48 * time.Hour)
	ctx := audit.With(context.Background(), audit.New(p, "usr_admin", audit.UserCreate, audit.User("usr_t"), "203.0.113.9", "req-1", now.Add(-time.Hour)))
	if err := s.CreateUser(ctx, user.User{ProjectID: p, ID: id.New(user.IDPrefix), Username: "u", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	enc := func(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }
	sk := func(at time.Time) string { return at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#aud_x" }
	for _, tc := range []struct {
		name, targetID, cursor string
	}{
		{"day list: a day after now's", "", enc("9999-12-31|" + sk(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)))},
		{"day list: a day before since's", "", enc("2026-11-01|" + sk(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))},
		{"day list: sort key on another day", "", enc("2026-11-23|" + sk(now.Add(-24*time.Hour)))},
		{"day list: sort key before since", "", enc("2026-11-21|" + sk(since.Add(-time.Hour)))},
		{"day list: invalid UTF-8", "", enc("2026-11-23|" + sk(now)[:30] + "#\xff\xfe")},
		{"day list: a target list's cursor", "", enc("AUDIT#" + sk(now))},
		{"target list: sort key before since", "usr_t", enc("AUDIT#" + sk(since.Add(-time.Hour)))},
		{"target list: invalid UTF-8", "usr_t", enc("AUDIT#" + sk(now)[:30] + "#\xff")},
		{"target list: the day list's cursor", "usr_t", enc("2026-11-23|" + sk(now))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, _, err := s.ListAudit(context.Background(), p, tc.targetID, since, now, store.Page{Limit: 2, Cursor: tc.cursor})
			if !errors.Is(err, store.ErrBadCursor) {
				t.Errorf("ListAudit = %v, want store.ErrBadCursor", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("ListAudit took %s", d)
			}
		})
	}
	for _, c := range []string{enc("KEY#2026-11-23T19:30:00.000000000Z#\xff\xfe"), enc("KEY#\xc3")} {
		if _, _, err := s.ListKeys(context.Background(), p, "usr_t", store.Page{Limit: 2, Cursor: c}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("ListKeys with cursor %q = %v, want store.ErrBadCursor", c, err)
		}
	}
}
