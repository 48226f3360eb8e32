package authorizer

import (
	"sync"
	"time"
)

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
