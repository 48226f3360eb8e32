package stack

import (
	"maps"
	"time"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/config"
)

// Settings of the functions behind the API (the sweeper's are in
// sweeper.go). Lambda allots CPU in proportion to memory (one vCPU at
// 1,769 MB), so memory is also the CPU dial.
const (
	// AuthorizerMemoryMB and AuthorizerTimeout: the authorizer runs before
	// every protected request, so its latency is added to each. Its work is
	// small (one or two GetItem/UpdateItem calls, an ES256 verification or a
	// SAS HMAC, an in-process cache) and needs little memory; 256 MB rather
	// than 128 MB buys twice the CPU for the TLS handshakes of a cold start and
	// the signature checks, at a negligible cost per millisecond. 5 s is
	// short but covers its store calls, each bounded by
	// TOLLGATE_STORE_TIMEOUT (2 s), plus a KMS Decrypt for a SAS key; a hung
	// call fails the request (500) rather than holding it.
	AuthorizerMemoryMB = 256
	AuthorizerTimeout  = 5 * time.Second
	// TokenMemoryMB and TokenTimeout: the token function signs ES256 access
	// tokens with KMS (kms:Sign, a network call: the key never leaves KMS),
	// seals and opens secrets with KMS, and rotates refresh tokens in
	// DynamoDB transactions, so it mostly waits on the network. 256 MB also
	// holds the 64 MiB Argon2id the password package spends once per cold
	// start (its dummy hash). 10 s leaves room for SDK retries with backoff
	// and stays well under API Gateway's 29 s integration timeout, so a stuck
	// invocation ends as a logged Lambda timeout, not a silent 504.
	TokenMemoryMB = 256
	TokenTimeout  = 10 * time.Second
	// IssueKeysMemoryMB and IssueKeysTimeout: the management API does
	// DynamoDB reads, writes and transactions, KMS signing for personal JWTs
	// and KMS sealing for SAS keys; same reasoning as the token function.
	IssueKeysMemoryMB = 256
	IssueKeysTimeout  = 10 * time.Second
	// CertificatesMemoryMB and CertificatesTimeout: the certificates
	// function parses a certificate, verifies a proof of possession (one
	// ECDSA or RSA check) and runs one DynamoDB read or transaction; it
	// calls no KMS. 10 s as the others.
	CertificatesMemoryMB = 256
	CertificatesTimeout  = 10 * time.Second
	// PasswordSignInMemoryMB replaces TokenMemoryMB and IssueKeysMemoryMB
	// with PasswordSignIn. Argon2id (shared/password: 64 MiB, 3 passes, 2
	// lanes) is memory- and CPU-hard by design: issuekeys hashes every new
	// password and token checks one on each password grant. One hash takes
	// about 120 ms on a full vCPU (measured on these machines), so about
	// 0.4 s at 512 MB (0.29 vCPU) but 0.9 s at 256 MB, where the 64 MiB is
	// also a quarter of the function's memory. The 10 s timeouts cover it.
	PasswordSignInMemoryMB = 512
)

// APIFunctionsProps configures the APIFunctions construct.
type APIFunctionsProps struct {
	// Table and Keys are the stack's; each function gets exactly the access
	// it uses.
	Table *Table
	Keys  *Keys
	// Environment is added to each function's: the deployment-wide
	// settings, such as TOLLGATE_REVOCATION_BOUND.
	Environment map[string]string
	// GatewayCacheTTL is FunctionProps.GatewayCacheTTL.
	GatewayCacheTTL time.Duration
	// PasswordSignIn sets TOLLGATE_PASSWORD_SIGN_IN on issuekeys and token
	// and gives both PasswordSignInMemoryMB.
	PasswordSignIn bool
}

// APIFunctions are the functions API Gateway invokes: the authorizer, the
// management API (issuekeys), the certificates function and the OAuth token
// function. The issuer and
// keys they need at cold start are added by AddTokenEnvironment, once the
// API (which the default issuer names) exists.
type APIFunctions struct {
	Authorizer, IssueKeys, Certificates, Token *Function
}

// NewAPIFunctions declares the functions in scope, as Authorizer,
// IssueKeys, Certificates and Token (memory and timeouts: see the constants), and grants each its
// table and KMS access:
//   - the authorizer looks credentials up and stamps an API key's
//     lastUsedAt (Table.GrantLookup), reads the signing keys' public keys
//     and opens sealed SAS keys (PurposeSAS), but can neither sign nor seal;
//   - certificates reads users and bindings and writes bindings, proof jtis
//     and audit records (Table.GrantCertificates), and has no KMS access;
//   - issuekeys and token read and write data (the owner listings query
//     GSI1) and sign JWTs; issuekeys seals and opens SAS keys, token
//     seals and opens refresh-token successors (PurposeRefresh) and opens
//     SAS keys (introspection of SAS tokens: the authorizer's decision).
func NewAPIFunctions(scope constructs.Construct, props *APIFunctionsProps) *APIFunctions {
	issueKeysMemory, tokenMemory, passwordEnv := float64(IssueKeysMemoryMB), float64(TokenMemoryMB), maps.Clone(props.Environment)
	if props.PasswordSignIn {
		issueKeysMemory, tokenMemory = PasswordSignInMemoryMB, PasswordSignInMemoryMB
		if passwordEnv == nil {
			passwordEnv = map[string]string{}
		}
		passwordEnv[config.EnvPasswordSignIn] = "true"
	}
	function := func(id, name string, env map[string]string, memoryMB float64, timeout time.Duration) *Function {
		return NewFunction(scope, id, &FunctionProps{Name: name, Table: props.Table.Table, GatewayCacheTTL: props.GatewayCacheTTL,
			Environment: env, MemoryMB: memoryMB, Timeout: timeout})
	}
	f := &APIFunctions{
		Authorizer: function("Authorizer", FnAuthorizer, props.Environment, AuthorizerMemoryMB, AuthorizerTimeout),
		IssueKeys:  function("IssueKeys", access.FnIssueKeys, passwordEnv, issueKeysMemory, IssueKeysTimeout),
		Token:      function("Token", access.FnToken, passwordEnv, tokenMemory, TokenTimeout),
		Certificates: function("Certificates", access.FnCertificates, props.Environment,
			CertificatesMemoryMB, CertificatesTimeout),
	}
	props.Table.GrantCertificates(f.Certificates.Function)
	props.Table.GrantLookup(f.Authorizer.Function)
	props.Table.GrantData(f.IssueKeys.Function, "the owner listings query GSI1.")
	props.Table.GrantData(f.Token.Function, "the token function reads and writes the base table (clients, sessions, refresh tokens) "+
		"and gets the same data grant as issuekeys, so a store change that queries GSI1 does not break it.")
	// KMS, as accesstoken.LoadKMS and envelope call it.
	props.Keys.GrantVerify(f.Authorizer.Function)
	// Each opens or seals only the values of its purposes: SAS keys for the
	// authorizer and token (open) and issuekeys (seal), refresh-token
	// successors for token, which the authorizer and issuekeys never open.
	props.Keys.GrantOpen(f.Authorizer.Function, PurposeSAS)
	props.Keys.GrantSign(f.IssueKeys.Function)
	props.Keys.GrantSeal(f.IssueKeys.Function, PurposeSAS)
	props.Keys.GrantSign(f.Token.Function)
	props.Keys.GrantSeal(f.Token.Function, PurposeRefresh)
	props.Keys.GrantOpen(f.Token.Function, PurposeSAS)
	return f
}

// AddTokenEnvironment gives every function the issuer and the audience,
// and all but certificates the signing keys and the seal key: each of those
// calls accesstoken.LoadKMS at cold start, which requires them. The
// certificates function needs the issuer alone (the aud of a proof of
// possession names it).
func (f *APIFunctions) AddTokenEnvironment(issuer, audience *string, keys *Keys) {
	for _, kv := range [][2]*string{{jsii.String(config.EnvIssuer), issuer}, {jsii.String(config.EnvAudience), audience}} {
		f.Certificates.Function.AddEnvironment(kv[0], kv[1], nil)
	}
	for _, fn := range []*Function{f.Authorizer, f.IssueKeys, f.Token} {
		for _, kv := range [][2]*string{
			{jsii.String(config.EnvIssuer), issuer},
			{jsii.String(config.EnvAudience), audience},
			{jsii.String(config.EnvSigningKeys), keys.SigningKeys()},
			{jsii.String(config.EnvSealKey), keys.SealKey()},
		} {
			fn.Function.AddEnvironment(kv[0], kv[1], nil)
		}
	}
}
