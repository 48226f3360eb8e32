package services_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// TestForeignAccessKeySeesNoTable probes DynamoDB Local as someone on the
// network who does not hold the access key would: it listens on every
// interface, so its data must be out of reach of any other key.
func TestForeignAccessKeySeesNoTable(t *testing.T) {
	jar, err := services.FindDynamoDB(".")
	if err != nil {
		if os.Getenv(localtest.RequireDynamoDB) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx := context.Background()
	srv, err := services.StartDynamoDB(ctx, jar, "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	own, foreign := rawClient(srv.Endpoint, services.NewAccessKey()), rawClient(srv.Endpoint, services.NewAccessKey())
	if err := dynamo.EnsureTable(ctx, own, "tollgate"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		db        *dynamodb.Client
		wantTable bool
	}{
		{"own key", own, true},
		{"foreign key", foreign, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := c.db.ListTables(ctx, &dynamodb.ListTablesInput{})
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(out.TableNames, "tollgate"); got != c.wantTable {
				t.Fatalf("sees the table: %v, want %v (tables %v)", got, c.wantTable, out.TableNames)
			}
			_, err = c.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tollgate")})
			var missing *types.ResourceNotFoundException
			if got := !errors.As(err, &missing); got != c.wantTable {
				t.Fatalf("scan: %v", err)
			}
		})
	}
}

// rawClient is a DynamoDB client for endpoint signing with accessKey,
// built without the store's helpers.
func rawClient(endpoint, accessKey string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:                          "us-east-1",
		BaseEndpoint:                    aws.String(endpoint),
		Credentials:                     credentials.NewStaticCredentialsProvider(accessKey, "x", ""),
		DisableValidateResponseChecksum: true,
	})
}
