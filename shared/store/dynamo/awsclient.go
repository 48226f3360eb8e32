package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Local names a DynamoDB Local and the access key whose database a client
// uses there: DynamoDB Local keeps one database per access key and region,
// so the key is what keeps other callers out.
type Local struct {
	Endpoint  string
	AccessKey string
}

// EnvAccessKey is the standard AWS variable Open reads the access key of a
// DynamoDB Local endpoint from.
const EnvAccessKey = "AWS_ACCESS_KEY_ID"

// ErrNoAccessKey reports a DynamoDB Local endpoint without an access key.
var ErrNoAccessKey = errors.New("a DynamoDB Local endpoint needs its access key in " + EnvAccessKey +
	" (the local stack's is in .tollgate/dynamodb.key)")

// LocalRegion is the region DynamoDB Local clients name.
const LocalRegion = "us-east-1"

// localIdleConns is how many idle connections a DynamoDB Local client keeps.
// The SDK's default keeps 10 per host, so when more calls than that are
// under way at once (the local stack under load) each one past the tenth
// opens a connection and closes it afterwards, and DynamoDB Local's time
// goes into connection set-up instead of answers.
const localIdleConns = 256

// NewLocalClient returns a client of DynamoDB Local at l.Endpoint signing
// with l.AccessKey (DynamoDB Local checks no secret), keeping up to
// localIdleConns connections open for reuse.
func NewLocalClient(ctx context.Context, l Local) (*dynamodb.Client, error) {
	if l.AccessKey == "" {
		return nil, ErrNoAccessKey
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns, t.MaxIdleConnsPerHost = localIdleConns, localIdleConns
	})
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(LocalRegion), config.WithHTTPClient(httpClient),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(l.AccessKey, "local", "")))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(l.Endpoint)
		o.DisableValidateResponseChecksum = true
	}), nil
}

// Open returns the store the functions use over table, refusing any change
// made without its audit record: in AWS through awsCfg, the process's one
// AWS configuration, or, when endpoint is set, in DynamoDB Local at endpoint
// with the access key in AWS_ACCESS_KEY_ID.
func Open(ctx context.Context, awsCfg aws.Config, endpoint, table string) (*Store, error) {
	if endpoint == "" {
		return New(dynamodb.NewFromConfig(awsCfg), table).RequireAudit(), nil
	}
	db, err := NewLocalClient(ctx, Local{Endpoint: endpoint, AccessKey: os.Getenv(EnvAccessKey)})
	if err != nil {
		return nil, err
	}
	return New(db, table).RequireAudit(), nil
}
