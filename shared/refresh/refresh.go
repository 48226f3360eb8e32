package refresh

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/audit"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
)

// Defaults from the contract.
const (
	DefaultLifetime       = 90 * 24 * time.Hour
	DefaultAccessTokenTTL = 3 * time.Hour
	DefaultGrace          = 10 * time.Second
)

// Family is a refresh-token family: the session its tokens share.
type Family struct {
	credential.Session
	AccessTokenTTL time.Duration
	// DPoPKey is the RFC 7638 thumbprint (jkt) of the DPoP key the family
	// is bound to, by the first exchange that carried a proof; empty while
	// unbound. Once bound, every exchange must prove that key.
	DPoPKey string
}

// Token is one refresh token's record, found by the SHA-256 of the token.
type Token struct {
	ProjectID  string
	Hash       secret.Hash
	FamilyID   string
	Generation int
	ExpiresAt  time.Time // the family's absolute expiry
	Spent      bool
	SpentAt    time.Time
	// Successor is the successor token, sealed; it is opened only within the
	// grace period after SpentAt.
	Successor []byte
}

// Errors of an exchange.
var (
	// ErrInvalidGrant: unknown, expired or revoked token, or family.
	ErrInvalidGrant = errors.New("invalid refresh token")
	// ErrReuse: a spent token presented after the grace period; the family
	// has been revoked.
	ErrReuse = errors.New("refresh token reused")
	// ErrKeyBinding: the family is bound to a DPoP key the exchange did
	// not prove (no proof, or a proof of another key); nothing was spent.
	ErrKeyBinding = errors.New("refresh token bound to another DPoP key")
)

// Store keeps families and their tokens.
type Store interface {
	CreateFamily(context.Context, Family, Token) error
	GetFamily(ctx context.Context, projectID, familyID string) (Family, error)
	GetRefreshToken(ctx context.Context, projectID string, h secret.Hash) (Token, error)
	// RotateRefreshToken marks spent as spent (it must not be already) and
	// stores its successor, on condition the family is active and, with
	// dpopKey empty, unbound, else unbound or bound to dpopKey, which it
	// is bound to after; ErrConflict otherwise.
	RotateRefreshToken(ctx context.Context, spent, successor Token, dpopKey string) error
	// RevokeFamily revokes an active family; ErrNotFound if there is none.
	RevokeFamily(ctx context.Context, projectID, familyID string, at time.Time) error
}

// Sealer keeps a successor encrypted (envelope encryption).
type Sealer interface {
	Seal(ctx context.Context, plaintext []byte, aad string) ([]byte, error)
	Open(ctx context.Context, sealed []byte, aad string) ([]byte, error)
}

// NewFamily starts a family and returns its first token, the only copy,
// after the deployment's secret prefix ("" for none).
func NewFamily(projectID, owner, name string, scopes scope.Set, now, expires time.Time, accessTTL time.Duration, prefix string) (Family, Token, string, error) {
	tok, err := secret.Generate(prefix, secret.PrefixRefreshToken)
	if err != nil {
		return Family{}, Token{}, "", err
	}
	f := Family{
		Session: credential.Session{
			ProjectID: projectID, ID: id.New(string(credential.KindRefresh)), Kind: credential.KindRefresh,
			Owner: owner, Name: name, Scopes: scopes, Status: credential.Active, CreatedAt: now, ExpiresAt: &expires,
		},
		AccessTokenTTL: accessTTL,
	}
	return f, Token{ProjectID: projectID, Hash: secret.Sum(tok), FamilyID: f.ID, ExpiresAt: expires}, tok, nil
}

// Exchanger spends refresh tokens.
type Exchanger struct {
	Store  Store
	Sealer Sealer
	Grace  time.Duration
	Prefix string // the deployment's secret prefix of successors ("" for none)
}

// aad binds a sealed successor to the token it succeeds.
func aad(projectID string, h secret.Hash) string { return "refresh/" + projectID + "/" + h.String() }

// Exchange spends presented and returns its family and successor. Within
// the grace period every exchange of one token returns the same successor.
// jkt is the thumbprint of the DPoP key the request proved, or empty: an
// unbound family is bound to it by this exchange's rotation, a bound one
// requires it (ErrKeyBinding, nothing spent). admit, when not nil, sees the
// family before anything is spent: its error (a scope the family does not
// grant, say) ends the exchange and leaves the token as it was.
func (e *Exchanger) Exchange(ctx context.Context, projectID, presented, jkt string, now time.Time, admit func(Family) error) (Family, string, error) {
	if _, err := secret.Check(presented, secret.PrefixRefreshToken); err != nil {
		return Family{}, "", ErrInvalidGrant
	}
	h := secret.Sum(presented)
	tok, fam, err := e.load(ctx, projectID, h, jkt, now)
	if err != nil {
		return Family{}, "", err
	}
	if admit != nil {
		if err := admit(fam); err != nil {
			return Family{}, "", err
		}
	}
	if !tok.Spent {
		// With an audit template in ctx, the rotation writes refresh.rotate.
		bind := cmp.Or(fam.DPoPKey, jkt)
		succ, err := e.rotate(audit.Retarget(ctx, audit.RefreshRotate, audit.Credential(credential.TypeRefreshToken, fam.ID), now), tok, bind, now)
		if err == nil {
			fam.DPoPKey = bind
			return fam, succ, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return Family{}, "", err
		}
		// Another exchange won, or the family was revoked or bound: read again.
		if tok, fam, err = e.load(ctx, projectID, h, jkt, now); err != nil {
			return Family{}, "", err
		}
	}
	if tok.Successor != nil && now.Sub(tok.SpentAt) <= e.Grace {
		succ, err := e.Sealer.Open(ctx, tok.Successor, aad(projectID, h))
		if err != nil {
			return Family{}, "", fmt.Errorf("opening the sealed successor: %w", err)
		}
		return fam, string(succ), nil
	}
	// and the revocation refresh.reuse_detected.
	rctx := audit.Retarget(ctx, audit.RefreshReuseDetected, audit.Credential(credential.TypeRefreshToken, fam.ID), now)
	if err := e.Store.RevokeFamily(rctx, projectID, fam.ID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Family{}, "", fmt.Errorf("revoking family %s after reuse: %w", fam.ID, err)
	}
	return fam, "", ErrReuse
}

// load reads a token and its family; ErrInvalidGrant unless both stand,
// ErrKeyBinding if the family is bound to a key other than jkt.
func (e *Exchanger) load(ctx context.Context, projectID string, h secret.Hash, jkt string, now time.Time) (Token, Family, error) {
	tok, err := e.Store.GetRefreshToken(ctx, projectID, h)
	if errors.Is(err, store.ErrNotFound) {
		return Token{}, Family{}, ErrInvalidGrant
	}
	if err != nil {
		return Token{}, Family{}, err
	}
	fam, err := e.Store.GetFamily(ctx, projectID, tok.FamilyID)
	if errors.Is(err, store.ErrNotFound) {
		return Token{}, Family{}, ErrInvalidGrant
	}
	if err != nil {
		return Token{}, Family{}, err
	}
	// Whole seconds: a token minted in the family's last second would
	// expire as it is issued.
	if fam.Status != credential.Active || now.Unix() >= tok.ExpiresAt.Unix() {
		return Token{}, Family{}, ErrInvalidGrant
	}
	if fam.DPoPKey != "" && subtle.ConstantTimeCompare([]byte(fam.DPoPKey), []byte(jkt)) != 1 {
		return Token{}, fam, ErrKeyBinding
	}
	return tok, fam, nil
}

// rotate spends tok and stores its successor, sealed on tok for retries,
// binding the family to dpopKey unless it is empty.
func (e *Exchanger) rotate(ctx context.Context, tok Token, dpopKey string, now time.Time) (string, error) {
	succ, err := secret.Generate(e.Prefix, secret.PrefixRefreshToken)
	if err != nil {
		return "", err
	}
	sealed, err := e.Sealer.Seal(ctx, []byte(succ), aad(tok.ProjectID, tok.Hash))
	if err != nil {
		return "", fmt.Errorf("sealing the successor: %w", err)
	}
	spent := tok
	spent.Spent, spent.SpentAt, spent.Successor = true, now, sealed
	next := Token{ProjectID: tok.ProjectID, Hash: secret.Sum(succ), FamilyID: tok.FamilyID,
		Generation: tok.Generation + 1, ExpiresAt: tok.ExpiresAt}
	if err := e.Store.RotateRefreshToken(ctx, spent, next, dpopKey); err != nil {
		return "", err
	}
	return succ, nil
}
