package authorizer

import (
	"context"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/sas"
)

// Inspection is the authorizer's decision on an active token, as token
// introspection (RFC 7662) and token exchange (RFC 8693) read it.
type Inspection struct {
	Principal access.Principal
	// Scheme is the Authorization scheme the token is presented with:
	// Bearer, DPoP (a token bound to a DPoP key), or SharedAccessSignature.
	Scheme    string
	IssuedAt  *time.Time // nil: not known (a SAS token)
	ExpiresAt *time.Time // nil: never
	Audience  string     // a JWT's
	ClientID  string     // the client a JWT was issued to
	X5tS256   string     // the certificate a JWT is bound to (RFC 8705)
	JKT       string     // the DPoP key a JWT is bound to (RFC 9449)
}

// Inspect makes the decision Handle makes on token presented alone: an API
// key, a JWT, or a whole "SharedAccessSignature uid=…" value. It is the
// same decision (the same code and caches, so the same revocation bound),
// leaving out what only a request to a route has: the route's scope, the
// certificate or DPoP proof a bound token must come with (reported
// instead: X5tS256, JKT),
// metering and lastUsedAt. false: the token is not active (malformed,
// unknown, revoked, inactive, expired, or its owner disabled). An error
// is a store failure: no answer either way.
func (a *Authorizer) Inspect(ctx context.Context, token string) (Inspection, bool, error) {
	k, scheme := a.bearerKind(token), "Bearer"
	if s, _, ok := strings.Cut(token, " "); ok && strings.EqualFold(s, sas.Scheme) {
		k, scheme = kindSAS, sas.Scheme
	}
	p, reason := a.methods[k].parse(presented{kind: k, token: token})
	if reason != "" {
		return Inspection{}, false, nil
	}
	now := a.opt.Clock.Now()
	d, _, err := a.decisionOn(ctx, p, "", now)
	if err != nil {
		return Inspection{}, false, err
	}
	if d.principal == nil || (d.expiresAt != nil && !now.Before(*d.expiresAt)) {
		return Inspection{}, false, nil
	}
	if d.jkt != "" {
		scheme = dpop.Scheme
	}
	return Inspection{Principal: *d.principal, Scheme: scheme, IssuedAt: d.issuedAt, ExpiresAt: d.expiresAt,
		Audience: d.audience, ClientID: d.clientID, X5tS256: d.cnf, JKT: d.jkt}, true, nil
}
