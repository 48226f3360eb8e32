package seed

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/user"
)

// Epoch is the earliest iat a seeded personal JWT session accepts.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ProjectID is the project of every seeded record (config's default).
const ProjectID = "default"

// Issuer is the iss and aud of the seeded tokens: the execute-api URL the
// sample events are addressed to (API abcdef1234, stage prod).
const Issuer = "https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod"

// Users. The ids appear in the samples' paths and contexts.
const (
	AdminID = "usr_11e13nEpryzEuPmIL"
	AliceID = "usr_06DV6BjpjWpzwHDfi" // credential-issuer
	BobID   = "usr_0VaSLUxg9JCE5rU1e" // plain user, the target of user management
	DaveID  = "usr_17592pGWt28jSD11S" // credential-issuer with the SAS and certificate scopes
)

// Users are the seeded users, admin first.
var Users = []user.User{
	{ID: AdminID, Username: "admin", Roles: []string{user.RoleAdmin}, Scopes: scope.Set{}},
	{ID: AliceID, Username: "alice", Roles: []string{user.RoleCredentialIssuer},
		Scopes: scope.Set{"credentials:read", "credentials:write", "echo:read"}},
	{ID: BobID, Username: "bob", Roles: []string{}, Scopes: scope.Set{"echo:read"}},
	{ID: DaveID, Username: "dave", Roles: []string{user.RoleCredentialIssuer},
		Scopes: scope.Set{"certificates:read", "certificates:write", "echo:read", "sas:read", "sas:write"}},
}

// API keys. The tokens were made once with secret.Generate.
const (
	AdminKeyID     = "key_0ruTXMV3nHJezs5lI"
	AdminToken     = "tgk_LHTae3ceMCmNfwmKbJP2zYuvsx2o2GY9FbsgGCKRrIC2NMa3J"
	AliceKeyID     = "key_0cVpHii6tYs5D4Kol"
	AliceToken     = "tgk_ZpzzuOjqLQENOD7KP6ya2L4JGxqjP5dln6g4NuZ8PpR0lgYfo"
	AliceReadKeyID = "key_1LescLxgjsle8rKBt"
	AliceReadToken = "tgk_QNPKW35nEpcibZhN0kWBIb874yBuyvBueWjMQJ5N6tv22x5j5"
	BobKeyID       = "key_1DjUoQQIu02vWiBiS"
	BobToken       = "tgk_Xxxh1P2UltOIsLyi5Qgwq3cctv9dtghkGdlleLI2gLr2bsrsO"
	DaveKeyID      = "key_1EBjoJjnI23bYN0xI"
	DaveToken      = "tgk_Bd0sHIN6XrC7KAB5BwzwkPNyhdoTGfarCSfEePIVFzU4DIqW1"
	// ExpiredKeyID expired an hour before the seed's time: the sweep's work.
	ExpiredKeyID = "key_0000000000000EXPD"
)

// Key is a seeded API key.
type Key struct {
	ID, Owner, Name, Token string
	Scopes                 scope.Set // nil: inherits the owner's
}

// Keys are the seeded API keys (ExpiredKeyID aside).
var Keys = []Key{
	{AdminKeyID, AdminID, "bootstrap", AdminToken, nil},
	{AliceKeyID, AliceID, "laptop", AliceToken, nil},
	{AliceReadKeyID, AliceID, "dashboard (read-only)", AliceReadToken, scope.Set{"credentials:read"}},
	{BobKeyID, BobID, "scripts", BobToken, nil},
	{DaveKeyID, DaveID, "workstation", DaveToken, nil},
	{LeakedKeyID, BobID, "committed by mistake", LeakedToken, nil},
}

// Sessions: personal JWTs, a refresh family and an OAuth client of alice,
// and the admin's OAuth client that introspects tokens.
// The ids and secrets were made once with id.New and secret.Generate.
const (
	AliceJWTID         = "jwt_1PvNqPhu3pgxuA44t" // active personal JWT, inherits alice's scopes
	AliceRevokedJWTID  = "jwt_0GLinuA11ejlLTtli" // revoked personal JWT
	AliceFamilyID      = "rtf_1cEnHVtQYjhB4lzC0" // refresh family
	AliceRefreshToken  = "tgr_Bh1LJ6tcsTzJzblM1ifH5tXB6H1b6UtpeKOkHXlSeDV2tSjMQ"
	AliceClientID      = "cli_1OsllEbiuiKuwAAnD" // OAuth client
	AliceClientSecret  = "tgc_iG3DeIPFca37nUiBsMXrbFccjkF1ZO4uWkRHaL2XENO1TeCpV"
	IntrospectorID     = "cli_1IeKPvZdWihaa0glt" // the admin's client holding tokens:introspect
	IntrospectorSecret = "tgc_oprCxEFClb3a7tsreaos8ojSdcuksYnaRG1ycWyBSTF3i6Z5L"
)

// Session is a seeded personal JWT, refresh family or client. Its times
// are offsets from the seed's time.
type Session struct {
	ID, Owner, Name string
	Scopes          scope.Set     // nil: inherits the owner's
	Created         time.Duration // before the seed's time
	Lifetime        time.Duration // from Created; 0: never expires
	Revoked         bool
	Secret          string // a family's first refresh token, a client's secret
}

// Sessions are the seeded sessions.
var Sessions = []Session{
	{AliceJWTID, AliceID, "laptop", nil, 30 * 24 * time.Hour, 180 * 24 * time.Hour, false, ""},
	{AliceRevokedJWTID, AliceID, "old laptop", scope.Set{"echo:read"}, 30*24*time.Hour - 5*time.Minute, 180 * 24 * time.Hour, true, ""},
	{AliceFamilyID, AliceID, "cli", scope.Set{"credentials:read", "echo:read"}, 30*24*time.Hour - 10*time.Minute, refresh.DefaultLifetime, false, AliceRefreshToken},
	{AliceClientID, AliceID, "billing service", scope.Set{"echo:read"}, 30*24*time.Hour - 15*time.Minute, 0, false, AliceClientSecret},
	{IntrospectorID, AdminID, "resource server", scope.Set{"tokens:introspect"}, 30*24*time.Hour - 20*time.Minute, 0, false, IntrospectorSecret},
}

// CreatedAt and ExpiresAt are the session's times for a seed made at now.
func (s Session) CreatedAt(now time.Time) time.Time { return now.Add(-s.Created).Truncate(time.Second) }

// ExpiresAt is nil for a session that never expires.
func (s Session) ExpiresAt(now time.Time) *time.Time {
	if s.Lifetime == 0 {
		return nil
	}
	exp := s.CreatedAt(now).Add(s.Lifetime)
	return &exp
}

// Kind is the session's kind, from its id.
func (s Session) Kind() credential.Kind {
	k, _ := credential.KindOf(s.ID)
	return k
}

// SAS credential of dave. The identifier and keys were made once with
// sas.NewIdentifier and sas.GenerateKey; they are stored sealed.
const (
	SASIdentifier = "278b4a01b0aa1de2cd294c33"
	SASPrimary    = "EyBVF96C5vcjy9cwWcMSV11GF5L+uyKVTdSttOfNGfw0csX32l9Nd9ERG6y6v6sulNy6UhAUeauCZTc/n79h0w=="
	SASSecondary  = "dXIbbPo7smEdXpLA/wUvLV+vNUHy/+fnjATYI60MTipyDH+XhD62wSPebMoPxRN+QbZ1FcBXpXUlwH5lzRH5TQ=="
)

// RateLimited is the metering event the seed records a minute before its
// time (alice's read key was rate limited): the forward's work.
func RateLimited(now time.Time) meter.Event {
	return meter.Event{Type: meter.EventRateLimited, CredentialID: AliceReadKeyID, Kind: string(credential.TypeAPIKey),
		Owner: AliceID, Time: now.Add(-time.Minute).Truncate(time.Second)}
}

// Signing and envelope keys, derived from fixed seeds so that the samples'
// JWTs and the local-kms seed file stay the same across runs.
var (
	// SigningKey signs the seeded JWTs (as the local-kms key SigningKeyID).
	SigningKey = FixedKey("tollgate events signing key")
	// OtherKey signs jwt-wrong-key.json: our kid, another key's signature.
	OtherKey = FixedKey("tollgate events other key")
	// DPoPKey is the client's DPoP key the access token of
	// dpop-as-bearer.json is bound to (cnf.jkt).
	DPoPKey = FixedKey("tollgate events dpop key")
	// SealKey is the 256-bit envelope key (as the local-kms key SealKeyID).
	SealKey = sha256.Sum256([]byte("tollgate events seal key"))
)

// FixedKey derives a P-256 key from seed.
func FixedKey(seed string) *ecdsa.PrivateKey {
	sum := sha256.Sum256([]byte(seed))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), sum[:])
	if err != nil {
		panic(err)
	}
	return k
}

// Store is where Apply writes: the store packages' methods.
type Store interface {
	CreateUser(ctx context.Context, u user.User) error
	CreateKey(ctx context.Context, k apikey.Key) error
	CreateSession(ctx context.Context, s credential.Session) error
	CreateFamily(ctx context.Context, f refresh.Family, first refresh.Token) error
	CreateClient(ctx context.Context, c credential.Client) error
	RevokeSession(ctx context.Context, projectID, id string, at time.Time) error
	CreateSAS(ctx context.Context, c sas.Sealed) error
	BindCertificate(ctx context.Context, b certbind.Binding) error
	RecordMeterEvent(ctx context.Context, projectID string, e meter.Event) (bool, error)
}

// Apply writes the seed into st as it stands at now, sealing the SAS keys
// with sealer. It fails on the first record that exists already: seed an
// empty table.
func Apply(ctx context.Context, st Store, sealer sas.Sealer, now time.Time) error {
	now = now.UTC().Truncate(time.Second)
	created := now.Add(-60 * 24 * time.Hour)
	for i, u := range Users {
		u.ProjectID = ProjectID
		u.CreatedAt = created.Add(time.Duration(i) * time.Minute)
		if err := st.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("seeding user %s: %w", u.Username, err)
		}
	}
	for i, k := range Keys {
		at := created.Add(time.Hour + time.Duration(i)*time.Minute)
		exp := now.Add(apikey.DefaultLifetime)
		if err := st.CreateKey(ctx, apikey.Key{ProjectID: ProjectID, ID: k.ID, Hash: secret.Sum(k.Token), Name: k.Name,
			Scopes: k.Scopes, Owner: k.Owner, Status: apikey.Active, Hint: secret.Hint(k.Token), CreatedAt: at, ExpiresAt: &exp}); err != nil {
			return fmt.Errorf("seeding key %s: %w", k.ID, err)
		}
	}
	expired := now.Add(-time.Hour)
	if err := st.CreateKey(ctx, apikey.Key{ProjectID: ProjectID, ID: ExpiredKeyID, Name: "old", Owner: AdminID,
		Status: apikey.Active, CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: &expired}); err != nil {
		return fmt.Errorf("seeding key %s: %w", ExpiredKeyID, err)
	}
	for _, s := range Sessions {
		if err := applySession(ctx, st, s, now); err != nil {
			return fmt.Errorf("seeding session %s: %w", s.ID, err)
		}
	}
	sealed, err := sas.Seal(ctx, sealer, sas.Credential{ProjectID: ProjectID, Identifier: SASIdentifier, Owner: DaveID,
		Enabled: true, Primary: SASPrimary, Secondary: SASSecondary, CreatedAt: created.Add(2 * time.Hour)})
	if err != nil {
		return fmt.Errorf("sealing the SAS keys: %w", err)
	}
	if err := st.CreateSAS(ctx, sealed); err != nil {
		return fmt.Errorf("seeding the SAS credential: %w", err)
	}
	cert, err := certbind.Parse(DaveCertPEM, now)
	if err != nil {
		return fmt.Errorf("dave's certificate: %w", err)
	}
	if err := st.BindCertificate(ctx, certbind.Binding{ProjectID: ProjectID, Owner: DaveID, Certificate: cert,
		CreatedAt: created.Add(2*time.Hour + time.Minute)}); err != nil {
		return fmt.Errorf("binding dave's certificate: %w", err)
	}
	if _, err := st.RecordMeterEvent(ctx, ProjectID, RateLimited(now)); err != nil {
		return fmt.Errorf("seeding a metering event: %w", err)
	}
	return nil
}

// applySession stores a session as the management API would have made it,
// but with its fixed id and secret.
func applySession(ctx context.Context, st Store, s Session, now time.Time) error {
	created := s.CreatedAt(now)
	sess := credential.Session{ProjectID: ProjectID, ID: s.ID, Kind: s.Kind(), Owner: s.Owner, Name: s.Name,
		Scopes: s.Scopes, Status: credential.Active, CreatedAt: created, ExpiresAt: s.ExpiresAt(now)}
	var err error
	switch sess.Kind {
	case credential.KindJWT:
		// Tokens issued since Epoch are accepted, so samples generated
		// before the seed was applied still pass.
		sess.NotBefore = Epoch
		err = st.CreateSession(ctx, sess)
	case credential.KindRefresh:
		err = st.CreateFamily(ctx, refresh.Family{Session: sess, AccessTokenTTL: refresh.DefaultAccessTokenTTL},
			refresh.Token{ProjectID: ProjectID, Hash: secret.Sum(s.Secret), FamilyID: s.ID, ExpiresAt: *sess.ExpiresAt})
	case credential.KindClient:
		err = st.CreateClient(ctx, credential.Client{Session: sess, SecretHash: secret.Sum(s.Secret), SecretHint: secret.Hint(s.Secret)})
	default:
		err = fmt.Errorf("unknown kind of session %s", s.ID)
	}
	if err != nil || !s.Revoked {
		return err
	}
	return st.RevokeSession(ctx, ProjectID, s.ID, created.Add(time.Hour))
}
