package authorizer

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/secret"
)

// proved checks a token's DPoP binding for this request, never from a
// cache: a token bound to jkt must come with the DPoP scheme and a proof of
// that key for this very request (htm, htu, iat, ath against h, the
// token's SHA-256), spent once; the DPoP scheme needs a bound token. It
// returns the reason for a refusal, or an error when the proof's jti
// cannot be recorded (fail closed).
func (a *Authorizer) proved(ctx context.Context, p presented, h secret.Hash, jkt string, req *events.APIGatewayCustomAuthorizerRequestTypeRequest, now time.Time) (string, error) {
	switch {
	case p.proof == "":
		return "DPoP-bound token presented as Bearer", nil
	case jkt == "":
		return "DPoP scheme with a token not bound to a DPoP key", nil
	}
	r := dpop.Request{Method: req.HTTPMethod, URL: dpop.GatewayURL(req.Headers, req.RequestContext.Path), TokenHash: h}
	proof, err := a.proofs.Verify(p.proof, r, now)
	if err != nil {
		a.logRefusal("DPoP proof refused", "authorizer: DPoP proof refused", func() []slog.Attr {
			return []slog.Attr{slog.Any("reason", err)}
		})
		return "invalid DPoP proof", nil
	}
	if subtle.ConstantTimeCompare([]byte(proof.JKT), []byte(jkt)) != 1 {
		return "DPoP proof made with another key than the token's", nil
	}
	sctx, cancel := context.WithTimeout(ctx, a.opt.StoreTimeout)
	defer cancel()
	switch err := dpop.Spend(sctx, a.store, a.opt.ProjectID, proof); {
	case errors.Is(err, dpop.ErrReplay):
		return "DPoP proof replayed", nil
	case err != nil:
		return "", err
	}
	return "", nil
}
