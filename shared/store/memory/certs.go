package memory

import (
	"context"
	"fmt"

	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/store"
)

// BindCertificate binds a certificate to its owner.
func (s *Store) BindCertificate(ctx context.Context, b certbind.Binding) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	if s.certs == nil {
		s.certs, s.certOwners = map[projectKey]certbind.Binding{}, map[projectKey]string{}
	}
	_, bound := s.certs[projectKey{b.ProjectID, b.Thumbprint}]
	_, has := s.certOwners[projectKey{b.ProjectID, b.Owner}]
	if bound || has {
		return fmt.Errorf("certificate: %w", store.ErrConflict)
	}
	b.DER = clone(b.DER)
	s.certs[projectKey{b.ProjectID, b.Thumbprint}] = b
	s.certOwners[projectKey{b.ProjectID, b.Owner}] = b.Thumbprint
	return nil
}

// GetCertificate reads a binding by thumbprint.
func (s *Store) GetCertificate(_ context.Context, projectID, thumbprint string) (certbind.Binding, error) {
	s.Reads.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.certs[projectKey{projectID, thumbprint}]
	if !ok {
		return certbind.Binding{}, fmt.Errorf("certificate: %w", store.ErrNotFound)
	}
	b.DER = clone(b.DER)
	return b, nil
}

// GetCertificateByOwner reads a user's binding.
func (s *Store) GetCertificateByOwner(ctx context.Context, projectID, owner string) (certbind.Binding, error) {
	s.mu.Lock()
	t, ok := s.certOwners[projectKey{projectID, owner}]
	s.mu.Unlock()
	if !ok {
		return certbind.Binding{}, fmt.Errorf("certificate: %w", store.ErrNotFound)
	}
	return s.GetCertificate(ctx, projectID, t)
}

// UnbindCertificate removes a binding.
func (s *Store) UnbindCertificate(ctx context.Context, b certbind.Binding) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() { s.audit(ctx, err) }()
	cur, ok := s.certs[projectKey{b.ProjectID, b.Thumbprint}]
	if !ok || cur.Owner != b.Owner {
		return fmt.Errorf("certificate: %w", store.ErrNotFound)
	}
	delete(s.certs, projectKey{b.ProjectID, b.Thumbprint})
	delete(s.certOwners, projectKey{b.ProjectID, b.Owner})
	return nil
}
