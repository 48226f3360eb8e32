package authorizer

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/secret"
)

// certificates are mutual TLS client certificates bound to a user: the
// credential when a request presents nothing else.
type certificates struct{ *Authorizer }

// parse reads the PEM API Gateway passes; the decision is cached under
// the certificate's thumbprint.
func (certificates) parse(p presented) (presented, string) {
	cert, err := certbind.FromClientCert(p.token)
	if err != nil {
		return p, "unreadable client certificate"
	}
	return presented{kind: kindCert, token: "mtls:" + cert.Thumbprint, thumbprint: cert.Thumbprint}, ""
}

// decide accepts a certificate bound to a user, within its validity.
func (m certificates) decide(ctx context.Context, p presented, _ secret.Hash, now time.Time) (*decision, time.Time, error) {
	e, err := m.certs.load(ctx, p.thumbprint, now)
	if err != nil {
		return nil, now, err
	}
	d, b := &decision{}, e.val
	if !valid(b, now) {
		return d, e.fetched, nil
	}
	owner, fetched, err := m.owner(ctx, b.Owner, now, e.fetched)
	if err != nil {
		return nil, now, err
	}
	if owner != nil {
		d.expiresAt = &b.NotAfter
		d.principal, d.plan = m.principal(credential.TypeCertificate, b.Thumbprint, nil, owner), plan(b.Thumbprint, meter.Limits{}, owner)
	}
	return d, fetched, nil
}

// confirmed reports whether the request's client certificate is the one a
// token is bound to (RFC 8705 x5t#S256), still bound to owner and valid.
func (a *Authorizer) confirmed(ctx context.Context, clientCert, x5t, owner string, now time.Time) (bool, error) {
	if clientCert == "" {
		return false, nil
	}
	cert, err := certbind.FromClientCert(clientCert)
	if err != nil || subtle.ConstantTimeCompare([]byte(cert.X5tS256), []byte(x5t)) != 1 {
		return false, nil
	}
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	e, err := a.certs.load(sctx, cert.Thumbprint, now)
	if err != nil {
		return false, err
	}
	return valid(e.val, now) && e.val.Owner == owner, nil
}

// valid reports whether b binds a certificate within its validity at now.
func valid(b *certbind.Binding, now time.Time) bool {
	return b != nil && !now.Before(b.NotBefore) && now.Before(b.NotAfter)
}
