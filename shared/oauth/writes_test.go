package oauth_test

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/store/memory"
)

// counted is the fixture's store as the handler sees it: every write the
// token function can make is counted, so a test can prove a refusal wrote
// nothing.
type counted struct {
	*memory.Store
	writes atomic.Int64
	// reads of users, attempts reserved, and how long each user read
	// takes (set before the requests start)
	userReads, reserves atomic.Int64
	userDelay           time.Duration
}

func (c *counted) CreateFamily(ctx context.Context, f refresh.Family, first refresh.Token) error {
	c.writes.Add(1)
	return c.Store.CreateFamily(ctx, f, first)
}

func (c *counted) RotateRefreshToken(ctx context.Context, spent, successor refresh.Token, dpopKey string) error {
	c.writes.Add(1)
	return c.Store.RotateRefreshToken(ctx, spent, successor, dpopKey)
}

func (c *counted) RevokeFamily(ctx context.Context, projectID, familyID string, at time.Time) error {
	c.writes.Add(1)
	return c.Store.RevokeFamily(ctx, projectID, familyID, at)
}

func (c *counted) RecordAssertion(ctx context.Context, projectID, issuer, jti string, expires time.Time) error {
	c.writes.Add(1)
	return c.Store.RecordAssertion(ctx, projectID, issuer, jti, expires)
}

func (c *counted) CreateSession(ctx context.Context, s credential.Session) error {
	c.writes.Add(1)
	return c.Store.CreateSession(ctx, s)
}

func (c *counted) RevokeSession(ctx context.Context, projectID, id string, at time.Time) error {
	c.writes.Add(1)
	return c.Store.RevokeSession(ctx, projectID, id, at)
}

func (c *counted) RevokeTokensBefore(ctx context.Context, projectID, id string, at time.Time) error {
	c.writes.Add(1)
	return c.Store.RevokeTokensBefore(ctx, projectID, id, at)
}

// ReserveAttempt is a write that a ReleaseAttempt undoes: a reservation
// released leaves the count as it was.
func (c *counted) ReserveAttempt(ctx context.Context, projectID, key string, windowStart time.Time, window time.Duration, limit int) error {
	err := c.Store.ReserveAttempt(ctx, projectID, key, windowStart, window, limit)
	if err == nil {
		c.writes.Add(1)
		c.reserves.Add(1)
	}
	return err
}

func (c *counted) ReleaseAttempt(ctx context.Context, projectID, key string, windowStart time.Time) error {
	c.writes.Add(-1)
	return c.Store.ReleaseAttempt(ctx, projectID, key, windowStart)
}
