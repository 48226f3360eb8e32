package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/store"

	"github.com/tollgate/tollgate/shared/certbind"
)

// BindCertificate binds a certificate to its owner.
func (s *Store) BindCertificate(ctx context.Context, b certbind.Binding) error {
	return s.change(ctx, func() error { return s.certs.add(b.ProjectID, b.Thumbprint, b.Owner, b) })
}

// BindCertificateProved binds a certificate and records its proof's jti,
// both or neither: ErrReplay if the jti was used, ErrConflict as
// BindCertificate.
func (s *Store) BindCertificateProved(ctx context.Context, b certbind.Binding, issuer, jti string, _ time.Time) error {
	return s.change(ctx, func() error {
		k := projectKey{b.ProjectID, issuer + "#" + jti}
		if s.assertions[k] {
			return fmt.Errorf("proof %s: %w", jti, store.ErrReplay)
		}
		if err := s.certs.add(b.ProjectID, b.Thumbprint, b.Owner, b); err != nil {
			return err
		}
		s.assertions[k] = true
		return nil
	})
}

// GetCertificate reads a binding by thumbprint.
func (s *Store) GetCertificate(_ context.Context, projectID, thumbprint string) (certbind.Binding, error) {
	defer s.reading()()
	return s.certs.get(projectID, thumbprint)
}

// GetCertificateByOwner reads a user's binding.
func (s *Store) GetCertificateByOwner(_ context.Context, projectID, owner string) (certbind.Binding, error) {
	return getByOwner(s, s.certs, projectID, owner)
}

// UnbindCertificate removes a binding.
func (s *Store) UnbindCertificate(ctx context.Context, b certbind.Binding) error {
	return s.change(ctx, func() error { return s.certs.remove(b.ProjectID, b.Thumbprint, b.Owner) })
}
