package oauth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/dpop"
)

// InvalidDPoPProof answers 400 invalid_dpop_proof (RFC 9449 §5.1): a DPoP
// header that is repeated, or a proof that fails a check. The description
// names the check by its sentinel's text, never any part of the proof.
func InvalidDPoPProof(cause error) *Error {
	desc := "the DPoP proof is invalid"
	for _, s := range proofRefusals {
		if errors.Is(cause, s) {
			desc = "invalid DPoP proof: " + strings.TrimPrefix(s.Error(), "dpop: ")
			break
		}
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_dpop_proof", Description: desc, cause: cause}
}

// proofRefusals are the checks whose failure InvalidDPoPProof names.
var proofRefusals = []error{dpop.ErrMalformed, dpop.ErrType, dpop.ErrAlgorithm, dpop.ErrKey, dpop.ErrPrivateKey,
	dpop.ErrSignature, dpop.ErrID, dpop.ErrMethod, dpop.ErrURL, dpop.ErrStale, dpop.ErrFuture, dpop.ErrNonce, dpop.ErrReplay}

var errProofRepeated = errors.New("more than one DPoP header")

// proof verifies the request's DPoP proof for the token endpoint, writing
// nothing: ok is false when the request carries none. A grant calls it
// first (a bad proof is refused before anything is written), spends the
// proof with spendProof once the client or grant stands (so an
// unauthenticated request writes nothing), and passes p.JKT to issue. htu may be the
// issuer's token endpoint URL or the URL the request arrived on (they
// differ behind the local stack, or when a custom domain serves another
// base path); ath is not checked.
func (h *Handler) proof(req events.APIGatewayProxyRequest) (p dpop.Proof, ok bool, err error) {
	var values []string
	for name, v := range req.Headers {
		if strings.EqualFold(name, dpop.Header) {
			values = append(values, v)
		}
	}
	for name, vs := range req.MultiValueHeaders {
		if strings.EqualFold(name, dpop.Header) && len(vs) > 1 {
			return dpop.Proof{}, false, InvalidDPoPProof(errProofRepeated)
		}
	}
	switch len(values) {
	case 0:
		return dpop.Proof{}, false, nil
	case 1:
	default:
		return dpop.Proof{}, false, InvalidDPoPProof(errProofRepeated)
	}
	now := h.opt.Clock.Now()
	p, err = h.proofs.Verify(values[0], dpop.Request{Method: http.MethodPost, URL: h.opt.Issuer + "/oauth/token",
		AlsoURL: dpop.GatewayURL(req.Headers, req.RequestContext.Path)}, now)
	if err != nil {
		return dpop.Proof{}, false, InvalidDPoPProof(err)
	}
	return p, true, nil
}

// spendProof records p's jti, refusing a replay; a store error is returned
// as is (500: the request is refused, not let through).
func (h *Handler) spendProof(ctx context.Context, p dpop.Proof) error {
	err := dpop.Spend(ctx, h.store, h.opt.ProjectID, p)
	if errors.Is(err, dpop.ErrReplay) {
		return InvalidDPoPProof(err)
	}
	return err
}
