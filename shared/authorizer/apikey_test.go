package authorizer_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/user"
)

func TestMalformedTokensNeverReachTheStore(t *testing.T) {
	f := newFixture(t, true, nil)
	good := f.token
	flipped := []byte(good)
	flipped[10] ^= 1
	for _, tok := range []string{"", "tgk_", "tgr" + good[3:], string(flipped), good + "x", "eyJhbGciOiJub25lIn0.e30.", "tgk_" + good[4:50] + "!!!"} {
		_, err := f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": "Bearer " + tok}))
		if !errors.Is(err, authorizer.ErrUnauthorized) {
			t.Fatalf("%q: err = %v", tok, err)
		}
	}
	if n := f.store.Reads.Load(); n != 0 {
		t.Fatalf("%d store reads for malformed tokens, want 0", n)
	}
}

func TestCredentialStates(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(t *testing.T, f *fixture)
	}{
		{"unknown", func(t *testing.T, f *fixture) { f.deleteKey(t) }},
		{"inactive", func(t *testing.T, f *fixture) { f.setKey(t, func(k *apikey.Key) { k.Status = apikey.Inactive }) }},
		{"expired", func(_ *testing.T, f *fixture) { f.clock.Advance(24 * time.Hour) }},
		{"owner disabled", func(t *testing.T, f *fixture) { f.setOwner(t, func(u *user.User) { u.Disabled = true }) }},
		{"owner deleted", func(t *testing.T, f *fixture) { f.deleteOwner(t) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, false, nil)
			c.change(t, f)
			_, err := f.auth.Handle(ctx, whoami(map[string]string{"x-api-key": f.token}))
			if !errors.Is(err, authorizer.ErrUnauthorized) {
				t.Fatalf("err = %v, want Unauthorized", err)
			}
		})
	}
}

func TestLastUsedWrittenAtMostOncePerMinute(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, false, nil)
	req := whoami(map[string]string{"x-api-key": f.token})
	_, _ = f.auth.Handle(ctx, req)
	f.auth.Wait()
	k, _ := f.store.GetKey(ctx, project, f.key.ID)
	if k.LastUsedAt == nil || !k.LastUsedAt.Equal(t0) {
		t.Fatalf("lastUsedAt = %v", k.LastUsedAt)
	}
	f.clock.Advance(59 * time.Second)
	_, _ = f.auth.Handle(ctx, req)
	f.auth.Wait()
	k, _ = f.store.GetKey(ctx, project, f.key.ID)
	if !k.LastUsedAt.Equal(t0) {
		t.Fatalf("written again within a minute: %v", k.LastUsedAt)
	}
	f.clock.Advance(time.Second)
	_, _ = f.auth.Handle(ctx, req)
	f.auth.Wait()
	k, _ = f.store.GetKey(ctx, project, f.key.ID)
	if !k.LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("not written after a minute: %v", k.LastUsedAt)
	}
}

// panickingTouch is a store whose lastUsedAt write panics, with the key's
// secret in the panic value.
type panickingTouch struct {
	*memory.Store
	secret string
}

func (p panickingTouch) TouchKey(context.Context, string, string, time.Time, time.Duration) error {
	panic("store exploded holding " + p.secret)
}

// TestLastUsedPanicRecovered: a panic in the background lastUsedAt write
// neither kills the process nor changes the decision; it is logged without
// the secret and counted.
func TestLastUsedPanicRecovered(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, false, nil)
	var logs bytes.Buffer // written by the background write, read after Wait
	a := authorizer.New(panickingTouch{Store: f.store, secret: f.token}, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	for i := range 2 {
		resp, err := a.Handle(ctx, whoami(map[string]string{"x-api-key": f.token}))
		a.Wait()
		if err != nil || effect(resp, arnBase+"/GET/v1/whoami") != authorizer.Allow {
			t.Fatalf("request %d: %v, %v", i, effect(resp, arnBase+"/GET/v1/whoami"), err)
		}
		if got := a.Panics(); got != int64(i+1) {
			t.Fatalf("after request %d: %d panics counted", i, got)
		}
		f.clock.Advance(authorizer.TouchInterval)
	}
	if !strings.Contains(logs.String(), "lastUsedAt") || strings.Contains(logs.String(), f.token) {
		t.Fatalf("log lines: want the panic, without the secret:\n%s", logs.String())
	}
}
