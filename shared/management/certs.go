package management

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

// certJSON is a bound certificate as the API shows it.
type certJSON struct {
	Thumbprint     string    `json:"thumbprint"`
	ThumbprintSHA1 string    `json:"thumbprintSha1"`
	Subject        string    `json:"subject"`
	Issuer         string    `json:"issuer"`
	NotBefore      time.Time `json:"notBefore"`
	NotAfter       time.Time `json:"notAfter"`
}

func showCert(b certbind.Binding) certJSON {
	return certJSON{Thumbprint: b.Thumbprint, ThumbprintSHA1: b.ThumbprintSHA1, Subject: b.Subject, Issuer: b.Issuer,
		NotBefore: b.NotBefore.UTC(), NotAfter: b.NotAfter.UTC()}
}

// certTag is the entity tag of a binding. A binding never changes (it is
// made and removed whole), so what GET shows of it is its tag's input.
func certTag(b certbind.Binding) string { return apigw.ETag(0, showCert(b)) }

// certOwner is the user named in the path, if the caller may manage its
// certificate (itself, or anyone for an admin); anything else is 404.
func (h *Handler) certOwner(ctx context.Context, c *call) (user.User, error) {
	switch {
	case c.req.PathParameters["userId"] == c.user.ID:
		return c.user, nil
	case !c.user.IsAdmin():
		return user.User{}, apigw.NewProblem(http.StatusNotFound, "no such user")
	}
	return h.userFor(ctx, c)
}

type putCertBody struct {
	Certificate string `json:"certificate"`
	Proof       string `json:"proof"` // a compact JWS signed with the certificate's key
}

// proofIssuer is the namespace a proof's jti is recorded under, beside
// the client assertions' (recorded under the user id).
func proofIssuer(owner string) string { return "proof/" + owner }

// possession checks that the caller holds the key of the certificate it
// binds to owner: a proof, when sent, must verify (its jti is for the
// caller to record); without one, an admin needs none and anyone else must
// call over mutual TLS with that certificate.
func (h *Handler) possession(c *call, owner string, cert certbind.Certificate, sent string) (VerifiedProof, error) {
	if sent != "" {
		p, err := VerifyProof(sent, ProofRequest{Certificate: cert, UserID: owner,
			Audience: ProofAudience(h.opt.Issuer, owner), Now: c.now})
		if err != nil {
			return VerifiedProof{}, apigw.Invalid("proof", "%v", err) // the reason, never the proof
		}
		return p, nil
	}
	if c.user.IsAdmin() || overMutualTLS(c.req, cert) {
		return VerifiedProof{}, nil
	}
	return VerifiedProof{}, apigw.Invalid("proof", "required: sign a proof of possession with the certificate's private key, or call over mutual TLS with the certificate")
}

// overMutualTLS reports whether the request came over mutual TLS with cert.
func overMutualTLS(req events.APIGatewayProxyRequest, cert certbind.Certificate) bool {
	cc := req.RequestContext.Identity.ClientCert
	if cc == nil || cc.ClientCertPem == "" {
		return false
	}
	presented, err := certbind.FromClientCert(cc.ClientCertPem)
	return err == nil && presented.Thumbprint == cert.Thumbprint
}

// bind stores the binding and, in the same write, the proof's jti if any.
func (h *Handler) bind(ctx context.Context, b certbind.Binding, p VerifiedProof) error {
	var err error
	if p.ID == "" {
		err = h.store.BindCertificate(ctx, b)
	} else {
		err = h.store.BindCertificateProved(ctx, b, proofIssuer(b.Owner), p.ID, p.ExpiresAt)
	}
	switch {
	case errors.Is(err, store.ErrReplay):
		return apigw.Invalid("proof", "this proof was used before: sign a new one")
	case errors.Is(err, store.ErrConflict):
		return apigw.NewProblem(http.StatusConflict, "the user already has a certificate, or this certificate is bound to another user")
	}
	return err
}

func (h *Handler) putCertificate(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body putCertBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	owner, err := h.certOwner(ctx, c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if !c.user.MayIssue() {
		return events.APIGatewayProxyResponse{}, apigw.Forbidden("binding a certificate needs the credential-issuer or admin role")
	}
	// A bound certificate acts with all of its owner's scopes.
	if err := h.covers(ctx, c, owner.ID, nil); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if err := h.bindingAsSent(ctx, c, owner.ID); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	cert, err := certbind.Parse(body.Certificate, c.now)
	if err != nil {
		// The reason names what is wrong, never what was sent.
		return events.APIGatewayProxyResponse{}, apigw.Invalid("certificate", "%v", err)
	}
	held, err := h.possession(c, owner.ID, cert, body.Proof)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	b := certbind.Binding{ProjectID: h.opt.ProjectID, Owner: owner.ID, Certificate: cert, CreatedAt: c.now}
	if err := h.bind(h.audit(ctx, c, audit.CertificateBind, audit.Credential(credential.TypeCertificate, b.Owner)), b, held); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusCreated, showCert(b), map[string]string{"Location": "/v1/users/" + owner.ID + "/certificate"}), nil
}

// bindingAsSent evaluates a PUT's If-Match, if any, against owner's
// binding (read only then). A user holds one certificate, so an If-Match
// on PUT can only fail (412) or lead to 409: the binding is deleted first,
// and then made anew.
func (h *Handler) bindingAsSent(ctx context.Context, c *call, owner string) error {
	var readErr error
	err := apigw.IfMatch(c.req, func() string {
		b, err := h.store.GetCertificateByOwner(ctx, h.opt.ProjectID, owner)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				readErr = err
			}
			return ""
		}
		return certTag(b)
	})
	if readErr != nil {
		return readErr
	}
	return err
}

func (h *Handler) certificateOf(ctx context.Context, c *call) (certbind.Binding, error) {
	owner, err := h.certOwner(ctx, c)
	if err != nil {
		return certbind.Binding{}, err
	}
	b, err := h.store.GetCertificateByOwner(ctx, h.opt.ProjectID, owner.ID)
	return found(b, err, apigw.NewProblem(http.StatusNotFound, "no certificate is bound to this user"))
}

func (h *Handler) getCertificate(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	b, err := h.certificateOf(ctx, c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusOK, showCert(b), apigw.Tagged(certTag(b), nil)), nil
}

func (h *Handler) deleteCertificate(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	b, err := h.certificateOf(ctx, c)
	if err == nil {
		err = apigw.IfMatch(c.req, func() string { return certTag(b) })
	}
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if err := h.store.UnbindCertificate(h.audit(ctx, c, audit.CertificateRevoke, audit.Credential(credential.TypeCertificate, b.Owner)), b); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.NoContent(), nil
}
