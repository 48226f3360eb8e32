package authorizer

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/secret"
)

// sasTokens are shared access signatures: an HMAC over an identifier and
// an expiry by one of a SAS credential's two keys.
type sasTokens struct{ *Authorizer }

// parse reads the SharedAccessSignature header value before any store
// read; SAS is refused outright when no sealer can open its keys.
func (m sasTokens) parse(p presented) (presented, string) {
	if _, err := sas.Parse(p.token); err != nil || m.opt.Sealer == nil {
		return p, "malformed shared access signature"
	}
	return p, ""
}

// decide verifies the signature against its credential's keys (read,
// opened and readied to verify once per cache TTL, by identifier), then
// reads the credential's owner. It reads the header value again: parse
// did, but keeping the parsed token in presented (by pointer, an
// allocation on the warm path; by value, a larger copy) measured no faster.
func (m sasTokens) decide(ctx context.Context, p presented, _ secret.Hash, now time.Time) (*decision, time.Time, error) {
	t, err := sas.Parse(p.token)
	if err != nil {
		return &decision{}, now, nil
	}
	e, err := m.sasCreds.load(ctx, t.Identifier, now)
	if err != nil {
		return nil, now, err
	}
	exp := t.ExpiresAt
	d := &decision{expiresAt: &exp}
	c := e.val
	if c == nil || !c.enabled || c.keys.Verify(t, now) != nil {
		return d, e.fetched, nil
	}
	owner, fetched, err := m.owner(ctx, c.owner, now, e.fetched)
	if err != nil {
		return nil, now, err
	}
	if owner != nil {
		d.principal, d.plan = m.principal(credential.TypeSAS, t.Identifier, nil, owner), plan(t.Identifier, meter.Limits{}, owner)
	}
	return d, fetched, nil
}

// openedSAS is a SAS credential as the authorizer keeps it for the cache
// TTL: its keys opened and readied to verify, only in this process's
// memory, read again (and opened again) when the entry expires, so a
// regenerated key or a disabled credential counts within the bound.
type openedSAS struct {
	owner   string
	enabled bool
	keys    *sas.Verifier
}

// openSAS reads a SAS credential and opens its keys.
func openSAS(ctx context.Context, s Store, sealer sas.Sealer, projectID, identifier string) (openedSAS, error) {
	sealed, err := s.GetSAS(ctx, projectID, identifier)
	if err != nil {
		return openedSAS{}, err
	}
	cred, err := sas.Open(ctx, sealer, sealed)
	if err != nil {
		return openedSAS{}, fmt.Errorf("opening its keys: %w", err)
	}
	return openedSAS{owner: cred.Owner, enabled: cred.Enabled, keys: sas.NewVerifier(cred.Primary, cred.Secondary)}, nil
}
