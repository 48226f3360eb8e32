package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// CreateFamily stores a family and its first token.
func (s *Store) CreateFamily(ctx context.Context, f refresh.Family, first refresh.Token) error {
	return s.change(ctx, func() error {
		if _, ok := s.refresh[projectKey{first.ProjectID, first.Hash.String()}]; ok {
			return fmt.Errorf("refresh token: %w", store.ErrConflict)
		}
		if err := s.createSession(sessionRecord{Session: f.Session, accessTokenTTL: f.AccessTokenTTL, dpopKey: f.DPoPKey}); err != nil {
			return err
		}
		s.refresh[projectKey{first.ProjectID, first.Hash.String()}] = first
		return nil
	})
}

// GetFamily reads a family.
func (s *Store) GetFamily(_ context.Context, projectID, familyID string) (refresh.Family, error) {
	r, err := s.sessionOf(projectID, familyID, credential.KindRefresh, "family")
	return r.asFamily(), err
}

// RevokeFamily revokes an active family.
func (s *Store) RevokeFamily(ctx context.Context, projectID, familyID string, at time.Time) error {
	return s.RevokeSession(ctx, projectID, familyID, at)
}

// ListFamilies lists an owner's refresh-token families, newest first.
func (s *Store) ListFamilies(_ context.Context, projectID, owner string, page store.Page) ([]refresh.Family, string, error) {
	return listSessions(s, projectID, owner, credential.KindRefresh, page, sessionRecord.asFamily)
}

// GetRefreshToken reads a refresh token's record.
func (s *Store) GetRefreshToken(_ context.Context, projectID string, h secret.Hash) (refresh.Token, error) {
	defer s.reading()()
	t, ok := s.refresh[projectKey{projectID, h.String()}]
	if !ok {
		return refresh.Token{}, fmt.Errorf("refresh token: %w", store.ErrNotFound)
	}
	t.Successor = clone(t.Successor)
	return t, nil
}

// RotateRefreshToken spends a token and stores its successor atomically,
// binding the family to dpopKey unless it is empty; the family must be
// unbound, or bound to dpopKey already.
func (s *Store) RotateRefreshToken(ctx context.Context, spent, successor refresh.Token, dpopKey string) error {
	return s.change(ctx, func() error {
		cur, ok := s.refresh[projectKey{spent.ProjectID, spent.Hash.String()}]
		fam, err := s.session(spent.ProjectID, spent.FamilyID)
		_, taken := s.refresh[projectKey{successor.ProjectID, successor.Hash.String()}]
		if !ok || cur.Spent || err != nil || fam.Status != credential.Active || taken || fam.dpopKey != "" && fam.dpopKey != dpopKey {
			return fmt.Errorf("refresh token rotation: %w", store.ErrConflict)
		}
		if dpopKey != "" {
			fam.dpopKey = dpopKey
			s.sessions[projectKey{spent.ProjectID, spent.FamilyID}] = fam
		}
		cur.Spent, cur.SpentAt, cur.Successor = true, spent.SpentAt, clone(spent.Successor)
		s.refresh[projectKey{spent.ProjectID, spent.Hash.String()}] = cur
		s.refresh[projectKey{successor.ProjectID, successor.Hash.String()}] = successor
		return nil
	})
}
