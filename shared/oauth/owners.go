package oauth

import (
	"context"
	"sync"
	"time"

	"github.com/tollgate/tollgate/shared/user"
)

// maxOwners bounds the owner cache.
const maxOwners = 10_000

// owners keeps the users that grants read, each for a ttl within the
// revocation bound (Options.OwnerTTL), so a client's grants cost no read
// of its owner each time. A user disabled or demoted within the ttl can
// still be issued tokens for what remains of it, as the authorizer, which
// reads owners under the same bound, can still admit the user's
// credentials; and every token the authorizer admits is narrowed to its
// owner's scopes as the authorizer reads them. Absent users and read
// errors are not kept.
type owners struct {
	ttl  time.Duration
	read func(ctx context.Context, userID string) (user.User, error)

	mu   sync.Mutex
	kept map[string]keptOwner
}

type keptOwner struct {
	u     user.User
	until time.Time
}

// get returns the user userID, from the cache while its read is younger
// than the ttl.
func (o *owners) get(ctx context.Context, userID string, now time.Time) (user.User, error) {
	if o.ttl <= 0 {
		return o.read(ctx, userID)
	}
	o.mu.Lock()
	k, ok := o.kept[userID]
	o.mu.Unlock()
	if ok && now.Before(k.until) {
		return k.u, nil
	}
	u, err := o.read(ctx, userID)
	if err != nil {
		return u, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.kept) >= maxOwners {
		clear(o.kept) // rare: refilled by the next reads
	}
	if o.kept == nil {
		o.kept = map[string]keptOwner{}
	}
	o.kept[userID] = keptOwner{u: u, until: now.Add(o.ttl)}
	return u, nil
}
