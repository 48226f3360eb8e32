package sweep_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/store/storetest"
	"github.com/tollgate/tollgate/shared/sweep"
)

func TestMain(m *testing.M) { localtest.Main(m) }

const project = "default"

var t0 = time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)

// outbox keeps published events.
type outbox struct {
	mu     sync.Mutex
	events []sweep.Event
}

func (o *outbox) Publish(_ context.Context, events []sweep.Event) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, events...)
	return nil
}

func (o *outbox) count(typ, id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, e := range o.events {
		if e.Type == typ && e.CredentialID == id {
			n++
		}
	}
	return n
}

// key stores a key of usr_owner that expires at expires and returns it as
// stored (at the version a change must name).
func key(t *testing.T, s storetest.Store, expires time.Time) apikey.Key {
	t.Helper()
	k, _, err := apikey.New(project, "usr_owner", "k", nil, t0.Add(-24*time.Hour), &expires, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	stored, err := s.GetKey(context.Background(), project, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

func jwtSession(t *testing.T, s storetest.Store, expires time.Time) credential.Session {
	t.Helper()
	sess := credential.Session{ProjectID: project, ID: id.New("jwt"), Kind: credential.KindJWT, Owner: "usr_owner", Name: "j",
		Status: credential.Active, CreatedAt: t0.Add(-24 * time.Hour), ExpiresAt: &expires, NotBefore: t0.Add(-24 * time.Hour)}
	if err := s.CreateSession(context.Background(), sess); err != nil {
		t.Fatal(err)
	}
	return sess
}

func sweeper(s sweep.Store, o sweep.Publisher, max int) *sweep.Sweeper {
	return &sweep.Sweeper{Store: s, Publisher: o, Options: sweep.Options{ProjectID: project, Notice: config.DefaultSweepNotice,
		Retention: config.DefaultSweepRetention, MaxItems: max, Lookback: sweep.DefaultLookback}}
}

func TestSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s storetest.Store) {
		ctx := context.Background()
		now := t0
		past := key(t, s, now.Add(-time.Hour))
		yesterday := key(t, s, now.Add(-26*time.Hour))
		soon := key(t, s, now.Add(time.Second)) // not touched
		nextWeek := key(t, s, now.Add(6*24*time.Hour))
		later := key(t, s, now.Add(30*24*time.Hour))
		jwtPast := jwtSession(t, s, now.Add(-time.Minute))
		revoked := jwtSession(t, s, now.Add(-time.Minute))
		if err := s.RevokeSession(ctx, project, revoked.ID, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		o := &outbox{}
		res, err := sweeper(s, o, 1000).Run(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Complete || res.Expired != 4 || res.Expiring != 2 {
			t.Fatalf("result %+v, want 4 expired (2 keys, 2 JWTs) and 2 expiring (the key in a second, the one next week)", res)
		}
		for _, k := range []apikey.Key{past, yesterday} {
			got, _ := s.GetKey(ctx, project, k.ID)
			if got.Status != apikey.Expired || o.count(sweep.EventExpired, k.ID) != 1 {
				t.Fatalf("key %s: status %s, %d events", k.ID, got.Status, o.count(sweep.EventExpired, k.ID))
			}
		}
		for _, k := range []apikey.Key{soon, nextWeek, later} {
			if got, _ := s.GetKey(ctx, project, k.ID); got.Status != apikey.Active || o.count(sweep.EventExpired, k.ID) != 0 {
				t.Fatalf("key %s touched: %s", k.ID, got.Status)
			}
		}
		if o.count(sweep.EventExpiring, nextWeek.ID) != 1 || o.count(sweep.EventExpiring, later.ID) != 0 {
			t.Fatal("credential.expiring not sent exactly for the credentials within the notice")
		}
		if got, _ := s.GetSession(ctx, project, jwtPast.ID); got.Status != credential.Expired {
			t.Fatalf("jwt status %s", got.Status)
		}
		if got, _ := s.GetSession(ctx, project, revoked.ID); got.Status != credential.Revoked {
			t.Fatalf("a revoked JWT became %s", got.Status)
		}

		// A second run at the same time changes nothing and says nothing.
		before := len(o.events)
		if res, err := sweeper(s, o, 1000).Run(ctx, now); err != nil || res.Expired != 0 || res.Expiring != 0 || len(o.events) != before {
			t.Fatalf("second run: %+v %v, %d new events", res, err, len(o.events)-before)
		}
		// Two seconds later the key that was one second away expires.
		if res, _ := sweeper(s, o, 1000).Run(ctx, now.Add(2*time.Second)); res.Expired != 1 || o.count(sweep.EventExpired, soon.ID) != 1 {
			t.Fatalf("later run: %+v", res)
		}
	})
}

// TestSweepIsBoundedAndResumes: a run handles at most MaxItems and the
// next run picks up where it stopped.
func TestSweepIsBoundedAndResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s storetest.Store) {
		ctx := context.Background()
		var keys []apikey.Key
		for i := range 7 {
			keys = append(keys, key(t, s, t0.Add(-time.Duration(i+1)*25*time.Hour)))
		}
		o := &outbox{}
		total := 0
		for run := 0; ; run++ {
			res, err := sweeper(s, o, 3).Run(ctx, t0)
			if err != nil {
				t.Fatal(err)
			}
			if res.Expired > 3 {
				t.Fatalf("run %d handled %d, bound is 3", run, res.Expired)
			}
			total += res.Expired
			if res.Complete {
				break
			}
			if run > 5 {
				t.Fatal("the sweep never completes")
			}
		}
		for _, k := range keys {
			if o.count(sweep.EventExpired, k.ID) != 1 {
				t.Fatalf("key %s: %d expired events", k.ID, o.count(sweep.EventExpired, k.ID))
			}
		}
		if total != 7 {
			t.Fatalf("%d expired in all, want 7", total)
		}
	})
}

// TestRotationMovesTheExpiry: a rotated key ends at its overlap, and the
// sweep finds it there.
func TestRotationMovesTheExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s storetest.Store) {
		ctx := context.Background()
		old := key(t, s, t0.Add(60*24*time.Hour))
		ended, next, _, err := apikey.Rotate(old, t0.Add(-2*time.Hour), time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RotateKey(ctx, ended, next); err != nil {
			t.Fatal(err)
		}
		o := &outbox{}
		if _, err := sweeper(s, o, 1000).Run(ctx, t0); err != nil {
			t.Fatal(err)
		}
		if o.count(sweep.EventExpired, old.ID) != 1 || o.count(sweep.EventExpired, next.ID) != 0 {
			t.Fatalf("events %+v", o.events)
		}
	})
}
