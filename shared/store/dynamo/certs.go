package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/store"
)

const skCert = "CERT"

// certItem is stored under the thumbprint (mutual TLS and assertions find
// it there) and under the owner, written together so that a user has one
// certificate and a certificate one user.
type certItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
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

func fromCertItem(av map[string]types.AttributeValue) (certbind.Binding, error) {
	var it certItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return certbind.Binding{}, fmt.Errorf("decoding certificate: %w", err)
	}
	b := certbind.Binding{ProjectID: it.ProjectID, Owner: it.Owner, Certificate: certbind.Certificate{
		Thumbprint: it.Thumbprint, ThumbprintSHA1: it.ThumbprintSHA1, X5tS256: it.X5tS256,
		Subject: it.Subject, Issuer: it.Issuer, DER: it.DER,
	}}
	var errs [3]error
	b.NotBefore, errs[0] = parseTime(it.NotBefore)
	b.NotAfter, errs[1] = parseTime(it.NotAfter)
	b.CreatedAt, errs[2] = parseTime(it.CreatedAt)
	for _, err := range errs {
		if err != nil {
			return certbind.Binding{}, fmt.Errorf("decoding certificate: %w", err)
		}
	}
	return b, nil
}

// BindCertificate binds a certificate to its owner in one transaction;
// ErrConflict if the owner has a certificate or the certificate an owner.
func (s *Store) BindCertificate(ctx context.Context, b certbind.Binding) error {
	it := certItem{Type: "certificate", ProjectID: b.ProjectID, Owner: b.Owner, Thumbprint: b.Thumbprint,
		ThumbprintSHA1: b.ThumbprintSHA1, X5tS256: b.X5tS256, Subject: b.Subject, Issuer: b.Issuer,
		NotBefore: formatTime(b.NotBefore), NotAfter: formatTime(b.NotAfter), DER: b.DER, CreatedAt: formatTime(b.CreatedAt)}
	var puts []types.TransactWriteItem
	for _, k := range [][2]string{{certPK(b.ProjectID, b.Thumbprint), skCert}, {userPK(b.ProjectID, b.Owner), skCert}} {
		it.PK, it.SK = k[0], k[1]
		av, err := attributevalue.MarshalMap(it)
		if err != nil {
			return fmt.Errorf("encoding certificate: %w", err)
		}
		puts = append(puts, types.TransactWriteItem{Put: &types.Put{TableName: s.table, Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	}
	return s.transact(ctx, puts, func(int) error { return fmt.Errorf("certificate: %w", store.ErrConflict) })
}

// GetCertificate reads a binding by the certificate's SHA-256 thumbprint.
func (s *Store) GetCertificate(ctx context.Context, projectID, thumbprint string) (certbind.Binding, error) {
	av, err := s.get(ctx, key(certPK(projectID, thumbprint), skCert))
	if err != nil {
		return certbind.Binding{}, fmt.Errorf("certificate: %w", err)
	}
	return fromCertItem(av)
}

// GetCertificateByOwner reads a user's binding.
func (s *Store) GetCertificateByOwner(ctx context.Context, projectID, owner string) (certbind.Binding, error) {
	av, err := s.get(ctx, key(userPK(projectID, owner), skCert))
	if err != nil {
		return certbind.Binding{}, fmt.Errorf("certificate: %w", err)
	}
	return fromCertItem(av)
}

// UnbindCertificate removes a binding; ErrNotFound if it is gone already.
func (s *Store) UnbindCertificate(ctx context.Context, b certbind.Binding) error {
	cond := aws.String("attribute_exists(PK) AND #t = :t")
	names := map[string]string{"#t": "thumbprint"}
	values := map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: b.Thumbprint}}
	return s.transact(ctx, []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: s.table, Key: key(certPK(b.ProjectID, b.Thumbprint), skCert), ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values}},
		{Delete: &types.Delete{TableName: s.table, Key: key(userPK(b.ProjectID, b.Owner), skCert), ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values}},
	}, func(int) error { return fmt.Errorf("certificate: %w", store.ErrNotFound) })
}
