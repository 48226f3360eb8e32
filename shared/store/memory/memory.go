package memory

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

type projectKey struct{ project, id string }

// Store keeps records in maps guarded by one mutex.
type Store struct {
	mu            sync.Mutex
	users         map[projectKey]user.User
	usernames     map[projectKey]string
	keys          map[projectKey]apikey.Key
	hashes        map[projectKey]string // project+hash -> keyId
	bootstrapped  map[string]bool
	sessions      map[projectKey]sessionRecord
	refresh       map[projectKey]refresh.Token // project+hash
	failures      map[throttleKey]int
	sas           owned[sas.Sealed]          // by identifier
	certs         owned[certbind.Binding]    // by thumbprint
	assertions    map[projectKey]bool        // project+issuer#jti seen
	swept         map[projectKey]bool        // sessions the sweep has handled
	notified      map[projectKey]bool        // credentials told credential.expiring
	cursors       map[string]time.Time       // sweep cursor per project
	auditLog      []audit.Record             // audit records, in write order
	rates         map[counterKey]int64       // rate-limit counts per window
	usage         map[counterKey]meter.Usage // usage counts per hour
	events        map[projectKey]storedEvent // metering events by project and ID
	forwards      map[string]time.Time       // forwarder cursor per project
	leaks         map[projectKey]bool        // credentials recorded leaked
	leakedSecrets map[projectKey]bool        // project+hash of secrets recorded leaked

	// Reads counts every read call, for tests that prove a path makes none.
	Reads atomic.Int64
}

// New returns an empty store.
func New() *Store {
	return &Store{
		users: map[projectKey]user.User{}, usernames: map[projectKey]string{},
		keys: map[projectKey]apikey.Key{}, hashes: map[projectKey]string{}, bootstrapped: map[string]bool{},
		sessions: map[projectKey]sessionRecord{}, refresh: map[projectKey]refresh.Token{}, failures: map[throttleKey]int{},
		sas:        newOwned("SAS credential", func(c sas.Sealed) sas.Sealed { c.Keys = clone(c.Keys); return c }),
		certs:      newOwned("certificate", func(b certbind.Binding) certbind.Binding { b.DER = clone(b.DER); return b }),
		assertions: map[projectKey]bool{},
		swept:      map[projectKey]bool{}, notified: map[projectKey]bool{}, cursors: map[string]time.Time{},
		rates: map[counterKey]int64{}, usage: map[counterKey]meter.Usage{},
		events: map[projectKey]storedEvent{}, forwards: map[string]time.Time{},
		leaks: map[projectKey]bool{}, leakedSecrets: map[projectKey]bool{},
	}
}

// change runs f, a change, under the lock, and keeps the audit record ctx
// carries if f succeeds.
func (s *Store) change(ctx context.Context, f func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := f()
	s.audit(ctx, err)
	return err
}

// reading counts one read and takes the lock; the caller defers the unlock
// it returns.
func (s *Store) reading() (unlock func()) {
	s.Reads.Add(1)
	s.mu.Lock()
	return s.mu.Unlock
}

// asRead checks that a record is still at the version a change read it at
// (what names it in the error).
func asRead(stored, read int64, what string) error {
	if stored != read {
		return fmt.Errorf("%s changed concurrently: %w", what, store.ErrConflict)
	}
	return nil
}

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

const sortTimeFormat = "2006-01-02T15:04:05.000000000Z"

func sortKey(created time.Time, id string) string {
	return created.UTC().Format(sortTimeFormat) + "#" + id
}

// paginate sorts newest first and returns the page after cursor.
func paginate[T any](all []T, page store.Page, sk func(T) string) ([]T, string, error) {
	slices.SortFunc(all, func(a, b T) int { return cmp.Compare(sk(b), sk(a)) })
	start := 0
	if page.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.Cursor)
		stamp, id, found := strings.Cut(string(raw), "#")
		if _, terr := time.Parse(sortTimeFormat, stamp); err != nil || terr != nil || !found || id == "" {
			return nil, "", store.ErrBadCursor
		}
		for start < len(all) && sk(all[start]) >= string(raw) {
			start++
		}
	}
	end := min(start+page.Limit, len(all))
	next := ""
	if end < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte(sk(all[end-1])))
	}
	return all[start:end], next, nil
}
