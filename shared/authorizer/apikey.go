package authorizer

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// TouchInterval is the least time between two lastUsedAt writes of a key.
const TouchInterval = time.Minute

// apiKeys are opaque API keys, found by the SHA-256 of the secret.
type apiKeys struct{ *Authorizer }

// parse refuses a token that is not an API key (prefix, length, checksum)
// before any store read.
func (apiKeys) parse(p presented) (presented, string) {
	if _, err := secret.Check(p.token, secret.PrefixAPIKey); err != nil {
		return p, "malformed credential"
	}
	return p, ""
}

// decide reads the key by hash, then its owner.
func (m apiKeys) decide(ctx context.Context, _ presented, h secret.Hash, now time.Time) (*decision, time.Time, error) {
	k, err := m.store.GetKeyByHash(ctx, m.opt.ProjectID, h)
	if errors.Is(err, store.ErrNotFound) {
		return &decision{}, now, nil
	}
	if err != nil {
		return nil, now, fmt.Errorf("authorizer: reading credential: %w", err)
	}
	owner, fetched, err := m.owner(ctx, k.Owner, now, now)
	if err != nil {
		return nil, now, err
	}
	d := &decision{keyID: k.ID, expiresAt: k.ExpiresAt, issuedAt: &k.CreatedAt}
	// The store found the record by hash; comparing the stored hash in
	// constant time guards against a store answering with another record.
	match := subtle.ConstantTimeCompare(k.Hash[:], h[:]) == 1
	if match && owner != nil && k.Status == apikey.Active && k.ProjectID == m.opt.ProjectID {
		d.principal, d.plan = m.principal(credential.TypeAPIKey, k.ID, k.Scopes, owner), plan(metered(&k), k.Limits, owner)
	}
	return d, fetched, nil
}

// metered is the key whose counts a request with k spends: a rotated key,
// in its overlap, spends its successor's, so rotating never doubles a
// limit (apikey.Rotate moved the balance).
func metered(k *apikey.Key) string {
	if k.RotatedTo != "" {
		return k.RotatedTo
	}
	return k.ID
}

// touch records a use of the key at most once per TouchInterval per
// process. The write is best effort and off the decision's path: it runs in
// the background, and a failure is logged, never fatal.
func (a *Authorizer) touch(ctx context.Context, keyID string, now time.Time) {
	a.touchMu.Lock()
	last, ok := a.touched[keyID]
	due := !ok || now.Sub(last) >= TouchInterval
	if due {
		if len(a.touched) >= cacheSize {
			clear(a.touched)
		}
		a.touched[keyID] = now
	}
	a.touchMu.Unlock()
	if !due {
		return
	}
	a.inBackground(ctx, "recording lastUsedAt", keyID, func(ctx context.Context) error {
		return a.store.TouchKey(ctx, a.opt.ProjectID, keyID, now, TouchInterval)
	})
}
