package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/secret"
)

// Environment variable names, shared by the functions and the CDK app.
const (
	EnvTable              = "TOLLGATE_TABLE"
	EnvProjectID          = "TOLLGATE_PROJECT_ID"
	EnvRevocationBound    = "TOLLGATE_REVOCATION_BOUND"
	EnvQueryTokens        = "TOLLGATE_QUERY_TOKENS"
	EnvNonExpiringKeys    = "TOLLGATE_ALLOW_NON_EXPIRING_KEYS"
	EnvStoreTimeout       = "TOLLGATE_STORE_TIMEOUT"
	EnvDynamoDBEndpoint   = "TOLLGATE_DYNAMODB_ENDPOINT"
	EnvKMSEndpoint        = "TOLLGATE_KMS_ENDPOINT"
	EnvAuthorizerCacheTTL = "TOLLGATE_AUTHORIZER_CACHE_TTL"
	EnvIssuer             = "TOLLGATE_ISSUER"
	EnvAudience           = "TOLLGATE_AUDIENCE"
	EnvSigningKeys        = "TOLLGATE_SIGNING_KEYS"
	EnvSealKey            = "TOLLGATE_SEAL_KEY"
	EnvRefreshGrace       = "TOLLGATE_REFRESH_GRACE"
	EnvPasswordSignIn     = "TOLLGATE_PASSWORD_SIGN_IN"
	EnvSweepNotice        = "TOLLGATE_SWEEP_NOTICE"
	EnvSweepRetention     = "TOLLGATE_SWEEP_RETENTION"
	EnvSweepMaxItems      = "TOLLGATE_SWEEP_MAX_ITEMS"
	EnvSweepInterval      = "TOLLGATE_SWEEP_INTERVAL"
	EnvForwardInterval    = "TOLLGATE_FORWARD_INTERVAL"
	EnvEventBus           = "TOLLGATE_EVENT_BUS"
	EnvMaxKeyLifetime     = "TOLLGATE_MAX_KEY_LIFETIME"
	EnvMaxJWTLifetime     = "TOLLGATE_MAX_JWT_LIFETIME"
	EnvMaxRefreshLifetime = "TOLLGATE_MAX_REFRESH_LIFETIME"
	EnvAuditRetention     = "TOLLGATE_AUDIT_RETENTION"
	EnvSecretPrefix       = "TOLLGATE_SECRET_PREFIX"
	EnvScanningKeys       = "TOLLGATE_GITHUB_SCANNING_KEYS"
	EnvLeakAction         = "TOLLGATE_LEAK_ACTION"
	EnvExchangeAudiences  = "TOLLGATE_EXCHANGE_AUDIENCES"
)

// DefaultProjectID is the project every record belongs to until a
// deployment names its own.
const DefaultProjectID = "default"

// Config is every setting a Tollgate function reads at start.
type Config struct {
	// Table is the DynamoDB table name.
	Table string
	// ProjectID scopes every read and write.
	ProjectID string
	// RevocationBound is the longest a revocation, deactivation or user
	// change may take to reach every authorizer decision, caches included.
	// 0 disables the authorizer's in-process cache.
	RevocationBound time.Duration
	// GatewayCacheTTL is API Gateway's authorizer result cache TTL; the
	// in-process cache keeps entries for RevocationBound minus this.
	GatewayCacheTTL time.Duration
	// QueryTokens enables ?api_token= (off by default: URLs end up in logs).
	QueryTokens bool
	// AllowNonExpiringKeys permits "expiresAt": null on API keys.
	AllowNonExpiringKeys bool
	// StoreTimeout bounds each store call made by the authorizer.
	StoreTimeout time.Duration
	// DynamoDBEndpoint overrides the DynamoDB endpoint (DynamoDB Local).
	DynamoDBEndpoint string
	// KMSEndpoint overrides the KMS endpoint (a local KMS stand-in such as
	// local-kms); empty in a deployment.
	KMSEndpoint string
	// Issuer is the iss of every JWT and the base URL of the OAuth endpoints.
	Issuer string
	// Audience is the aud of every JWT (default: Issuer).
	Audience string
	// ExchangeAudiences are the other audiences a token exchange may issue
	// a token for (RFC 8693 audience): downstream services that verify
	// Tollgate's tokens offline. Tokens for them are not accepted by the
	// authorizer, which takes Audience alone.
	ExchangeAudiences []string
	// SigningKeys are the KMS keys (ids, ARNs or aliases) of the JWT
	// signing keyring: the first signs, all verify (rotation with overlap).
	SigningKeys []string
	// SealKey is the KMS key of envelope encryption.
	SealKey string
	// RefreshGrace is how long a spent refresh token still gets its successor.
	RefreshGrace time.Duration
	// PasswordSignIn accepts a username and password as client credentials
	// (off by default; for testing).
	PasswordSignIn bool
	// SweepNotice is how long before expiry credential.expiring is sent.
	SweepNotice time.Duration
	// SweepRetention is how long an expired record stays before TTL deletion.
	SweepRetention time.Duration
	// SweepMaxItems bounds one sweep run.
	SweepMaxItems int
	// SweepInterval is how often the local stack sweeps (in AWS: the schedule).
	SweepInterval time.Duration
	// ForwardInterval is how often the local stack forwards metering
	// events to its outbox (in AWS: every minute).
	ForwardInterval time.Duration
	// EventBus receives sweep events ("" for the default bus).
	EventBus string
	// MaxKeyLifetime is the latest expiresAt of an API key, from its
	// creation; "expiresAt": null stays AllowNonExpiringKeys' choice.
	MaxKeyLifetime time.Duration
	// MaxJWTLifetime is the latest expiresAt of a personal JWT, and so how
	// long a retired signing key must stay in the keyring.
	MaxJWTLifetime time.Duration
	// MaxRefreshLifetime is the latest expiresAt of a refresh-token family.
	MaxRefreshLifetime time.Duration
	// AuditRetention is how far back GET /v1/audit reads: an earlier
	// ?since= is refused.
	AuditRetention time.Duration
	// SecretPrefix is the deployment's own prefix of the opaque secrets it
	// mints ("acme_" gives acme_tgk_…), "" for none; secrets without it stay
	// valid.
	SecretPrefix string
	// ScanningKeys is GitHub's secret scanning public key set, in the JSON
	// GitHub publishes; "" turns the leak response off (package scanning
	// parses it).
	ScanningKeys string
	// LeakAction is what a leaked credential undergoes: deactivate (""),
	// revoke or notify (package scanning checks it).
	LeakAction string
}

// Defaults for the optional settings, the functions' at start and the CDK
// app's at synth.
const (
	DefaultRevocationBound = 30 * time.Second
	DefaultStoreTimeout    = 2 * time.Second
	DefaultRefreshGrace    = 10 * time.Second
	DefaultSweepNotice     = 7 * 24 * time.Hour
	DefaultSweepRetention  = 30 * 24 * time.Hour
	DefaultSweepMaxItems   = 1000
	DefaultForwardInterval = 5 * time.Second

	DefaultMaxKeyLifetime     = 365 * 24 * time.Hour
	DefaultMaxJWTLifetime     = 365 * 24 * time.Hour
	DefaultMaxRefreshLifetime = 90 * 24 * time.Hour
	DefaultAuditRetention     = 400 * 24 * time.Hour
)

// FromEnv parses the configuration from the process environment.
func FromEnv() (Config, error) { return Parse(os.Getenv) }

// TokensFromEnv is FromEnv for the functions that sign or verify JWTs and
// seal secrets in AWS: it also reports what they need and is missing.
func TokensFromEnv() (Config, error) {
	c, err := FromEnv()
	return c, errors.Join(err, c.requireTokens())
}

// Parse reads the configuration through getenv, reporting every problem at once.
func Parse(getenv func(string) string) (Config, error) {
	c, err := parse(getenv)
	if c.Table == "" {
		err = errors.Join(fmt.Errorf("%s is required", EnvTable), err)
	}
	return c, err
}

// Check reports every problem Parse would find in env apart from a missing
// TOLLGATE_TABLE: the CDK app checks each function's environment with it at
// synth, where the table's name is not known yet.
func Check(env map[string]string) error {
	_, err := parse(func(name string) string { return env[name] })
	return err
}

// checkCacheTTL reports an API Gateway authorizer cache TTL longer than the
// revocation bound, which the cached policies would then outlive.
func checkCacheTTL(gatewayTTL, bound time.Duration) error {
	if gatewayTTL > bound {
		return fmt.Errorf("%s (%s) must not exceed the revocation bound, %s (%s)",
			EnvAuthorizerCacheTTL, gatewayTTL, EnvRevocationBound, bound)
	}
	return nil
}

// parse is Parse without its check that the table is named.
func parse(getenv func(string) string) (Config, error) {
	c := Config{
		ProjectID:            DefaultProjectID,
		RevocationBound:      DefaultRevocationBound,
		AllowNonExpiringKeys: true,
		StoreTimeout:         DefaultStoreTimeout,
		RefreshGrace:         DefaultRefreshGrace,
		SweepNotice:          DefaultSweepNotice,
		SweepRetention:       DefaultSweepRetention,
		SweepMaxItems:        DefaultSweepMaxItems,
		SweepInterval:        time.Minute,
		ForwardInterval:      DefaultForwardInterval,
		MaxKeyLifetime:       DefaultMaxKeyLifetime,
		MaxJWTLifetime:       DefaultMaxJWTLifetime,
		MaxRefreshLifetime:   DefaultMaxRefreshLifetime,
		AuditRetention:       DefaultAuditRetention,
	}
	var errs []error
	c.Table = getenv(EnvTable)
	if v := getenv(EnvProjectID); v != "" {
		c.ProjectID = v
	}
	c.DynamoDBEndpoint = getenv(EnvDynamoDBEndpoint)
	c.KMSEndpoint = getenv(EnvKMSEndpoint)
	c.Issuer = strings.TrimSuffix(getenv(EnvIssuer), "/")
	c.Audience = getenv(EnvAudience)
	if c.Audience == "" {
		c.Audience = c.Issuer
	}
	c.SigningKeys = list(getenv(EnvSigningKeys))
	c.ExchangeAudiences = list(getenv(EnvExchangeAudiences))
	c.SealKey = getenv(EnvSealKey)
	c.EventBus = getenv(EnvEventBus)
	c.SecretPrefix = getenv(EnvSecretPrefix)
	c.ScanningKeys, c.LeakAction = getenv(EnvScanningKeys), getenv(EnvLeakAction)
	if err := secret.CheckDeployment(c.SecretPrefix); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvSecretPrefix, err))
	}
	if v := getenv(EnvSweepMaxItems); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive whole number", EnvSweepMaxItems, v))
		}
		c.SweepMaxItems = n
	}
	errs = append(errs,
		duration(getenv, EnvRevocationBound, &c.RevocationBound),
		duration(getenv, EnvAuthorizerCacheTTL, &c.GatewayCacheTTL),
		duration(getenv, EnvStoreTimeout, &c.StoreTimeout),
		duration(getenv, EnvRefreshGrace, &c.RefreshGrace),
		duration(getenv, EnvSweepNotice, &c.SweepNotice),
		duration(getenv, EnvSweepRetention, &c.SweepRetention),
		duration(getenv, EnvSweepInterval, &c.SweepInterval),
		duration(getenv, EnvForwardInterval, &c.ForwardInterval),
		positive(getenv, EnvMaxKeyLifetime, &c.MaxKeyLifetime),
		positive(getenv, EnvMaxJWTLifetime, &c.MaxJWTLifetime),
		positive(getenv, EnvMaxRefreshLifetime, &c.MaxRefreshLifetime),
		positive(getenv, EnvAuditRetention, &c.AuditRetention),
		boolean(getenv, EnvQueryTokens, &c.QueryTokens),
		boolean(getenv, EnvNonExpiringKeys, &c.AllowNonExpiringKeys),
		boolean(getenv, EnvPasswordSignIn, &c.PasswordSignIn),
	)
	errs = append(errs, checkCacheTTL(c.GatewayCacheTTL, c.RevocationBound))
	return c, errors.Join(errs...)
}

// CacheTTL is how long the authorizer may keep a decision in process.
func (c Config) CacheTTL() time.Duration { return c.RevocationBound - c.GatewayCacheTTL }

// list reads a comma-separated list, leaving out empty items.
func list(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func duration(getenv func(string) string, name string, dst *time.Duration) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%s: %q is not a non-negative duration such as 30s", name, v)
	}
	*dst = d
	return nil
}

// positive reads a duration that must be above zero: a longest lifetime
// (or an audit retention) of 0 would refuse everything.
func positive(getenv func(string) string, name string, dst *time.Duration) error {
	v := getenv(name)
	if d, err := time.ParseDuration(v); v != "" && (err != nil || d <= 0) {
		return fmt.Errorf("%s: %q is not a positive duration such as 8760h", name, v)
	}
	return duration(getenv, name, dst)
}

func boolean(getenv func(string) string, name string, dst *bool) error {
	v := getenv(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%s: %q is not true or false", name, v)
	}
	*dst = b
	return nil
}

// requireTokens reports what is missing for the functions that sign or
// verify JWTs and seal secrets in AWS.
func (c Config) requireTokens() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, fmt.Errorf("%s is required", EnvIssuer))
	}
	if len(c.SigningKeys) == 0 {
		errs = append(errs, fmt.Errorf("%s is required", EnvSigningKeys))
	}
	if c.SealKey == "" {
		errs = append(errs, fmt.Errorf("%s is required", EnvSealKey))
	}
	return errors.Join(errs...)
}
