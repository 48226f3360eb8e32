package credential

import (
	"crypto/subtle"
	"time"

	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
)

// Defaults.
const (
	DefaultSecretGrace = 24 * time.Hour
	AccessTokenTTL     = time.Hour
)

// Client is an OAuth client for the client_credentials grant.
type Client struct {
	Session
	SecretHash secret.Hash
	SecretHint string
	// PreviousHash is the secret replaced by the last rotation, accepted
	// until PreviousUntil.
	PreviousHash  secret.Hash
	PreviousUntil time.Time
}

// NewClient makes a client and returns its secret, the only copy, after
// the deployment's secret prefix ("" for none).
func NewClient(projectID, owner, name string, scopes scope.Set, now time.Time, prefix string) (Client, string, error) {
	sec, err := secret.Generate(prefix, secret.PrefixClientSecret)
	if err != nil {
		return Client{}, "", err
	}
	return Client{
		Session: Session{
			ProjectID: projectID, ID: id.New(string(KindClient)), Kind: KindClient,
			Owner: owner, Name: name, Scopes: scopes, Status: Active, CreatedAt: now,
		},
		SecretHash: secret.Sum(sec), SecretHint: secret.Hint(sec),
	}, sec, nil
}

// RotateSecret gives c a new secret (after the deployment's secret prefix);
// the current one keeps working for grace.
func (c Client) RotateSecret(now time.Time, grace time.Duration, prefix string) (Client, string, error) {
	sec, err := secret.Generate(prefix, secret.PrefixClientSecret)
	if err != nil {
		return Client{}, "", err
	}
	c.PreviousHash, c.PreviousUntil = c.SecretHash, now.Add(grace)
	c.SecretHash, c.SecretHint = secret.Sum(sec), secret.Hint(sec)
	return c, sec, nil
}

// Verify reports, in constant time, whether presented is c's secret (or its
// previous one, within the grace period).
func (c Client) Verify(presented string, now time.Time) bool {
	if _, err := secret.Check(presented, secret.PrefixClientSecret); err != nil {
		return false
	}
	h := secret.Sum(presented)
	cur := subtle.ConstantTimeCompare(h[:], c.SecretHash[:])
	prev := subtle.ConstantTimeCompare(h[:], c.PreviousHash[:])
	return cur == 1 || prev == 1 && now.Before(c.PreviousUntil)
}
