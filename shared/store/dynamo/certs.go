package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/store"
)

const skCert = "CERT"

// certItem is stored under the thumbprint (mutual TLS and assertions find
// it there) and under the owner, written together so that a user has one
// certificate and a certificate one user.
type certItem struct {
	Type           string `dynamodbav:"type"`
	ProjectID      string `dynamodbav:"projectId"`
	Owner          string `dynamodbav:"owner"`
	Thumbprint     string `dynamodbav:"thumbprint"`
	ThumbprintSHA1 string `dynamodbav:"thumbprintSha1"`
	X5tS256        string `dynamodbav:"x5tS256"`
	Subject        string `dynamodbav:"subject"`
	Issuer         string `dynamodbav:"issuer"`
	NotBefore      string `dynamodbav:"notBefore"`
	NotAfter       string `dynamodbav:"notAfter"`
	DER            []byte `dynamodbav:"der"`
	CreatedAt      string `dynamodbav:"createdAt"`
}

func certPK(projectID, thumbprint string) string { return pk(projectID, "CERT", thumbprint) }

// certKeys are the table keys of a binding: under its thumbprint and under
// its owner.
func certKeys(projectID, thumbprint, owner string) []item {
	return []item{key(certPK(projectID, thumbprint), skCert), key(userPK(projectID, owner), skCert)}
}

func fromCertItem(it certItem) (certbind.Binding, error) {
	var p parser
	b := certbind.Binding{ProjectID: it.ProjectID, Owner: it.Owner, CreatedAt: p.time(it.CreatedAt), Certificate: certbind.Certificate{
		Thumbprint: it.Thumbprint, ThumbprintSHA1: it.ThumbprintSHA1, X5tS256: it.X5tS256,
		Subject: it.Subject, Issuer: it.Issuer, NotBefore: p.time(it.NotBefore), NotAfter: p.time(it.NotAfter), DER: it.DER,
	}}
	if p.err != nil {
		return certbind.Binding{}, fmt.Errorf("decoding certificate: %w", p.err)
	}
	return b, nil
}

// BindCertificate binds a certificate to its owner in one transaction;
// ErrConflict if the owner has a certificate or the certificate an owner.
func (s *Store) BindCertificate(ctx context.Context, b certbind.Binding) error {
	puts, err := s.certPuts(b)
	if err != nil {
		return err
	}
	return s.transact(ctx, puts, func(int) error { return fmt.Errorf("certificate: %w", store.ErrConflict) })
}

// certPuts are the conditional puts of a new binding: one item under the
// certificate, one under its owner.
func (s *Store) certPuts(b certbind.Binding) ([]types.TransactWriteItem, error) {
	return s.encodeNew(certItem{Type: "certificate", ProjectID: b.ProjectID, Owner: b.Owner, Thumbprint: b.Thumbprint,
		ThumbprintSHA1: b.ThumbprintSHA1, X5tS256: b.X5tS256, Subject: b.Subject, Issuer: b.Issuer,
		NotBefore: formatTime(b.NotBefore), NotAfter: formatTime(b.NotAfter), DER: b.DER, CreatedAt: formatTime(b.CreatedAt),
	}, "certificate", certKeys(b.ProjectID, b.Thumbprint, b.Owner)...)
}

// BindCertificateProved binds a certificate as BindCertificate does and, in
// the same transaction, records the jti of the proof of possession as
// RecordAssertion records an assertion's: ErrReplay if the jti was used
// before, ErrConflict as BindCertificate; either way nothing is written.
func (s *Store) BindCertificateProved(ctx context.Context, b certbind.Binding, issuer, jti string, expires time.Time) error {
	puts, err := s.certPuts(b)
	if err != nil {
		return err
	}
	once, err := s.jtiPut(b.ProjectID, issuer, jti, expires)
	if err != nil {
		return err
	}
	items := append(puts, types.TransactWriteItem{Put: once})
	return s.transact(ctx, items, func(i int) error {
		if i == len(puts) {
			return fmt.Errorf("proof %s: %w", jti, store.ErrReplay)
		}
		return fmt.Errorf("certificate: %w", store.ErrConflict)
	})
}

// GetCertificate reads a binding by the certificate's SHA-256 thumbprint.
func (s *Store) GetCertificate(ctx context.Context, projectID, thumbprint string) (certbind.Binding, error) {
	return getAs(ctx, s, key(certPK(projectID, thumbprint), skCert), "certificate", fromCertItem)
}

// GetCertificateByOwner reads a user's binding.
func (s *Store) GetCertificateByOwner(ctx context.Context, projectID, owner string) (certbind.Binding, error) {
	return getAs(ctx, s, key(userPK(projectID, owner), skCert), "certificate", fromCertItem)
}

// UnbindCertificate removes a binding; ErrNotFound if it is gone already.
func (s *Store) UnbindCertificate(ctx context.Context, b certbind.Binding) error {
	var dels []types.TransactWriteItem
	for _, k := range certKeys(b.ProjectID, b.Thumbprint, b.Owner) {
		dels = append(dels, types.TransactWriteItem{Delete: &types.Delete{
			TableName: s.table, Key: k, ConditionExpression: aws.String("attribute_exists(PK) AND #t = :t"),
			ExpressionAttributeNames:  map[string]string{"#t": "thumbprint"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: b.Thumbprint}},
		}})
	}
	return s.transact(ctx, dels, func(int) error { return fmt.Errorf("certificate: %w", store.ErrNotFound) })
}
