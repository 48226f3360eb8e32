package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// The races below prove that an acknowledged change is never lost: writers
// started at once each read a record, change one field of their own and
// write it back with the version read, re-reading on ErrConflict as the
// management handlers do; every write the store acknowledged must show in
// the final record.

const (
	writers = 20 // goroutines in each race
	// maxAttempts bounds a writer's retries. A conflict means another
	// writer's write was acknowledged since this one read, and each writer
	// writes once, so a correct store conflicts fewer than writers times.
	maxAttempts = 50
)

// write describes one read-modify-write: the version it read (the version
// it stored, once acknowledged), the one field it changed, and that field's
// value as read and as written.
type write struct {
	version            int64
	field, read, wrote string
}

// ledger holds the writes a race's store acknowledged.
type ledger struct {
	mu     sync.Mutex
	writes []write
}

// attempt is writer i's read-modify-write: it reads the record and returns
// the write it will make and commit, which makes it.
type attempt func(i int) (w write, commit func() error, err error)

// race runs n writers at once; writer i repeats try(i) while its commit
// fails with ErrConflict, and the ledger records its write once
// acknowledged. Every first read is made before any write, so each race
// starts with n writers at one version. It returns each writer's last
// error: nil if acknowledged.
func (l *ledger) race(n int, try attempt) []error {
	errs := make([]error, n)
	var read, done sync.WaitGroup
	read.Add(n)
	for i := range n {
		done.Go(func() { errs[i] = l.acknowledge(i, try, &read) })
	}
	done.Wait()
	slices.SortFunc(l.writes, func(a, b write) int { return cmp.Compare(a.version, b.version) })
	return errs
}

// acknowledge runs writer i's attempts, at most maxAttempts, until one is
// not refused with ErrConflict, and records the write if acknowledged; the
// first waits at read for every writer's first read.
func (l *ledger) acknowledge(i int, try attempt, read *sync.WaitGroup) error {
	for n := range maxAttempts {
		w, commit, err := try(i)
		if n == 0 {
			read.Done()
			read.Wait()
		}
		if err == nil {
			err = commit()
		}
		switch {
		case err == nil:
			w.version++
			l.mu.Lock()
			l.writes = append(l.writes, w)
			l.mu.Unlock()
			return nil
		case !errors.Is(err, store.ErrConflict):
			return fmt.Errorf("writer %d: %w", i, err)
		}
	}
	return fmt.Errorf("writer %d: no write acknowledged in %d attempts", i, maxAttempts)
}

// checkVersions fails t unless the acknowledged writes stored the versions
// 2 to final, each once, so final is 1 + the number of acknowledged
// writes: two writes that stored one version are a lost update.
func (l *ledger) checkVersions(t *testing.T, final int64) {
	t.Helper()
	var got, want []int64
	for i, w := range l.writes {
		got, want = append(got, w.version), append(want, int64(i)+2)
	}
	if !slices.Equal(got, want) || final != int64(len(got))+1 {
		t.Fatalf("acknowledged writes stored versions %v, want 2 to %d once each", got, final)
	}
}

// last returns the acknowledged write to field ("": to any) that stored
// the highest version; none, the zero write.
func (l *ledger) last(field string) write {
	for _, w := range slices.Backward(l.writes) {
		if field == "" || w.field == field {
			return w
		}
	}
	return write{}
}

// checkChain fails t unless each value acknowledged as written to field is
// final or was read by exactly one later acknowledged write to field, and
// no value was replaced twice. It needs no versions, only values written
// once each: a write based on a stale read replaces a value already
// replaced, and a write undone by a stale write is neither.
func (l *ledger) checkChain(t *testing.T, field, final string) {
	t.Helper()
	replaced := map[string]int{}
	for _, w := range l.writes {
		if w.field == field {
			replaced[w.read]++
		}
	}
	for v, n := range replaced {
		if n > 1 {
			t.Errorf("%s %q was replaced by %d acknowledged writes", field, v, n)
		}
	}
	for _, w := range l.writes {
		if w.field == field && w.wrote != final && replaced[w.wrote] == 0 {
			t.Errorf("acknowledged %s %q was lost: not final (%q), not replaced by a later write", field, w.wrote, final)
		}
	}
}

// withScope returns set with s added, sorted as a scope.Set is.
func withScope(set scope.Set, s string) scope.Set {
	out := append(slices.Clone(set), s)
	slices.Sort(out)
	return out
}

// userUpdatesRace: writers add a scope each, disable the user, or add a
// role; the user ends with every one of those changes.
func userUpdatesRace(t *testing.T, s Store, p string) {
	ctx := context.Background()
	u := newUser(p, "contended", t0)
	must(t, s.CreateUser(ctx, u))
	var l ledger
	errs := l.race(writers, func(i int) (write, func() error, error) {
		got, err := s.GetUser(ctx, p, u.ID) // on error, the rest is never committed
		w := write{version: got.Version}
		switch {
		case i < writers-4:
			w.field, w.wrote = "scope", fmt.Sprintf("s%02d:read", i)
			got.Scopes = withScope(got.Scopes, w.wrote)
		case i < writers-2:
			w.field, w.wrote = "disabled", "true"
			got.Disabled = true
		default:
			w.field, w.wrote = "role", fmt.Sprintf("r%02d", i)
			got.Roles = append(got.Roles, w.wrote)
		}
		return w, func() error { return s.UpdateUser(ctx, got) }, err
	})
	must(t, errors.Join(errs...)) // every write acknowledged
	final, err := s.GetUser(ctx, p, u.ID)
	must(t, err)
	for _, w := range l.writes {
		if w.field == "scope" && !final.Scopes.Has(w.wrote) || w.field == "role" && !slices.Contains(final.Roles, w.wrote) ||
			w.field == "disabled" && !final.Disabled {
			t.Errorf("acknowledged %s %s lost", w.field, w.wrote)
		}
	}
	l.checkVersions(t, final.Version)
}

// keyUpdatesRace: writers rename the key or toggle its status, and touch it
// between their first read and write; the last acknowledged name and status
// stand, and so does the latest touch, which moves no version.
func keyUpdatesRace(t *testing.T, s Store, p string) {
	ctx := context.Background()
	k, _ := newKey(t, p, "usr_owner", t0, nil)
	must(t, s.CreateKey(ctx, k))
	touched := make([]bool, writers)
	toggle := map[apikey.Status]apikey.Status{apikey.Active: apikey.Inactive, apikey.Inactive: apikey.Active}
	var l ledger
	errs := l.race(writers, func(i int) (write, func() error, error) {
		got, err := s.GetKey(ctx, p, k.ID) // on error, the rest is never committed
		w := write{version: got.Version}
		if i%2 == 0 {
			w.field, w.read, w.wrote = "name", got.Name, fmt.Sprintf("name-%02d", i)
			got.Name = w.wrote
		} else {
			w.field, w.read, w.wrote = "status", string(got.Status), string(toggle[got.Status])
			got.Status = toggle[got.Status]
		}
		return w, func() error {
			if !touched[i] { // first time: when every writer is about to write
				touched[i] = true
				if err := s.TouchKey(ctx, p, k.ID, t0.Add(time.Duration(i+1)*time.Minute), time.Second); err != nil {
					return fmt.Errorf("touch: %w", err)
				}
			}
			return s.UpdateKey(ctx, got)
		}, err
	})
	must(t, errors.Join(errs...)) // every write acknowledged
	final, err := s.GetKey(ctx, p, k.ID)
	must(t, err)
	byHash, err := s.GetKeyByHash(ctx, p, k.Hash)
	must(t, err)
	if name, status := l.last("name").wrote, l.last("status").wrote; final.Name != name || string(final.Status) != status {
		t.Errorf("final name %q, status %s; last acknowledged: %q, %s", final.Name, final.Status, name, status)
	}
	l.checkChain(t, "name", final.Name)
	if byHash.Name != final.Name || byHash.Status != final.Status || byHash.Version != final.Version {
		t.Errorf("by hash %q %s v%d, by id %q %s v%d", byHash.Name, byHash.Status, byHash.Version, final.Name, final.Status, final.Version)
	}
	if last := t0.Add(writers * time.Minute); final.LastUsedAt == nil || !final.LastUsedAt.Equal(last) {
		t.Errorf("lastUsedAt %v, want the latest touch %v", final.LastUsedAt, last)
	}
	l.checkVersions(t, final.Version)
}

// clientRotationsRace: writers rotate the client's secret; the last
// acknowledged secret is the current one and the one before it the
// previous, and no other verifies.
func clientRotationsRace(t *testing.T, s Store, p string) {
	ctx := context.Background()
	c, first, err := credential.NewClient(p, "usr_a", "svc", nil, t0, "")
	must(t, err)
	must(t, s.CreateClient(ctx, c))
	secrets := make([]string, writers) // writer i's last secret
	var l ledger
	errs := l.race(writers, func(i int) (write, func() error, error) {
		got, err := s.GetClient(ctx, p, c.ID)
		if err != nil {
			return write{}, nil, err
		}
		rotated, sec, err := got.RotateSecret(t0, time.Hour, "")
		if err != nil {
			return write{}, nil, err
		}
		secrets[i] = sec
		w := write{version: got.Version, field: "secret", read: got.SecretHash.String(), wrote: rotated.SecretHash.String()}
		return w, func() error { return s.UpdateClientSecret(ctx, rotated) }, nil
	})
	must(t, errors.Join(errs...)) // every write acknowledged
	final, err := s.GetClient(ctx, p, c.ID)
	must(t, err)
	last := l.last("secret")
	if final.SecretHash.String() != last.wrote || final.PreviousHash.String() != last.read {
		t.Errorf("secret %s (previous %s); last acknowledged %s (replacing %s)", final.SecretHash, final.PreviousHash, last.wrote, last.read)
	}
	afterGrace := t0.Add(2 * time.Hour)
	for i, sec := range append(secrets, first) {
		if ok := final.Verify(sec, afterGrace); ok != (secret.Sum(sec).String() == last.wrote) {
			t.Errorf("secret %d verifies after the grace period: %v; only the last acknowledged one may", i, ok)
		}
	}
	l.checkVersions(t, final.Version)
}

// sealPair stands for a sealed pair of SAS keys, halves told apart by name.
func sealPair(primary, secondary string) []byte { return []byte("p=" + primary + ";s=" + secondary) }

func openPair(sealed []byte) (primary, secondary string) {
	p, s, _ := strings.Cut(string(sealed), ";")
	return strings.TrimPrefix(p, "p="), strings.TrimPrefix(s, "s=")
}

// sasUpdatesRace: writers regenerate the primary or the secondary key
// (keeping the other half as read) or toggle the credential; each half
// ends as its last acknowledged regeneration left it, so regenerating one
// key never brings back the other's old value.
func sasUpdatesRace(t *testing.T, s Store, p string) {
	ctx := context.Background()
	c := sas.Sealed{ProjectID: p, Identifier: "53d7e14aee681a00340300cc", Owner: "usr_a", Enabled: true,
		Keys: sealPair("p-initial", "s-initial"), CreatedAt: t0}
	must(t, s.CreateSAS(ctx, c))
	var l ledger
	errs := l.race(writers, func(i int) (write, func() error, error) {
		got, err := s.GetSASByOwner(ctx, p, c.Owner) // on error, the rest is never committed
		primary, secondary := openPair(got.Keys)
		w := write{version: got.Version}
		switch i % 5 {
		case 0, 2:
			w.field, w.read, w.wrote = "primary", primary, fmt.Sprintf("p-%02d", i)
			got.Keys = sealPair(w.wrote, secondary)
		case 1, 3:
			w.field, w.read, w.wrote = "secondary", secondary, fmt.Sprintf("s-%02d", i)
			got.Keys = sealPair(primary, w.wrote)
		default:
			w.field, w.read, w.wrote = "enabled", strconv.FormatBool(got.Enabled), strconv.FormatBool(!got.Enabled)
			got.Enabled = !got.Enabled
		}
		return w, func() error { return s.UpdateSAS(ctx, got) }, err
	})
	must(t, errors.Join(errs...)) // every write acknowledged
	final, err := s.GetSASByOwner(ctx, p, c.Owner)
	must(t, err)
	byID, err := s.GetSAS(ctx, p, c.Identifier)
	must(t, err)
	if string(byID.Keys) != string(final.Keys) || byID.Enabled != final.Enabled || byID.Version != final.Version {
		t.Errorf("by identifier %s %v v%d, by owner %s %v v%d", byID.Keys, byID.Enabled, byID.Version, final.Keys, final.Enabled, final.Version)
	}
	primary, secondary := openPair(final.Keys)
	for field, got := range map[string]string{"primary": primary, "secondary": secondary, "enabled": strconv.FormatBool(final.Enabled)} {
		if want := l.last(field).wrote; got != want {
			t.Errorf("%s %s, last acknowledged %s", field, got, want)
		}
	}
	l.checkChain(t, "primary", primary)
	l.checkChain(t, "secondary", secondary)
	l.checkVersions(t, final.Version)
}

// deleteRacesUpdates: one writer deletes a record with the version it read
// while the others update it. The delete is acknowledged after every
// acknowledged update, later updates find nothing, and nothing brings the
// record back.
func deleteRacesUpdates(t *testing.T, s Store, p string) {
	ctx := context.Background()
	u := newUser(p, "doomed", t0)
	must(t, s.CreateUser(ctx, u))
	k, _ := newKey(t, p, u.ID, t0, nil)
	must(t, s.CreateKey(ctx, k))
	// Each case's change(i, del) reads the record, then deletes it if del
	// or else changes it; gone reads it in every way there is.
	tests := []struct {
		name   string
		change func(i int, del bool) (write, func() error, error)
		gone   func() []error
	}{
		{"user", func(i int, del bool) (write, func() error, error) {
			got, err := s.GetUser(ctx, p, u.ID)
			w, commit := write{version: got.Version, field: "delete"}, func() error { return s.DeleteUser(ctx, got) }
			if !del {
				got.Scopes = withScope(got.Scopes, fmt.Sprintf("s%02d:read", i))
				w.field, commit = "scope", func() error { return s.UpdateUser(ctx, got) }
			}
			return w, commit, err
		}, func() []error {
			_, byID := s.GetUser(ctx, p, u.ID)
			_, byName := s.GetUserByUsername(ctx, p, u.Username)
			return []error{byID, byName}
		}},
		{"key", func(i int, del bool) (write, func() error, error) {
			got, err := s.GetKey(ctx, p, k.ID)
			w, commit := write{version: got.Version, field: "delete"}, func() error { return s.DeleteKey(ctx, got) }
			if !del {
				got.Name = fmt.Sprintf("name-%02d", i)
				w.field, commit = "name", func() error { return s.UpdateKey(ctx, got) }
			}
			return w, commit, err
		}, func() []error {
			_, byID := s.GetKey(ctx, p, k.ID)
			_, byHash := s.GetKeyByHash(ctx, p, k.Hash)
			return []error{byID, byHash}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l ledger
			deleter := writers / 2
			errs := l.race(writers, func(i int) (write, func() error, error) { return tc.change(i, i == deleter) })
			for i, err := range errs {
				if err != nil && (i == deleter || !errors.Is(err, store.ErrNotFound)) {
					t.Error(err)
				}
			}
			if last := l.last(""); last.field != "delete" {
				t.Fatalf("the last acknowledged write, at version %d, is not the delete but a %s", last.version, last.field)
			}
			l.checkVersions(t, l.last("").version) // the delete's counts as storing one
			for _, err := range tc.gone() {
				wantErr(t, err, store.ErrNotFound)
			}
		})
	}
}
