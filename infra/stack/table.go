package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// TableProps configures the Table construct. It has no options yet: the
// table's keys come from shared/store/dynamo and its safety settings are not
// negotiable.
type TableProps struct{}

// Table is Tollgate's single DynamoDB table, declared with the same keys and
// indexes as dynamo.CreateTableInput. Grant access with GrantLookup,
// GrantData and GrantSweep, which give each function exactly the access
// pattern it uses.
type Table struct {
	constructs.Construct
	// Table is the DynamoDB table.
	Table awsdynamodb.Table
}

// NewTable declares the table: on-demand billing, point-in-time recovery,
// deletion protection, AWS managed KMS encryption, TTL on the ttl attribute.
func NewTable(scope constructs.Construct, id string, _ *TableProps) *Table {
	this := constructs.NewConstruct(scope, &id)
	str := awsdynamodb.AttributeType_STRING
	table := awsdynamodb.NewTable(this, jsii.String("Resource"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(dynamo.AttrPK), Type: str},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String(dynamo.AttrSK), Type: str},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(dynamo.AttrTTL),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
		Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
	})
	// The owner listings index and the sparse expiry index (only expiring
	// credentials carry GSI2PK), as dynamo.CreateTableInput declares them.
	for _, gsi := range [][3]string{
		{dynamo.IndexOwner, dynamo.AttrGSI1PK, dynamo.AttrGSI1SK},
		{dynamo.IndexExpiry, dynamo.AttrGSI2PK, dynamo.AttrGSI2SK},
	} {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(gsi[0]),
			PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(gsi[1]), Type: str},
			SortKey:        &awsdynamodb.Attribute{Name: jsii.String(gsi[2]), Type: str},
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return &Table{Construct: this, Table: table}
}

// TouchedAttributes are the attributes of an API key's record the
// authorizer writes (dynamo.Store.TouchKey): the key attributes, which IAM
// counts as written by every UpdateItem, and lastUsedAt.
var TouchedAttributes = []string{dynamo.AttrPK, dynamo.AttrSK, "lastUsedAt"}

// TouchedLeadingKeys is the partition key pattern of the API key records
// TouchKey updates: P#<project>#KEY#<keyId>.
const TouchedLeadingKeys = "P#*#KEY#*"

// GrantLookup lets grantee read a credential with GetItem, stamp an API
// key's lastUsedAt, make the metering writes (UpdateItem of counters,
// PutItem of events) and record DPoP proofs' jti (PutItem), on the base
// table only (no Query, no index access): the authorizer's access. Each
// write statement is conditioned so that it reaches nothing else: only its
// partition keys (dynamodb:LeadingKeys), only its attributes
// (dynamodb:Attributes) and only the values it asks back
// (dynamodb:ReturnValues): lastUsedAt on API key records
// (TouchedAttributes), each of dynamo.MeterWrites, and dynamo.ProofWrite.
func (t *Table) GrantLookup(grantee awsiam.IGrantable) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("dynamodb:GetItem"),
		ResourceArns: jsii.Strings(*t.Table.TableArn()),
	})
	touch := dynamo.MeterWrite{Action: "dynamodb:UpdateItem", LeadingKeys: []string{TouchedLeadingKeys}, Attributes: TouchedAttributes, ReturnValues: "NONE"}
	for _, w := range append([]dynamo.MeterWrite{touch, dynamo.ProofWrite}, dynamo.MeterWrites...) {
		grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(w.Action),
			Resources: jsii.Strings(*t.Table.TableArn()),
			Conditions: &map[string]any{
				"ForAllValues:StringLike":   map[string]any{"dynamodb:LeadingKeys": w.LeadingKeys},
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": w.Attributes},
				"StringEqualsIfExists":      map[string]any{"dynamodb:ReturnValues": w.ReturnValues},
			},
		}))
	}
}

// GrantData lets fn read and write data, indexes included
// (GrantReadWriteData), and suppresses cdk-nag's IAM5 finding on the index
// wildcard in fn's policy, giving why fn needs the indexes.
func (t *Table) GrantData(fn awslambda.Function, why string) {
	t.Table.GrantReadWriteData(fn)
	suppress(fn.Role().Node().FindChild(jsii.String("DefaultPolicy")), "AwsSolutions-IAM5",
		"GrantReadWriteData covers this one table's indexes as <table>/index/*; "+why,
		&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<\w+\.Arn>\/index\/\*$/`)})
}

// GrantSweep lets grantee run the expiry sweep
// (shared/store/dynamo/expiry.go) and forward the metering events
// (shared/store/dynamo/events.go): Query on the expiry index, Query of
// the event partitions only (dynamodb:LeadingKeys), and GetItem (an API
// key, the cursors), PutItem (the cursors) and UpdateItem (marking a
// credential expired or notified, an event forwarded; TransactWriteItems
// is authorized as the UpdateItem of each of its items) on the base
// table. Exactly those, so no wildcard and nothing for cdk-nag's IAM5 to
// flag.
func (t *Table) GrantSweep(grantee awsiam.IGrantable) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
		ResourceArns: jsii.Strings(*t.Table.TableArn()),
	})
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("dynamodb:Query"),
		ResourceArns: jsii.Strings(*t.Table.TableArn() + "/index/" + dynamo.IndexExpiry),
	})
	grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("dynamodb:Query"),
		Resources:  jsii.Strings(*t.Table.TableArn()),
		Conditions: &map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []string{dynamo.EventsLeadingKeys}}},
	}))
}

// CertificateReadLeadingKeys are the partition keys the certificates
// function reads: a user's record and the user's binding, both under
// P#<project>#USER#<userId>.
var CertificateReadLeadingKeys = []string{"P#*#USER#*"}

// CertificateWriteLeadingKeys are the partition keys the certificates
// function writes (dynamo.Store's BindCertificate, BindCertificateProved
// and UnbindCertificate): a binding under its thumbprint and under its
// owner, the jti of a proof of possession, and the audit record of the day.
var CertificateWriteLeadingKeys = []string{"P#*#CERT#*", "P#*#USER#*", "P#*#JTI#*", "P#*#AUDIT#*"}

// GrantCertificates lets grantee bind, read and revoke certificates, on the
// base table only (no Query, no index access): GetItem of the
// CertificateReadLeadingKeys, and PutItem and DeleteItem (a
// TransactWriteItems is authorized as those of its items) of the
// CertificateWriteLeadingKeys, each conditioned on dynamodb:LeadingKeys.
func (t *Table) GrantCertificates(grantee awsiam.IGrantable) {
	for _, g := range []struct {
		actions []string
		keys    []string
	}{
		{[]string{"dynamodb:GetItem"}, CertificateReadLeadingKeys},
		{[]string{"dynamodb:DeleteItem", "dynamodb:PutItem"}, CertificateWriteLeadingKeys},
	} {
		grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings(g.actions...),
			Resources:  jsii.Strings(*t.Table.TableArn()),
			Conditions: &map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": g.keys}},
		}))
	}
}
