package dpop

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/store"
)

// Recorder records one-time identifiers: the store's atomic conditional put
// of client assertions' jti, reused for proofs.
type Recorder interface {
	// RecordAssertion remembers jti of issuer until expires; an error
	// wrapping store.ErrConflict if it was recorded before.
	RecordAssertion(ctx context.Context, projectID, issuer, jti string, expires time.Time) error
}

// Issuer is the issuer a proof's jti is recorded under: one namespace per
// proof key, apart from client assertions' (user ids).
func Issuer(jkt string) string { return "dpop:" + jkt }

// Spend records p's jti for its key until it can no longer be accepted
// (iat + MaxAge): ErrReplay if it was spent before. Any other store error
// is returned as is: the caller refuses the request (fails closed).
func Spend(ctx context.Context, r Recorder, projectID string, p Proof) error {
	err := r.RecordAssertion(ctx, projectID, Issuer(p.JKT), p.ID, p.IssuedAt.Add(MaxAge))
	if errors.Is(err, store.ErrConflict) {
		return ErrReplay
	}
	if err != nil {
		return fmt.Errorf("dpop: recording the proof's jti: %w", err)
	}
	return nil
}
