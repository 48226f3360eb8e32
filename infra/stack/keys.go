package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/envelope"
)

// KeysProps configures the Keys construct.
//
// Signing-key rotation. The functions read TOLLGATE_SIGNING_KEYS, a
// comma-separated list of KMS keys: the FIRST key signs every new JWT, every
// listed key verifies (and is published in the JWKS). KMS cannot rotate
// asymmetric keys in place, so rotation is a new key with an overlap:
//
//  1. Note the current key's ARN (the stack output SigningKeyArn).
//  2. Raise SigningKeyGeneration by one and add the noted ARN to
//     RetiredSigningKeyArns, then deploy. CDK declares a new key under a new
//     logical ID and puts it FIRST in TOLLGATE_SIGNING_KEYS; the old key
//     leaves the stack but is retained (RemovalPolicy RETAIN) and stays
//     listed after the new one, with kms:GetPublicKey only, so tokens it
//     signed still verify. Nothing may sign with it any more.
//  3. Keep it listed until every token it signed has expired: personal
//     JWTs default to 90 days, counted from the deployment of step 2, but
//     a caller may choose a later expiresAt, so check the latest expiresAt
//     of the active personal JWTs issued before that deployment (GET
//     /v1/tokens/jwt) or revoke the stragglers. OAuth access tokens live
//     24 hours at most; refresh tokens are not JWTs.
//  4. Remove the ARN from RetiredSigningKeyArns and deploy; then disable the
//     old key and schedule its deletion in KMS (it is outside the stack).
//
// A compromised key is rotated the same way but removed at once (skip step
// 3): every token it signed stops verifying immediately.
type KeysProps struct {
	// SigningKeyGeneration numbers the current signing key, starting at 1
	// (0 means 1). Raising it creates a new key; see the rotation steps above.
	SigningKeyGeneration int
	// RetiredSigningKeyArns are former signing keys that still verify: they
	// are listed after the current key in TOLLGATE_SIGNING_KEYS and granted
	// kms:GetPublicKey only.
	RetiredSigningKeyArns []string
}

// Keys holds Tollgate's KMS keys: an asymmetric key that signs JWTs (its
// private half never leaves KMS) and a symmetric key for envelope
// encryption. Both are retained when the stack is deleted or the key is
// replaced, since losing either would invalidate every token or sealed value.
// Grant access with GrantVerify, GrantSign, GrantOpen and GrantSeal, which
// give exactly the KMS actions the functions call (accesstoken.LoadKMS and envelope.NewKMS).
type Keys struct {
	constructs.Construct
	// Signing is the current JWT signing key (ECC_NIST_P256, SIGN_VERIFY).
	Signing awskms.Key
	// Seal is the envelope encryption key (SYMMETRIC_DEFAULT, rotated yearly
	// by KMS).
	Seal awskms.Key
	// RetiredSigningKeyArns are KeysProps.RetiredSigningKeyArns.
	RetiredSigningKeyArns []string
}

// NewKeys declares the keys. Neither key nor any alias gets a physical name;
// each key policy denies KMS grants not for AWS resources
// (denyGrantsNotForAWSResources).
func NewKeys(scope constructs.Construct, id string, props *KeysProps) *Keys {
	if props == nil {
		props = &KeysProps{}
	}
	gen := props.SigningKeyGeneration
	if gen < 0 {
		panic(fmt.Sprintf("stack.NewKeys %s: SigningKeyGeneration must not be negative", id))
	}
	signingID := "Signing"
	if gen > 1 {
		// Generation 1 keeps the plain ID, so the first rotation replaces
		// the key that a stack without this setting created.
		signingID = fmt.Sprintf("Signing%d", gen)
	}
	this := constructs.NewConstruct(scope, &id)
	signing := newKey(this, signingID, &awskms.KeyProps{
		Description:   jsii.String(fmt.Sprintf("Tollgate JWT signing key, generation %d (ES256)", max(gen, 1))),
		KeySpec:       awskms.KeySpec_ECC_NIST_P256,
		KeyUsage:      awskms.KeyUsage_SIGN_VERIFY,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// KMS has no automatic rotation for asymmetric keys: rotate by hand
	// (KeysProps). cdk-nag's KMS5 only concerns symmetric keys.
	seal := newKey(this, "Seal", &awskms.KeyProps{
		Description:       jsii.String("Tollgate envelope encryption key (data keys for sealed secrets)"),
		KeySpec:           awskms.KeySpec_SYMMETRIC_DEFAULT,
		KeyUsage:          awskms.KeyUsage_ENCRYPT_DECRYPT,
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	retired := append([]string(nil), props.RetiredSigningKeyArns...)
	return &Keys{Construct: this, Signing: signing, Seal: seal, RetiredSigningKeyArns: retired}
}

// newKey declares a KMS key whose policy is CDK's default (the account,
// which delegates to IAM) plus denyGrantsNotForAWSResources: every key of
// the stack is declared through it.
func newKey(scope constructs.Construct, id string, props *awskms.KeyProps) awskms.Key {
	key := awskms.NewKey(scope, jsii.String(id), props)
	key.AddToResourcePolicy(denyGrantsNotForAWSResources(), jsii.Bool(false))
	return key
}

// denyGrantsNotForAWSResources is the key policy statement that refuses
// kms:CreateGrant to every principal unless an AWS service integrated with
// KMS asks on the caller's behalf (kms:GrantIsForAWSResource) or an AWS
// service principal asks itself (aws:PrincipalIsAWSService), in the form
// AWS Control Tower's CT.KMS.PR.3 checks for. The Allow of the default
// policy names the account, never a service, so kms:CreateGrant is in effect
// allowed only with kms:GrantIsForAWSResource true: a KMS grant hands use of
// a key to any principal, out of sight of the IAM policies that are meant to
// say who may use it. Tollgate's functions get their KMS permissions from IAM
// (Grant* below) and need no grants.
func denyGrantsNotForAWSResources() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsNotForAWSResources"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false",
			"aws:PrincipalIsAWSService": "false",
		}},
	})
}

// SigningKeys is TOLLGATE_SIGNING_KEYS: the current key's ARN first, then
// the retired ones.
func (k *Keys) SigningKeys() *string {
	arns := []*string{k.Signing.KeyArn()}
	for _, a := range k.RetiredSigningKeyArns {
		arns = append(arns, jsii.String(a))
	}
	if len(arns) == 1 {
		return arns[0]
	}
	return awscdk.Fn_Join(jsii.String(","), &arns)
}

// SealKey is TOLLGATE_SEAL_KEY: the seal key's ARN.
func (k *Keys) SealKey() *string { return k.Seal.KeyArn() }

// GrantVerify lets grantee read the public key of every listed signing key
// (kms:GetPublicKey), which every function does at cold start to build its
// keyring. It grants no kms:Sign: enough for the authorizer.
func (k *Keys) GrantVerify(grantee awsiam.IGrantable) {
	k.Signing.Grant(grantee, jsii.String("kms:GetPublicKey"))
	if len(k.RetiredSigningKeyArns) > 0 {
		awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
			Grantee:      grantee,
			Actions:      jsii.Strings("kms:GetPublicKey"),
			ResourceArns: jsii.Strings(k.RetiredSigningKeyArns...),
		})
	}
}

// GrantSign is GrantVerify plus kms:Sign on the current signing key only:
// for the functions that issue JWTs (token, issuekeys).
func (k *Keys) GrantSign(grantee awsiam.IGrantable) {
	k.GrantVerify(grantee)
	k.Signing.GrantSign(grantee)
}

// Purpose names what a sealed value is for: the prefix of the aad its
// sealer binds it to, which envelope.NewKMS gives KMS as the encryption
// context {envelope.ContextKey: aad}. GrantOpen and GrantSeal condition their
// grants on it, so a function reaches only the sealed values of its purposes.
type Purpose string

// The purposes of Tollgate's sealed values (the aad prefixes of shared/sas
// and shared/refresh).
const (
	// PurposeSAS: SAS signing keys, aad "sas/<project>/<identifier>".
	PurposeSAS Purpose = "sas/"
	// PurposeRefresh: sealed refresh-token successors, aad
	// "refresh/<project>/<hash>".
	PurposeRefresh Purpose = "refresh/"
)

// contextCondition is the IAM condition that lets a KMS call through only
// with an encryption context whose envelope.ContextKey value starts with one
// of purposes.
func contextCondition(purposes []Purpose) *map[string]any {
	if len(purposes) == 0 {
		panic("stack.Keys: a seal-key grant needs at least one Purpose")
	}
	patterns := make([]string, len(purposes))
	for i, p := range purposes {
		patterns[i] = string(p) + "*"
	}
	return &map[string]any{
		"StringLike": map[string]any{"kms:EncryptionContext:" + envelope.ContextKey: patterns},
	}
}

// grantSealKey adds one statement granting actions on the seal key to
// grantee, for values of purposes only.
func (k *Keys) grantSealKey(grantee awsiam.IGrantable, purposes []Purpose, actions ...string) {
	grantee.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings(actions...),
		Resources:  jsii.Strings(*k.Seal.KeyArn()),
		Conditions: contextCondition(purposes),
	}))
}

// GrantOpen lets grantee open sealed values of purposes only: kms:Decrypt on
// the seal key, conditioned on the encryption context, nothing else on it
// (it cannot seal new values). For the authorizer, which opens the SAS keys
// it verifies signatures with (PurposeSAS) and must not open refresh-token
// successors. It panics without a purpose.
func (k *Keys) GrantOpen(grantee awsiam.IGrantable, purposes ...Purpose) {
	k.grantSealKey(grantee, purposes, "kms:Decrypt")
}

// GrantSeal lets grantee seal and open values of purposes only:
// kms:GenerateDataKey and kms:Decrypt on the seal key (not kms:Encrypt, nor
// GenerateDataKey's other variants), conditioned on the encryption context.
// It panics without a purpose.
func (k *Keys) GrantSeal(grantee awsiam.IGrantable, purposes ...Purpose) {
	k.grantSealKey(grantee, purposes, "kms:GenerateDataKey", "kms:Decrypt")
}
