package authorizer_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/sas"
)

// sasFixture adds a SAS credential of the fixture's owner.
type sasFixture struct {
	*fixture
	sealer sas.Sealer
	cred   sas.Credential
}

func newSASFixture(t testing.TB) *sasFixture {
	t.Helper()
	f := &sasFixture{fixture: newFixture(t, false, nil)}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	var err error
	if f.sealer, err = envelope.NewLocal(key); err != nil {
		t.Fatal(err)
	}
	f.cred = sas.Credential{ProjectID: project, Identifier: "53d7e14aee681a0034030003", Owner: f.owner.ID, Enabled: true, CreatedAt: t0}
	f.cred.Primary, _ = sas.GenerateKey()
	f.cred.Secondary, _ = sas.GenerateKey()
	sealed, err := sas.Seal(context.Background(), f.sealer, f.cred)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateSAS(context.Background(), sealed); err != nil {
		t.Fatal(err)
	}
	f.auth = authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock, Sealer: f.sealer,
	})
	return f
}

// update re-reads the credential, applies change and writes it back, as
// the management API does: the write is conditional on the version read.
func (f *sasFixture) update(t testing.TB, change func(*sas.Credential)) {
	t.Helper()
	ctx := context.Background()
	stored, err := f.store.GetSAS(ctx, project, f.cred.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sas.Open(ctx, f.sealer, stored)
	if err != nil {
		t.Fatal(err)
	}
	change(&c)
	sealed, err := sas.Seal(ctx, f.sealer, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpdateSAS(ctx, sealed); err != nil {
		t.Fatal(err)
	}
	f.cred = c
}

func (f *sasFixture) handle(token string) error {
	_, err := f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": token}))
	return err
}

func TestSAS(t *testing.T) {
	f := newSASFixture(t)
	exp := t0.Add(time.Hour)
	primary := sas.Sign(f.cred.Identifier, f.cred.Primary, exp)
	secondary := sas.Sign(f.cred.Identifier, f.cred.Secondary, exp)
	resp, err := f.auth.Handle(context.Background(), whoami(map[string]string{"Authorization": primary}))
	if err != nil || resp.Context["credentialType"] != "sas" || resp.Context["credentialId"] != f.cred.Identifier || resp.PrincipalID != f.owner.ID {
		t.Fatalf("primary: %v %v", err, resp.Context)
	}
	if err := f.handle(secondary); err != nil {
		t.Fatalf("secondary: %v", err)
	}
	other, _ := sas.GenerateKey()
	cases := map[string]string{
		"other key":          sas.Sign(f.cred.Identifier, other, exp),
		"expired":            sas.Sign(f.cred.Identifier, f.cred.Primary, t0),
		"unknown identifier": sas.Sign("0000000000000000000000ff", f.cred.Primary, exp),
		"plus as space":      strings.ReplaceAll(primary, "+", " "),
		"missing sn":         primary[:strings.Index(primary, "&sn=")],
		"duplicate uid":      strings.Replace(primary, "&ex=", "&uid="+f.cred.Identifier+"&ex=", 1),
		"bad base64":         primary[:len(primary)-3] + "!==",
		"newline in uid":     strings.Replace(primary, "uid=", "uid=a\n", 1),
		"no space":           strings.Replace(primary, " ", "", 1),
		"empty":              "SharedAccessSignature ",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			if name == "plus as space" && !strings.Contains(primary, "+") {
				t.Skip("this signature has no +")
			}
			if err := f.handle(tok); !errors.Is(err, authorizer.ErrUnauthorized) {
				t.Fatalf("err = %v, want Unauthorized (never a 500)", err)
			}
		})
	}
}

func TestSASRegenerateAndDisable(t *testing.T) {
	f := newSASFixture(t)
	exp := t0.Add(time.Hour)
	primary := sas.Sign(f.cred.Identifier, f.cred.Primary, exp)
	secondary := sas.Sign(f.cred.Identifier, f.cred.Secondary, exp)
	f.update(t, func(c *sas.Credential) { c.Primary, _ = sas.GenerateKey() })
	f.clock.Advance(30 * time.Second) // past the revocation bound
	if err := f.handle(primary); !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("regenerated key still accepted: %v", err)
	}
	if err := f.handle(secondary); err != nil {
		t.Fatalf("the other key stopped: %v", err)
	}
	f.update(t, func(c *sas.Credential) { c.Enabled = false })
	f.clock.Advance(30 * time.Second)
	if err := f.handle(secondary); !errors.Is(err, authorizer.ErrUnauthorized) {
		t.Fatalf("disabled credential accepted: %v", err)
	}
}

// countingSealer counts the sealed keys it opens.
type countingSealer struct {
	sas.Sealer
	opens atomic.Int64
}

func (s *countingSealer) Open(ctx context.Context, sealed []byte, aad string) ([]byte, error) {
	s.opens.Add(1)
	return s.Sealer.Open(ctx, sealed, aad)
}

// TestSASKeysOpenedOncePerTTL: a credential's keys are opened once per
// cache TTL, however many new tokens it signed are decided, and again
// once the TTL has passed.
func TestSASKeysOpenedOncePerTTL(t *testing.T) {
	f := newSASFixture(t)
	sealer := &countingSealer{Sealer: f.sealer}
	f.auth = authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock, Sealer: sealer,
	})
	steps := []struct {
		name    string
		advance time.Duration
		opens   int64
	}{
		{"first token", 0, 1},
		{"new tokens within the TTL", 29 * time.Second, 1},
		{"after the TTL", time.Second, 2},
	}
	for _, s := range steps {
		f.clock.Advance(s.advance)
		for i := range 3 {
			tok := sas.Sign(f.cred.Identifier, f.cred.Primary, f.clock.Now().Add(time.Hour+time.Duration(i)*time.Second))
			if err := f.handle(tok); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		if got := sealer.opens.Load(); got != s.opens {
			t.Fatalf("%s: %d opens, want %d", s.name, got, s.opens)
		}
	}
}

func TestMalformedSASNeverReachesTheStore(t *testing.T) {
	f := newSASFixture(t)
	reads := f.store.Reads.Load()
	for _, tok := range []string{"SharedAccessSignature uid=x", "SharedAccessSignature uid=a&ex=b&sn=c", "SharedAccessSignature " + strings.Repeat("a", 5000)} {
		if err := f.handle(tok); !errors.Is(err, authorizer.ErrUnauthorized) {
			t.Fatal(err)
		}
	}
	if f.store.Reads.Load() != reads {
		t.Fatal("a malformed SAS reached the store")
	}
}

// BenchmarkSAS: a SAS decision the authorizer has not seen (the credential
// is cached, opened; both HMACs computed), the same token again, and, for
// the ratio in one run, two bare HMAC-SHA512 computations over what each
// token signs, keyed with each of the credential's keys.
func BenchmarkSAS(b *testing.B) {
	f := newSASFixture(b)
	toks := make([]string, 512)
	signed := make([][]byte, len(toks)) // identifier + "\n" + expiry
	for i := range toks {
		exp := t0.Add(300*24*time.Hour + time.Duration(i)*time.Second)
		toks[i] = sas.Sign(f.cred.Identifier, f.cred.Primary, exp)
		signed[i] = []byte(f.cred.Identifier + "\n" + sas.FormatExpiry(exp))
	}
	_ = f.handle(toks[0])
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i > 0 && i%len(toks) == 0 {
				f.clock.Advance(31 * time.Second)
			}
			if err := f.handle(toks[i%len(toks)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := f.handle(toks[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("two-hmac-sha512", func(b *testing.B) {
		keys := [][]byte{[]byte(f.cred.Primary), []byte(f.cred.Secondary)}
		m := hmac.New(sha512.New, keys[0])
		m.Write(signed[0])
		if !strings.HasSuffix(toks[0], "&sn="+base64.StdEncoding.EncodeToString(m.Sum(nil))) {
			b.Fatal("not what the token signs")
		}
		var sum []byte
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			for _, k := range keys {
				m := hmac.New(sha512.New, k)
				m.Write(signed[i%len(signed)])
				sum = m.Sum(sum[:0])
			}
			i++
		}
		if len(sum) != sas.SignatureLen {
			b.Fatal("no HMAC computed")
		}
	})
}
