package authorizer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// cacheSize bounds each in-process cache.
const cacheSize = 50_000

// caches are the authorizer's in-process caches. Every entry read from the
// store lives at most the cache TTL (the revocation bound), and a decision
// no longer than the oldest read it was made from.
type caches struct {
	decisions *cache[secret.Hash, *decision] // by the SHA-256 of the presented secret
	owners    *readCache[user.User]
	sessions  *readCache[credential.Session]
	keys      *readCache[apikey.Key] // by keyId: the keys exchanged tokens came from
	sasCreds  *readCache[openedSAS]
	certs     *readCache[certbind.Binding]
	policies  *cache[string, routeList] // see Authorizer.routes
}

func newCaches(s Store, opt Options) caches {
	p, ttl := opt.ProjectID, opt.CacheTTL
	return caches{
		decisions: newCache[secret.Hash, *decision](cacheSize),
		owners: newReadCache("owner", ttl, func(ctx context.Context, userID string) (user.User, error) {
			return s.GetUser(ctx, p, userID)
		}),
		sessions: newReadCache("session", ttl, func(ctx context.Context, sid string) (credential.Session, error) {
			return readSession(ctx, s, p, sid)
		}),
		keys: newReadCache("API key", ttl, func(ctx context.Context, keyID string) (apikey.Key, error) {
			return s.GetKey(ctx, p, keyID)
		}),
		sasCreds: newReadCache("SAS credential", ttl, func(ctx context.Context, identifier string) (openedSAS, error) {
			return openSAS(ctx, s, opt.Sealer, p, identifier)
		}),
		certs: newReadCache("certificate binding", ttl, func(ctx context.Context, thumbprint string) (certbind.Binding, error) {
			return s.GetCertificate(ctx, p, thumbprint)
		}),
		policies: newCache[string, routeList](1024),
	}
}

// entry is a record read through a readCache: nil val when there is none.
type entry[V any] struct {
	val     *V
	fetched time.Time
}

// readCache reads records by id through a cache that keeps the absent
// ones too, each for ttl.
type readCache[V any] struct {
	entries *cache[string, *entry[V]]
	what    string // what is read, for errors
	ttl     time.Duration
	read    func(ctx context.Context, id string) (V, error)
}

func newReadCache[V any](what string, ttl time.Duration, read func(context.Context, string) (V, error)) *readCache[V] {
	return &readCache[V]{entries: newCache[string, *entry[V]](cacheSize), what: what, ttl: ttl, read: read}
}

// load returns id's entry from the cache, or reads and caches it; a store
// error is returned, never cached.
func (r *readCache[V]) load(ctx context.Context, id string, now time.Time) (*entry[V], error) {
	if e, ok := r.entries.get(id, now); ok {
		return e, nil
	}
	e := &entry[V]{fetched: now}
	v, err := r.read(ctx, id)
	switch {
	case err == nil:
		e.val = &v
	case !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("authorizer: reading %s: %w", r.what, err)
	}
	r.entries.put(id, e, now, now.Add(r.ttl))
	return e, nil
}

// cache is a bounded map whose entries expire; safe for concurrent use.
type cache[K comparable, V any] struct {
	mu      sync.RWMutex
	entries map[K]cached[V]
	max     int
}

type cached[V any] struct {
	val     V
	expires time.Time
}

func newCache[K comparable, V any](max int) *cache[K, V] {
	return &cache[K, V]{entries: make(map[K]cached[V]), max: max}
}

// get returns the value for k if it has not expired at now.
func (c *cache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.val, true
}

// put stores v until expires, first dropping expired entries (or, if none
// have expired, an arbitrary tenth) when the cache is full.
func (c *cache[K, V]) put(k K, v V, now, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for key, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, key)
			}
		}
		for key := range c.entries {
			if len(c.entries) < c.max-c.max/10 {
				break
			}
			delete(c.entries, key)
		}
	}
	c.entries[k] = cached[V]{val: v, expires: expires}
}
