// Package events_test runs every sample event under events/ through the real
// handler it is meant for, so a sample can neither drift from the event type
// (unknown fields fail the decode) nor from what the handler does with it.
package events_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/seed"
	"github.com/tollgate/tollgate/shared/management"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/oauth"
	"github.com/tollgate/tollgate/shared/refresh"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/secret"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/sweep"
	"github.com/tollgate/tollgate/shared/user"
)

// Outcomes of an authorizer event.
const (
	allow        = authorizer.Allow
	deny         = authorizer.Deny
	unauthorized = "Unauthorized"
)

// authorizerWant is the expected decision for each file in authorizer/.
var authorizerWant = map[string]string{
	"bearer.json":         allow,
	"apitoken.json":       allow,
	"x-api-key.json":      allow,
	"query-token.json":    unauthorized, // query tokens are off by default
	"missing.json":        unauthorized,
	"malformed.json":      unauthorized, // bad checksum
	"unknown-key.json":    unauthorized, // well-formed, not stored
	"missing-scope.json":  deny,         // read-only key on POST /v1/keys
	"jwt-bearer.json":     allow,        // personal JWT of an active session
	"jwt-revoked.json":    unauthorized, // well signed, session revoked
	"jwt-wrong-key.json":  unauthorized, // our kid, another key's signature
	"access-token.json":   allow,        // access token of a refresh family, on GET /v1/keys
	"dpop-as-bearer.json": unauthorized, // the same, DPoP-bound (cnf.jkt), as Bearer
	"sas.json":            allow,        // shared access signature of dave's SAS credential, primary key
	"sas-malformed.json":  unauthorized, // the same signature with its fields out of order
	"mtls.json":           allow,        // mutual TLS alone, with the certificate bound to dave
	"mtls-unbound.json":   unauthorized, // mutual TLS alone, with a certificate bound to no one
}

// proxyWant is the expected response to a proxy event; body, when set, must
// appear in the response body.
type proxyWant struct {
	status int
	body   string
	// revokes, when set, is a fixture session that is active before the
	// request and revoked after it.
	revokes string
	// bearer, when set, is the JSON member of the answer holding a new
	// token, which the authorizer must then allow on GET /v1/whoami.
	bearer string
	// headers must be among the response headers.
	headers map[string]string
	// after, when set, checks the answer and the store after the request.
	after func(t *testing.T, f *fixture, resp events.APIGatewayProxyResponse)
}

// certificatesWant is the expected response for each file in certificates/.
var certificatesWant = map[string]proxyWant{
	"put-certificate.json": {status: http.StatusCreated, body: `"thumbprint":"` + bobCertThumbprint + `"`,
		headers: map[string]string{"Location": "/v1/users/" + bobID + "/certificate"},
		after: func(t *testing.T, f *fixture, resp events.APIGatewayProxyResponse) {
			if b, err := f.store.GetCertificateByOwner(context.Background(), project, bobID); err != nil || b.Thumbprint != bobCertThumbprint {
				t.Errorf("bob's binding after the PUT: %v, %v", b.Thumbprint, err)
			}
			if ctx := wantWhoami(t, f, "", bobCertPEM, allow); ctx["principalId"] != bobID {
				t.Errorf("the newly bound certificate authenticates %v, want bob", ctx["principalId"])
			}
		}},
	"get-certificate.json": {status: http.StatusOK, body: `"thumbprint":"` + daveCertThumbprint + `"`},
	"delete-certificate.json": {status: http.StatusNoContent,
		after: func(t *testing.T, f *fixture, resp events.APIGatewayProxyResponse) {
			if _, err := f.store.GetCertificateByOwner(context.Background(), project, daveID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("dave's binding after the DELETE: %v", err)
			}
			wantWhoami(t, f, "", daveCertPEM, unauthorized)
		}},
}

// issuekeysWant is the expected response for each file in issuekeys/.
var issuekeysWant = map[string]proxyWant{
	"whoami.json":                {status: http.StatusOK, body: `"principalId":"` + aliceID + `"`},
	"create-user.json":           {status: http.StatusCreated, body: `"username":"carol"`},
	"list-users.json":            {status: http.StatusOK, body: `"userId":"` + bobID + `"`},
	"get-user.json":              {status: http.StatusOK, body: `"userId":"` + bobID + `"`},
	"patch-user.json":            {status: http.StatusOK, body: `"scopes":["echo:read","echo:write"]`},
	"patch-user-stale-etag.json": {status: http.StatusPreconditionFailed, body: `If-Match: the resource has changed`},
	"delete-user.json":           {status: http.StatusNoContent},
	"create-key.json":            {status: http.StatusCreated, body: `"key":"tgk_`},
	"create-key-limits.json": {status: http.StatusCreated,
		body: `"rateLimit":{"limit":100,"windowSeconds":60},"quota":{"limit":10000,"remaining":10000,"refill":{"amount":10000,"interval":"day"}}`},
	"list-keys.json":                {status: http.StatusOK, body: `"keyId":"` + aliceReadKeyID + `"`},
	"get-key.json":                  {status: http.StatusOK, body: `"keyId":"` + aliceReadKeyID + `"`},
	"patch-key-inactive.json":       {status: http.StatusOK, body: `"status":"inactive"`},
	"rotate-key.json":               {status: http.StatusCreated, body: `"key":"tgk_`},
	"delete-key.json":               {status: http.StatusNoContent},
	"create-key-unknown-field.json": {status: http.StatusBadRequest, body: `scope: unknown field`},
	"create-key-bad-scope.json":     {status: http.StatusBadRequest, body: `scopes: must be a subset of the owner's scopes`},
	"get-key-of-someone-else.json":  {status: http.StatusNotFound, body: `no such key`},

	"create-jwt.json":     {status: http.StatusCreated, body: `"token":"eyJ`, bearer: "token"},
	"list-jwts.json":      {status: http.StatusOK, body: `"tokenId":"` + aliceJWTID + `"`}, // called with the JWT itself
	"get-jwt.json":        {status: http.StatusOK, body: `"tokenId":"` + aliceJWTID + `"`},
	"delete-jwt.json":     {status: http.StatusNoContent, revokes: aliceJWTID},
	"create-refresh.json": {status: http.StatusCreated, body: `"refreshToken":"tgr_`},
	"list-refresh.json":   {status: http.StatusOK, body: `"tokenId":"` + aliceFamilyID + `"`},
	"get-refresh.json":    {status: http.StatusOK, body: `"tokenId":"` + aliceFamilyID + `"`},
	"delete-refresh.json": {status: http.StatusNoContent, revokes: aliceFamilyID},
	"create-client.json":  {status: http.StatusCreated, body: `"clientSecret":"tgc_`},
	"get-client.json":     {status: http.StatusOK, body: `"secretHint":"` + secret.Hint(aliceClientSecret) + `"`},
	"rotate-client-secret.json": {status: http.StatusOK,
		body: `"previousSecretExpiresAt":"` + now.Add(credential.DefaultSecretGrace).Format(time.RFC3339) + `"`},
	"delete-client.json": {status: http.StatusNoContent, revokes: aliceClientID},
	"patch-client.json": {status: http.StatusOK,
		body: `"rateLimit":{"limit":50,"windowSeconds":1},"quota":{"limit":100000,"remaining":100000,"refill":{"amount":100000,"interval":"month"}}`,
		after: func(t *testing.T, f *fixture, _ events.APIGatewayProxyResponse) {
			c, err := f.store.GetClient(context.Background(), project, aliceClientID)
			if l := c.Limits; err != nil || l.Rate == nil || *l.Rate != (meter.RateLimit{Limit: 50, Window: time.Second}) ||
				l.Quota == nil || l.Quota.Remaining != 100000 || !l.Quota.Period.Equal(meter.Month.Start(now)) {
				t.Errorf("stored client %+v (%v): not the limits sent", c, err)
			}
		}},

	// GitHub's report of bob's leaked key, signed with the seed's GitHub
	// key: the key is deactivated (the default action).
	"secret-scanning-github.json": {status: http.StatusOK, body: `"token_type":"tollgate_api_key","label":"true_positive"`,
		after: func(t *testing.T, f *fixture, _ events.APIGatewayProxyResponse) {
			k, err := f.store.GetKey(context.Background(), project, seed.LeakedKeyID)
			if err != nil || k.Status != apikey.Inactive {
				t.Errorf("the leaked key is %q (%v), want inactive", k.Status, err)
			}
		}},

	"get-sas.json": {status: http.StatusOK, body: `"identifier":"` + sasIdentifier + `"`, headers: noStore,
		after: func(t *testing.T, f *fixture, resp events.APIGatewayProxyResponse) {
			got := sasAnswer(t, resp)
			if got.Identifier != sasIdentifier || !got.Enabled || got.PrimaryKey != sasPrimary || got.SecondaryKey != sasSecondary {
				t.Error("GET /v1/sas does not answer the fixture credential and its keys")
			}
		}},
	"regenerate-sas.json": {status: http.StatusOK, body: `"primaryKey":"` + sasPrimary + `"`, headers: noStore,
		after: func(t *testing.T, f *fixture, resp events.APIGatewayProxyResponse) {
			got := sasAnswer(t, resp)
			if got.Identifier != sasIdentifier || got.PrimaryKey != sasPrimary || got.SecondaryKey == sasSecondary || got.SecondaryKey == "" {
				t.Error("regenerating the secondary key must change it and only it")
			}
			if c := storedSAS(t, f); c.Primary != got.PrimaryKey || c.Secondary != got.SecondaryKey {
				t.Error("the stored keys are not the answered ones")
			}
			// The primary key's tokens still pass; the old secondary key's fail.
			wantWhoami(t, f, sasToken, "", allow)
			wantWhoami(t, f, sas.Sign(sasIdentifier, sasSecondary, sasExpiry), "", unauthorized)
			wantWhoami(t, f, sas.Sign(sasIdentifier, got.SecondaryKey, sasExpiry), "", allow)
		}},
	"patch-sas.json": {status: http.StatusOK, body: `"enabled":false`,
		after: func(t *testing.T, f *fixture, resp events.APIGatewayProxyResponse) {
			if got := sasAnswer(t, resp); got.PrimaryKey != "" || got.SecondaryKey != "" || got.Identifier != sasIdentifier {
				t.Errorf("PATCH /v1/sas answers keys or another credential: %s", resp.Body)
			}
			if c := storedSAS(t, f); c.Enabled || c.Primary != sasPrimary || c.Secondary != sasSecondary {
				t.Error("the stored credential is not disabled with its keys kept")
			}
			wantWhoami(t, f, sasToken, "", unauthorized)
		}},
	"sas-token.json": {status: http.StatusOK, body: `"token":"SharedAccessSignature uid=` + sasIdentifier, headers: noStore,
		after: func(t *testing.T, f *fixture, resp events.APIGatewayProxyResponse) {
			var got struct{ Token string }
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.Token != sasToken {
				t.Errorf("token = %q (%v); the sample asks for the one in authorizer/sas.json: %q", got.Token, err, sasToken)
			}
			wantWhoami(t, f, got.Token, "", allow)
		}},
}

var noStore = map[string]string{"Cache-Control": "no-store"}

// oauthWant is the expected answer of the token function.
type oauthWant struct {
	status int
	err    string // the "error" member of an error answer
	body   string // must appear in the body, when set
	// sid, when set, is the session of the access token a 200 answer
	// carries; the token must verify and pass the authorizer.
	sid string
	// revokes, when set, is a fixture session that is active before the
	// request and revoked after it.
	revokes string
	headers map[string]string // must be among the response headers
}

// tokenWant is the expected answer for each file in token/.
var tokenWant = map[string]oauthWant{
	"client-credentials-basic.json": {status: http.StatusOK, body: `"scope":"echo:read"`, sid: aliceClientID},
	"client-credentials-post.json":  {status: http.StatusOK, body: `"expires_in":3600`, sid: aliceClientID},
	"client-credentials-bad-secret.json": {status: http.StatusUnauthorized, err: "invalid_client",
		headers: map[string]string{"WWW-Authenticate": oauth.BasicChallenge}},
	"refresh-token.json":         {status: http.StatusOK, body: `"refresh_token":"tgr_`, sid: aliceFamilyID},
	"refresh-token-unknown.json": {status: http.StatusBadRequest, err: "invalid_grant"},
	"unsupported-grant.json":     {status: http.StatusBadRequest, err: "unsupported_grant_type"},
	"json-body.json":             {status: http.StatusBadRequest, err: "invalid_request", body: "not JSON"},
	"revoke-refresh-token.json":  {status: http.StatusOK, body: `{}`, revokes: aliceFamilyID},
	"revoke-unknown.json":        {status: http.StatusOK, body: `{}`},
	"jwks.json": {status: http.StatusOK, body: `"kid":"` + signingKID + `"`,
		headers: map[string]string{"Content-Type": "application/json"}},
	"metadata.json":                 {status: http.StatusOK, body: `"token_endpoint":"` + issuer + `/oauth/token"`},
	"token-exchange.json":           {status: http.StatusOK, body: `"issued_token_type":"` + oauth.TokenTypeAccess + `"`},
	"introspect.json":               {status: http.StatusOK, body: `"credential_id":"` + seed.AliceKeyID + `"`},
	"introspect-without-scope.json": {status: http.StatusForbidden, err: "insufficient_scope"},
}

const (
	project = seed.ProjectID
	region  = seed.Region
)

// now is the time the samples were made (`tollgate events`), which
// sweeper/scheduled.json carries: the fixture is seeded and the handlers
// run at it, so a sample's tokens and expiries are as fresh as when it was
// written.
var now = samplesTime()

// samplesTime reads the time of sweeper/scheduled.json.
func samplesTime() time.Time {
	var in sweep.Trigger
	b, err := os.ReadFile(filepath.Join("sweeper", "scheduled.json"))
	if err == nil {
		err = json.Unmarshal(b, &in)
	}
	if err != nil || in.Time.IsZero() {
		panic(fmt.Sprintf("sweeper/scheduled.json holds no time (regenerate with `make events`): %v", err))
	}
	return in.Time.UTC()
}

// The seed's users, keys, sessions, SAS credential and certificates
// (shared/local/seed), under the names the tables above use.
const (
	adminID = seed.AdminID
	aliceID = seed.AliceID
	bobID   = seed.BobID
	daveID  = seed.DaveID

	adminKeyID     = seed.AdminKeyID
	aliceKeyID     = seed.AliceKeyID
	aliceReadKeyID = seed.AliceReadKeyID
	aliceReadToken = seed.AliceReadToken
	bobKeyID       = seed.BobKeyID

	issuer   = seed.Issuer
	audience = issuer // the default: TOLLGATE_AUDIENCE unset

	aliceJWTID        = seed.AliceJWTID
	aliceRevokedJWTID = seed.AliceRevokedJWTID
	aliceFamilyID     = seed.AliceFamilyID
	aliceRefreshToken = seed.AliceRefreshToken
	aliceClientID     = seed.AliceClientID
	aliceClientSecret = seed.AliceClientSecret

	sasIdentifier = seed.SASIdentifier
	sasPrimary    = seed.SASPrimary
	sasSecondary  = seed.SASSecondary

	daveCertSeed       = seed.DaveCertSeed
	daveCertThumbprint = seed.DaveCertThumbprint
	daveCertPEM        = seed.DaveCertPEM
	bobCertSeed        = seed.BobCertSeed
	bobCertThumbprint  = seed.BobCertThumbprint
	bobCertPEM         = seed.BobCertPEM
	expiredKeyID       = seed.ExpiredKeyID
)

var (
	signingKey    = seed.SigningKey
	otherKey      = seed.OtherKey
	fixedKey      = seed.FixedKey
	fixtureKeys   = seed.Keys
	certNotBefore = seed.CertNotBefore
	certNotAfter  = seed.CertNotAfter
	// signingKID is signingKey's RFC 7638 thumbprint, the kid of the samples.
	signingKID = accesstoken.NewLocalSigner(signingKey).KeyID()
	// sasToken, in authorizer/sas.json, is sas.Sign(sasIdentifier, sasPrimary, sasExpiry).
	sasExpiry = seed.SASExpiry(now)
	sasToken  = seed.SASToken(now)
	// rateLimited is the metering event the seed records.
	rateLimited = seed.RateLimited(now)
)

func sessionKind(sid string) credential.Kind {
	k, _ := credential.KindOf(sid)
	return k
}

// fixture is a fresh store with the seed applied at now and the real
// handlers over it.
type fixture struct {
	store    *memory.Store
	auth     *authorizer.Authorizer
	mgmt     *management.Handler // as issuekeys serves it
	certs    *management.Handler // as certificates serves it
	token    *oauth.Handler
	verifier *accesstoken.Verifier
	sealer   sas.Sealer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := memory.New()
	sealer, err := envelope.NewLocal(seed.SealKey[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Apply(context.Background(), st, sealer, now); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(now)
	signer := accesstoken.NewLocalSigner(signingKey)
	keys := accesstoken.NewKeyring(&signingKey.PublicKey)
	mgmtOpt := management.Options{ProjectID: project, AllowNonExpiringKeys: true, Clock: clk,
		Issuer: issuer, Audience: audience, Signer: signer, Sealer: sealer}
	// The certificates function runs with neither signer nor sealer.
	certsOpt := mgmtOpt
	certsOpt.Signer, certsOpt.Sealer = nil, nil
	scanKeys, err := scanning.ParseKeys(seed.ScanningKeys())
	if err != nil {
		t.Fatal(err)
	}
	authOpt := authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: 2 * time.Second,
		Routes: access.NewTable(access.Routes), Clock: clk,
		Verifier: newVerifier(), Sealer: sealer,
	}
	return &fixture{
		store: st,
		auth:  authorizer.New(st, authOpt),
		mgmt: management.NewIssueKeys(st, mgmtOpt).Serving(scanning.Method, scanning.Resource,
			scanning.New(st, scanning.Options{ProjectID: project, Keys: scanKeys, Clock: clk}).Handle),
		certs: management.NewCertificates(st, certsOpt),
		token: oauth.New(st, oauth.Options{ProjectID: project, Issuer: issuer, Audience: audience, Signer: signer,
			Keys: keys, Sealer: sealer, Grace: refresh.DefaultGrace, Inspector: authorizer.New(st, authOpt), Clock: clk}),
		verifier: newVerifier(),
		sealer:   sealer,
	}
}

// newVerifier verifies tokens as the fixture's authorizer does.
func newVerifier() *accesstoken.Verifier {
	return &accesstoken.Verifier{Keys: accesstoken.NewKeyring(&signingKey.PublicKey), Issuer: issuer, Audience: audience,
		Clock: clock.NewFake(now)}
}

// TestSamplesAreGenerated fails when a sample differs from what `tollgate
// events` makes at the samples' time, or when a file is no sample.
func TestSamplesAreGenerated(t *testing.T) {
	samples, err := seed.Samples(now)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for _, s := range samples {
		made[s.Path] = true
		want, err := s.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.FromSlash(s.Path)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what `make events` writes (%v): regenerate the samples", s.Path, err)
		}
	}
	files, _ := filepath.Glob(filepath.Join("*", "*.json"))
	for _, f := range files {
		if !made[filepath.ToSlash(f)] {
			t.Errorf("%s is no sample of shared/local/seed: remove it or add it there", f)
		}
	}
}

func TestFixtureIDs(t *testing.T) {
	for _, u := range seed.Users {
		if !id.Valid(user.IDPrefix, u.ID) {
			t.Errorf("user id %q is not valid", u.ID)
		}
	}
	for _, k := range fixtureKeys {
		if !id.Valid(apikey.IDPrefix, k.ID) {
			t.Errorf("key id %q is not valid", k.ID)
		}
	}
	for _, s := range seed.Sessions {
		if k := sessionKind(s.ID); !id.Valid(string(k), s.ID) {
			t.Errorf("session id %q is not valid", s.ID)
		}
	}
}

// TestEvents runs every sample and checks that every sample has an
// expected outcome and every expected outcome has a sample.
func TestEvents(t *testing.T) {
	found := map[string]map[string]bool{"authorizer": {}, "issuekeys": {}, "certificates": {}, "token": {}, "sweeper": {}}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		dir, name := filepath.Split(filepath.ToSlash(path))
		dir = strings.TrimSuffix(dir, "/")
		if _, known := found[dir]; known {
			found[dir][name] = true
		}
		switch dir {
		case "authorizer":
			runSample(t, path, name, "authorizerWant", authorizerWant, runAuthorizer)
		case "issuekeys":
			runSample(t, path, name, "issuekeysWant", issuekeysWant, runProxy(access.FnIssueKeys))
		case "certificates":
			runSample(t, path, name, "certificatesWant", certificatesWant, runProxy(access.FnCertificates))
		case "token":
			runSample(t, path, name, "tokenWant", tokenWant, runToken)
		case "sweeper":
			runSample(t, path, name, "sweeperWant", sweeperWant, runSweeper)
		default:
			t.Errorf("%s: no handler is known for folder %q", path, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rowsHaveFiles(t, found, "authorizer", "authorizerWant", maps.Keys(authorizerWant))
	rowsHaveFiles(t, found, "issuekeys", "issuekeysWant", maps.Keys(issuekeysWant))
	rowsHaveFiles(t, found, "certificates", "certificatesWant", maps.Keys(certificatesWant))
	rowsHaveFiles(t, found, "token", "tokenWant", maps.Keys(tokenWant))
	rowsHaveFiles(t, found, "sweeper", "sweeperWant", maps.Keys(sweeperWant))
}

// rowsHaveFiles fails for every row of the expectations table (its names)
// that has no sample file in folder.
func rowsHaveFiles(t *testing.T, found map[string]map[string]bool, folder, table string, names iter.Seq[string]) {
	t.Helper()
	for _, name := range slices.Sorted(names) {
		if !found[folder][name] {
			t.Errorf("%s has a row for %s/%s, but there is no such file", table, folder, name)
		}
	}
}

// decodeStrict reads path into dst, refusing unknown fields and trailing data.
func decodeStrict(t *testing.T, path string, dst any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		t.Fatalf("decoding %s into %T: %v", path, dst, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: data after the event", path)
	}
}

// runSample runs the sample at path with its expected outcome, the row for
// name in wants (the table called table); a sample without a row fails.
func runSample[W any](t *testing.T, path, name, table string, wants map[string]W, run func(*testing.T, string, W)) {
	want, ok := wants[name]
	t.Run(path, func(t *testing.T) {
		if !ok {
			t.Fatalf("no expected outcome for %s: add a row to %s", path, table)
		}
		run(t, path, want)
	})
}

func runAuthorizer(t *testing.T, path, want string) {
	var req events.APIGatewayCustomAuthorizerRequestTypeRequest
	decodeStrict(t, path, &req)
	if req.Type != "REQUEST" {
		t.Errorf("type = %q, want REQUEST", req.Type)
	}
	checkShape(t, req.HTTPMethod, req.Resource, req.Path, req.PathParameters, req.Headers, req.MultiValueHeaders,
		req.RequestContext.HTTPMethod, req.RequestContext.ResourcePath, req.RequestContext.Stage, req.RequestContext.Path)
	if wantARN := methodARN(req.RequestContext.AccountID, req.RequestContext.APIID, req.RequestContext.Stage,
		req.HTTPMethod, req.Path); req.MethodArn != wantARN {
		t.Errorf("methodArn = %q, want %q", req.MethodArn, wantARN)
	}
	checkTokens(t, filepath.Base(path), req)

	f := newFixture(t)
	resp, err := f.auth.Handle(context.Background(), req)
	got := ""
	switch {
	case errors.Is(err, authorizer.ErrUnauthorized):
		if err.Error() != unauthorized {
			t.Errorf("error text = %q, API Gateway needs exactly %q", err.Error(), unauthorized)
		}
		got = unauthorized
	case err != nil:
		t.Fatalf("authorizer error: %v", err)
	default:
		got = effect(resp, req.MethodArn)
	}
	if got != want {
		t.Fatalf("outcome = %s, want %s (response %+v)", got, want, resp)
	}
	if got == deny {
		denied := false
		for _, st := range resp.PolicyDocument.Statement {
			denied = denied || st.Effect == authorizer.Deny && slices.Contains(st.Resource, req.MethodArn)
		}
		if !denied {
			t.Errorf("no explicit Deny statement on %s: %+v", req.MethodArn, resp.PolicyDocument)
		}
	}
	if got == allow || got == deny {
		checkContext(t, resp)
	}
}

// checkContext checks an answer's principal and context against the fixtures.
func checkContext(t *testing.T, resp events.APIGatewayCustomAuthorizerResponse) {
	t.Helper()
	owner, credType, ok := fixturePrincipal(resp.Context["credentialId"])
	if !ok {
		t.Fatalf("credentialId %v is not a fixture key or session", resp.Context["credentialId"])
	}
	if resp.PrincipalID != owner || resp.Context["principalId"] != owner ||
		resp.Context["credentialType"] != credType || resp.Context["projectId"] != project {
		t.Errorf("principal %q, context %v: want %s, a %s of %s", resp.PrincipalID, resp.Context, owner, credType,
			resp.Context["credentialId"])
	}
}

// fixturePrincipal is the principal and credential type the authorizer
// reports for a fixture credential: a key's owner, a personal JWT's owner,
// an access token's session owner (or the client, for a client's token).
func fixturePrincipal(credentialID any) (principal, credType string, ok bool) {
	switch credentialID {
	case sasIdentifier:
		return daveID, string(credential.TypeSAS), true
	case daveCertThumbprint:
		return daveID, string(credential.TypeCertificate), true
	case bobCertThumbprint: // once put-certificate.json bound it
		return bobID, string(credential.TypeCertificate), true
	}
	if i := slices.IndexFunc(fixtureKeys, func(k seed.Key) bool { return k.ID == credentialID }); i >= 0 {
		return fixtureKeys[i].Owner, string(credential.TypeAPIKey), true
	}
	i := slices.IndexFunc(seed.Sessions, func(s seed.Session) bool { return s.ID == credentialID })
	if i < 0 {
		return "", "", false
	}
	s := seed.Sessions[i]
	switch sessionKind(s.ID) {
	case credential.KindJWT:
		return s.Owner, string(credential.TypeJWT), true
	case credential.KindClient:
		return s.ID, string(credential.TypeAccessToken), true
	}
	return s.Owner, string(credential.TypeAccessToken), true
}

// checkTokens keeps the two bad-token samples what their names say.
func checkTokens(t *testing.T, name string, req events.APIGatewayCustomAuthorizerRequestTypeRequest) {
	t.Helper()
	_, tok, _ := strings.Cut(req.Headers["Authorization"], " ")
	switch name {
	case "malformed.json":
		if _, err := secret.Check(tok, secret.PrefixAPIKey); !errors.Is(err, secret.ErrChecksum) {
			t.Errorf("malformed.json should carry a token with a bad checksum only; Check says %v", err)
		}
	case "unknown-key.json":
		if _, err := secret.Check(tok, secret.PrefixAPIKey); err != nil {
			t.Errorf("unknown-key.json should carry a well-formed token; Check says %v", err)
		}
		for _, k := range fixtureKeys {
			if k.Token == tok {
				t.Errorf("unknown-key.json carries the token of fixture key %s", k.ID)
			}
		}
	case "query-token.json":
		if _, err := secret.Check(req.QueryStringParameters[authorizer.QueryParam], secret.PrefixAPIKey); err != nil {
			t.Errorf("query-token.json should carry a valid token in ?%s=; Check says %v", authorizer.QueryParam, err)
		}
	case "jwt-bearer.json", "jwt-revoked.json", "access-token.json":
		// Well signed and within their lifetime: only the session decides.
		want := map[string]string{"jwt-bearer.json": aliceJWTID, "jwt-revoked.json": aliceRevokedJWTID,
			"access-token.json": aliceFamilyID}[name]
		c, err := newVerifier().Verify(tok)
		if err != nil {
			t.Fatalf("%s should carry a token that verifies; Verify says %v", name, err)
		}
		i := slices.IndexFunc(seed.Sessions, func(s seed.Session) bool { return s.ID == want })
		fx := seed.Sessions[i]
		if c.SessionID != want || c.Subject != fx.Owner || c.ClientID != "" {
			t.Errorf("%s: sid %s, sub %s, client_id %q; want sid %s, sub %s", name, c.SessionID, c.Subject, c.ClientID, want, fx.Owner)
		}
		if fx.Revoked != (name == "jwt-revoked.json") {
			t.Errorf("%s: session %s revoked = %v", name, want, fx.Revoked)
		}
		if sessionKind(want) == credential.KindJWT && (c.ID != want || c.IssuedAt != now.Add(-time.Minute).Unix() || c.ExpiresAt != c.IssuedAt+int64(seed.JWTLifetime/time.Second)) {
			t.Errorf("%s: jti %s, iat %d, exp %d; a personal JWT's are its session's id, a minute before the samples' time and seed.JWTLifetime after", name, c.ID, c.IssuedAt, c.ExpiresAt)
		}
	case "dpop-as-bearer.json":
		checkDPoPAsBearer(t, req, tok)
	case "jwt-wrong-key.json":
		checkWrongKey(t, tok)
	case "sas.json":
		parsed, err := sas.Parse(req.Headers["Authorization"])
		if err != nil || req.Headers["Authorization"] != sasToken {
			t.Fatalf("sas.json should carry sasToken; Parse says %v", err)
		}
		if err := sas.Verify(parsed, now, sasPrimary); err != nil {
			t.Errorf("sas.json's token does not verify with the primary key at the fixed time: %v", err)
		}
	case "sas-malformed.json":
		h := req.Headers["Authorization"]
		if _, err := sas.Parse(h); !errors.Is(err, sas.ErrMalformed) {
			t.Errorf("sas-malformed.json should be malformed; Parse says %v", err)
		}
		// Only the order of its fields is wrong: put back, it is sasToken.
		fields := map[string]string{}
		for f := range strings.SplitSeq(strings.TrimPrefix(h, sas.Scheme+" "), "&") {
			name, value, _ := strings.Cut(f, "=")
			fields[name] = value
		}
		if len(fields) != 3 || sas.Scheme+" uid="+fields["uid"]+"&ex="+fields["ex"]+"&sn="+fields["sn"] != sasToken {
			t.Errorf("sas-malformed.json should be sasToken with its fields out of order: %q", h)
		}
	case "mtls.json", "mtls-unbound.json":
		want := map[string]string{"mtls.json": daveCertPEM, "mtls-unbound.json": bobCertPEM}[name]
		if _, ok := req.Headers["Authorization"]; ok {
			t.Errorf("%s should present the client certificate alone", name)
		}
		checkClientCert(t, name, req.RequestContext.Identity.ClientCert, want)
	}
}

// checkDPoPAsBearer keeps dpop-as-bearer.json what its name says: an
// access token of alice's refresh family that verifies, bound to
// seed.DPoPKey, presented as Bearer without a proof.
func checkDPoPAsBearer(t *testing.T, req events.APIGatewayCustomAuthorizerRequestTypeRequest, tok string) {
	t.Helper()
	p, err := dpop.NewProver(seed.DPoPKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newVerifier().Verify(tok)
	if err != nil || c.SessionID != aliceFamilyID || c.Confirmation == nil || c.Confirmation.JKT != p.JKT() {
		t.Fatalf("dpop-as-bearer.json should carry an access token of %s bound to seed.DPoPKey: %+v, %v", aliceFamilyID, c, err)
	}
	scheme, _, _ := strings.Cut(req.Headers["Authorization"], " ")
	if _, hasProof := req.Headers["DPoP"]; scheme != "Bearer" || hasProof {
		t.Errorf("dpop-as-bearer.json should present the token as Bearer, without a proof")
	}
}

// checkWrongKey keeps jwt-wrong-key.json a forgery and nothing else: it
// names our key, its claims are those of the active personal JWT, and its
// signature is otherKey's.
func checkWrongKey(t *testing.T, tok string) {
	t.Helper()
	if _, err := newVerifier().Verify(tok); !errors.Is(err, accesstoken.ErrSignature) {
		t.Errorf("jwt-wrong-key.json should fail on its signature only; Verify says %v", err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("jwt-wrong-key.json: %d segments", len(parts))
	}
	var hdr struct{ Kid string }
	var c accesstoken.Claims
	h, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	p, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3, json.Unmarshal(h, &hdr), json.Unmarshal(p, &c)); err != nil || len(sig) != 64 {
		t.Fatalf("jwt-wrong-key.json: cannot read the token: %v", err)
	}
	if hdr.Kid != signingKID || c.SessionID != aliceJWTID || c.Issuer != issuer || c.Audience != audience ||
		!now.Before(time.Unix(c.ExpiresAt, 0)) {
		t.Errorf("jwt-wrong-key.json: kid %s, claims %+v; want our kid and the active JWT's claims", hdr.Kid, c)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&otherKey.PublicKey, digest[:], r, s) {
		t.Error("jwt-wrong-key.json is not signed by otherKey")
	}
}

// effect is the policy's decision on methodARN: an explicit Deny wins over
// an Allow; no matching statement is an implicit deny ("none").
func effect(resp events.APIGatewayCustomAuthorizerResponse, methodARN string) string {
	out := "none"
	for _, st := range resp.PolicyDocument.Statement {
		if !slices.Contains(st.Action, "execute-api:Invoke") {
			continue
		}
		for _, r := range st.Resource {
			if !arnMatch(r, methodARN) {
				continue
			}
			if st.Effect == authorizer.Deny {
				return deny
			}
			if st.Effect == authorizer.Allow {
				out = allow
			}
		}
	}
	return out
}

// arnMatch matches an IAM resource pattern, where * matches any run of
// characters ("/" included) and ? any one character.
func arnMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if arnMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && arnMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && arnMatch(pattern[1:], s[1:])
}

func methodARN(account, api, stage, method, path string) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", region, account, api, stage, method, path)
}

// checkShape checks what API Gateway keeps consistent within one event.
func checkShape(t *testing.T, method, resource, path string, params, headers map[string]string,
	multi map[string][]string, ctxMethod, ctxResource, stage, ctxPath string) {
	t.Helper()
	if ctxMethod != method || ctxResource != resource {
		t.Errorf("requestContext says %s %s, the event %s %s", ctxMethod, ctxResource, method, resource)
	}
	if ctxPath != "/"+stage+path {
		t.Errorf("requestContext.path = %q, want %q", ctxPath, "/"+stage+path)
	}
	filled := resource
	for k, v := range params {
		filled = strings.ReplaceAll(filled, "{"+k+"}", v)
	}
	if filled != path {
		t.Errorf("resource %s with pathParameters %v is %s, not path %s", resource, params, filled, path)
	}
	for k, v := range headers {
		if vs := multi[k]; len(vs) == 0 || vs[len(vs)-1] != v {
			t.Errorf("header %s: headers has %q, multiValueHeaders %q", k, v, vs)
		}
	}
	if len(multi) != len(headers) {
		t.Errorf("headers and multiValueHeaders name different headers")
	}
}

// proxyRequest decodes a proxy sample and checks its shape.
func proxyRequest(t *testing.T, path string) events.APIGatewayProxyRequest {
	t.Helper()
	var req events.APIGatewayProxyRequest
	decodeStrict(t, path, &req)
	rc := req.RequestContext
	checkShape(t, req.HTTPMethod, req.Resource, req.Path, req.PathParameters, req.Headers, req.MultiValueHeaders,
		rc.HTTPMethod, rc.ResourcePath, rc.Stage, rc.Path)
	return req
}

// runProxy returns the runner of the samples of fn, the function
// access.Routes names for each sample's route.
func runProxy(fn string) func(t *testing.T, path string, want proxyWant) {
	return func(t *testing.T, path string, want proxyWant) {
		req := proxyRequest(t, path)
		r, ok := access.NewTable(slices.Concat(access.Routes, access.PublicRoutes)).Lookup(req.HTTPMethod, req.Resource)
		if !ok {
			t.Errorf("%s %s is not in access.Routes or PublicRoutes", req.HTTPMethod, req.Resource)
		} else if r.Function != fn {
			t.Errorf("%s %s is served by %s, not %s: move the sample to events/%s/", req.HTTPMethod, req.Resource,
				r.Function, fn, r.Function)
		}
		f := newFixture(t)
		h := map[string]*management.Handler{access.FnIssueKeys: f.mgmt, access.FnCertificates: f.certs}[fn]
		runProxyWith(t, f, h, req, want)
	}
}

// runProxyWith runs req, a proxy sample, through h over f.
func runProxyWith(t *testing.T, f *fixture, h *management.Handler, req events.APIGatewayProxyRequest, want proxyWant) {
	if _, public := access.NewTable(access.PublicRoutes).Lookup(req.HTTPMethod, req.Resource); !public {
		checkAuthorized(t, f, req)
	}
	resp, err := h.Handle(context.Background(), req)
	checkAnswer(t, resp, err, want.status, want.body, want.headers)
	if resp.StatusCode >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("error Content-Type = %q, want application/problem+json", resp.Headers["Content-Type"])
	}
	checkRevoked(t, f, want.revokes)
	if want.after != nil {
		want.after(t, f, resp)
	}
	if want.bearer != "" {
		tok, _ := jsonObject(t, resp)[want.bearer].(string)
		aresp := allowWhoami(t, f, tok)
		if caller := req.RequestContext.Authorizer["principalId"]; aresp.Context["principalId"] != caller {
			t.Errorf("the new token's principal is %v, the caller's %v", aresp.Context["principalId"], caller)
		}
	}
}

// checkAuthorized checks that the authorizer allows req, a proxy sample of
// a route behind it, and that the sample's authorizer context is what the
// authorizer answers for the request's own credential.
func checkAuthorized(t *testing.T, f *fixture, req events.APIGatewayProxyRequest) {
	t.Helper()
	rc := req.RequestContext
	areq := events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: methodARN(rc.AccountID, rc.APIID, rc.Stage, req.HTTPMethod, req.Path),
		Resource: req.Resource, Path: req.Path, HTTPMethod: req.HTTPMethod, Headers: req.Headers,
		MultiValueHeaders: req.MultiValueHeaders, QueryStringParameters: req.QueryStringParameters,
		MultiValueQueryStringParameters: req.MultiValueQueryStringParameters, PathParameters: req.PathParameters,
	}
	aresp, err := f.auth.Handle(context.Background(), areq)
	if err != nil {
		t.Fatalf("the authorizer refuses this request: %v", err)
	}
	if e := effect(aresp, areq.MethodArn); e != allow {
		t.Fatalf("the authorizer answers %s for this request, not Allow", e)
	}
	for _, k := range []string{"principalId", "credentialType", "credentialId", "scopes", "projectId"} {
		if got, want := rc.Authorizer[k], aresp.Context[k]; got != want {
			t.Errorf("requestContext.authorizer[%q] = %#v; the authorizer passes %#v", k, got, want)
		}
	}
}

// runToken runs a token-function sample: a public route, called without
// the authorizer, so its event carries no authorizer context.
func runToken(t *testing.T, path string, want oauthWant) {
	req := proxyRequest(t, path)
	rc := req.RequestContext
	if _, ok := access.NewTable(access.PublicRoutes).Lookup(req.HTTPMethod, req.Resource); !ok {
		t.Errorf("%s %s is not in access.PublicRoutes", req.HTTPMethod, req.Resource)
	}
	if _, ok := access.NewTable(access.Routes).Lookup(req.HTTPMethod, req.Resource); ok {
		t.Errorf("%s %s is in access.Routes, behind the authorizer", req.HTTPMethod, req.Resource)
	}
	if rc.Authorizer != nil {
		t.Errorf("requestContext.authorizer is set; API Gateway sends none on a public route")
	}
	switch {
	case req.HTTPMethod == "GET" && req.Body != "":
		t.Errorf("a GET with a body")
	case req.HTTPMethod == "POST" && filepath.Base(path) != "json-body.json":
		// Every POST but the one about the wrong encoding is a valid form.
		form, err := oauth.Parse(req.Headers["Content-Type"], []byte(req.Body))
		if err != nil {
			t.Fatalf("the body is not a valid form: %v", err)
		}
		checkFormSecrets(t, filepath.Base(path), req, form)
	}

	f := newFixture(t)
	checkActive(t, f, want.revokes)
	resp, err := f.token.Handle(context.Background(), req)
	checkAnswer(t, resp, err, want.status, want.body, want.headers)
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	body := jsonObject(t, resp)
	if code, _ := body["error"].(string); code != want.err {
		t.Errorf("error = %q, want %q; body %s", code, want.err, resp.Body)
	}
	if req.Resource == "/oauth/token" || req.Resource == "/oauth/revoke" {
		if resp.Headers["Cache-Control"] != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", resp.Headers["Cache-Control"])
		}
	}
	checkRevoked(t, f, want.revokes)
	if want.sid != "" {
		tok, _ := body["access_token"].(string)
		c, err := f.verifier.Verify(tok)
		if err != nil {
			t.Fatalf("the access token does not verify: %v", err)
		}
		if c.SessionID != want.sid {
			t.Errorf("access token sid = %s, want %s", c.SessionID, want.sid)
		}
		aresp := allowWhoami(t, f, tok)
		checkContext(t, aresp)
		if aresp.Context["credentialId"] != want.sid {
			t.Errorf("the authorizer names credential %v, want %s", aresp.Context["credentialId"], want.sid)
		}
	}
}

// checkFormSecrets keeps the samples with a wrong or unknown secret what
// their names say: well-formed, and not the fixture's.
func checkFormSecrets(t *testing.T, name string, req events.APIGatewayProxyRequest, form map[string]string) {
	t.Helper()
	var tok, prefix, fixture string
	switch name {
	case "refresh-token-unknown.json":
		tok, prefix, fixture = form["refresh_token"], secret.PrefixRefreshToken, aliceRefreshToken
	case "revoke-unknown.json":
		tok, prefix, fixture = form["token"], secret.PrefixRefreshToken, aliceRefreshToken
	case "client-credentials-bad-secret.json":
		id, sec, ok, err := oauth.BasicAuth(req.Headers["Authorization"])
		if !ok || err != nil || id != aliceClientID {
			t.Fatalf("%s should authenticate as %s over Basic: %q, %v, %v", name, aliceClientID, id, ok, err)
		}
		tok, prefix, fixture = sec, secret.PrefixClientSecret, aliceClientSecret
	default:
		return
	}
	if _, err := secret.Check(tok, prefix); err != nil || tok == fixture {
		t.Errorf("%s should carry a well-formed %s_ secret other than the fixture's; Check says %v", name, prefix, err)
	}
}

// sasJSON is a SAS answer of the management API.
type sasJSON struct {
	Identifier   string `json:"identifier"`
	Enabled      bool   `json:"enabled"`
	PrimaryKey   string `json:"primaryKey"`
	SecondaryKey string `json:"secondaryKey"`
}

func sasAnswer(t *testing.T, resp events.APIGatewayProxyResponse) sasJSON {
	t.Helper()
	var got sasJSON
	dec := json.NewDecoder(strings.NewReader(resp.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("SAS answer %s: %v", resp.Body, err)
	}
	return got
}

// storedSAS opens dave's stored SAS credential with the fixture's sealer.
func storedSAS(t *testing.T, f *fixture) sas.Credential {
	t.Helper()
	sealed, err := f.store.GetSAS(context.Background(), project, sasIdentifier)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{sasPrimary, sasSecondary} {
		if bytes.Contains(sealed.Keys, []byte(k)) {
			t.Error("the stored SAS record holds a key in the clear")
		}
	}
	c, err := sas.Open(context.Background(), f.sealer, sealed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantWhoami runs the authorizer on GET /v1/whoami with authorization as
// the Authorization header and clientCert as the mutual TLS certificate
// (each when not empty) and checks the outcome; it returns the context.
func wantWhoami(t *testing.T, f *fixture, authorization, clientCert, want string) map[string]any {
	t.Helper()
	arn := methodARN("123456789012", "abcdef1234", "prod", "GET", "/v1/whoami")
	req := events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: arn, Resource: "/v1/whoami", Path: "/v1/whoami", HTTPMethod: "GET",
		Headers: map[string]string{},
	}
	if authorization != "" {
		req.Headers["Authorization"] = authorization
	}
	req.RequestContext.Identity.ClientCert.ClientCertPem = clientCert
	resp, err := f.auth.Handle(context.Background(), req)
	got := ""
	switch {
	case errors.Is(err, authorizer.ErrUnauthorized):
		got = unauthorized
	case err != nil:
		t.Fatalf("authorizer error: %v", err)
	default:
		got = effect(resp, arn)
	}
	if got != want {
		t.Fatalf("the authorizer answers %s on GET /v1/whoami, want %s", got, want)
	}
	if got == allow {
		checkContext(t, resp)
	}
	return resp.Context
}

// checkClientCert keeps an mTLS sample's clientCert what API Gateway would
// send for the fixture certificate.
func checkClientCert(t *testing.T, name string, cc events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert, wantPEM string) {
	t.Helper()
	if cc.ClientCertPem != wantPEM {
		t.Fatalf("%s: clientCertPem is not the fixture certificate", name)
	}
	block, _ := pem.Decode([]byte(cc.ClientCertPem))
	x, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	const layout = "Jan _2 15:04:05 2006 GMT" // as API Gateway (OpenSSL) writes validity, in UTC
	if cc.SubjectDN != x.Subject.String() || cc.IssuerDN != x.Issuer.String() || cc.SerialNumber != x.SerialNumber.String() ||
		cc.Validity.NotBefore != x.NotBefore.UTC().Format(layout) || cc.Validity.NotAfter != x.NotAfter.UTC().Format(layout) {
		t.Errorf("%s: clientCert %+v does not describe its certificate (%s, serial %s, %s to %s)", name,
			cc, x.Subject, x.SerialNumber, x.NotBefore.UTC().Format(layout), x.NotAfter.UTC().Format(layout))
	}
}

// TestFixtureSASAndCertificates keeps the pasted SAS values and
// certificates what the comments above say.
func TestFixtureSASAndCertificates(t *testing.T) {
	for _, k := range []string{sasPrimary, sasSecondary} {
		raw, err := base64.StdEncoding.Strict().DecodeString(k)
		if err != nil || len(raw) != sas.KeyLen {
			t.Errorf("SAS key %q is not base64 of %d bytes: %d, %v", k, sas.KeyLen, len(raw), err)
		}
	}
	if len(sasIdentifier) != 24 || strings.Trim(sasIdentifier, "0123456789abcdef") != "" {
		t.Errorf("sasIdentifier %q is not 24 lowercase hex characters", sasIdentifier)
	}
	if got := sas.Sign(sasIdentifier, sasPrimary, sasExpiry); got != sasToken {
		t.Errorf("sasToken is not sas.Sign(sasIdentifier, sasPrimary, sasExpiry) = %q", got)
	}
	for _, c := range []struct{ pem, seed, thumbprint, cn string }{
		{daveCertPEM, daveCertSeed, daveCertThumbprint, "dave laptop"},
		{bobCertPEM, bobCertSeed, bobCertThumbprint, "bob workstation"},
	} {
		cert, err := certbind.Parse(c.pem, now)
		if err != nil {
			t.Errorf("%s: not acceptable for binding at the fixed time: %v", c.cn, err)
			continue
		}
		block, _ := pem.Decode([]byte(c.pem))
		x, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		pub, ok := x.PublicKey.(*ecdsa.PublicKey)
		if !ok || !pub.Equal(&fixedKey(c.seed).PublicKey) {
			t.Errorf("%s: the public key is not fixedKey(%q)'s", c.cn, c.seed)
		}
		if err := x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature); err != nil || !bytes.Equal(x.RawIssuer, x.RawSubject) {
			t.Errorf("%s: not self-signed: %v (issuer %s)", c.cn, err, x.Issuer)
		}
		if cert.Thumbprint != c.thumbprint || x.Subject.CommonName != c.cn || x.IsCA ||
			!x.NotBefore.Equal(certNotBefore) || !x.NotAfter.Equal(certNotAfter) {
			t.Errorf("%s: thumbprint %s, subject %s, CA %v, valid %v to %v", c.cn, cert.Thumbprint, x.Subject, x.IsCA, x.NotBefore, x.NotAfter)
		}
	}
}

// checkAnswer checks a proxy handler's answer: no error, the wanted status,
// body (when set) in the body and headers among its headers.
func checkAnswer(t *testing.T, resp events.APIGatewayProxyResponse, err error, status int, body string, headers map[string]string) {
	t.Helper()
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, resp.Body)
	}
	if body != "" && !strings.Contains(resp.Body, body) {
		t.Errorf("body does not contain %s: %s", body, resp.Body)
	}
	for k, v := range headers {
		if resp.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, resp.Headers[k], v)
		}
	}
}

// jsonObject is the answer's body, which must be a JSON object.
func jsonObject(t *testing.T, resp events.APIGatewayProxyResponse) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("answer is not a JSON object: %v", err)
	}
	return body
}

// allowWhoami runs the authorizer on GET /v1/whoami with tok as a Bearer
// token; it must Allow.
func allowWhoami(t *testing.T, f *fixture, tok string) events.APIGatewayCustomAuthorizerResponse {
	t.Helper()
	arn := methodARN("123456789012", "abcdef1234", "prod", "GET", "/v1/whoami")
	resp, err := f.auth.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: arn, Resource: "/v1/whoami", Path: "/v1/whoami", HTTPMethod: "GET",
		Headers: map[string]string{"Authorization": "Bearer " + tok},
	})
	if err != nil {
		t.Fatalf("the authorizer refuses the new token: %v", err)
	}
	if e := effect(resp, arn); e != allow {
		t.Fatalf("the authorizer answers %s for the new token, not Allow", e)
	}
	return resp
}

// checkActive checks that sid, when set, is an active fixture session.
func checkActive(t *testing.T, f *fixture, sid string) {
	t.Helper()
	if sid == "" {
		return
	}
	if s, err := f.store.GetSession(context.Background(), project, sid); err != nil || s.Status != credential.Active {
		t.Fatalf("session %s before the request: %+v, %v; want it active", sid, s, err)
	}
}

// checkRevoked checks that sid, when set, is revoked.
func checkRevoked(t *testing.T, f *fixture, sid string) {
	t.Helper()
	if sid == "" {
		return
	}
	if s, err := f.store.GetSession(context.Background(), project, sid); err != nil || s.Status != credential.Revoked {
		t.Errorf("session %s after the request: %+v, %v; want it revoked", sid, s, err)
	}
}

// eventOutbox keeps the sweep's events.
type eventOutbox struct{ events []sweep.Event }

func (o *eventOutbox) Publish(_ context.Context, events []sweep.Event) error {
	o.events = append(o.events, events...)
	return nil
}

// sweeperWant is the one event each file in sweeper/ has the sweeper
// publish: the scheduled event sweeps (and forwards nothing), the forward
// schedule's input forwards (and sweeps nothing).
var sweeperWant = map[string]sweep.Event{
	"scheduled.json": {Type: sweep.EventExpired, CredentialID: expiredKeyID},
	"forward.json":   {Type: meter.EventRateLimited, CredentialID: aliceReadKeyID, ID: rateLimited.ID()},
}

// runSweeper runs the sweeper on the sample, at the fixtures' now (a
// scheduled event's own time), over the fixtures plus the sweeper's.
func runSweeper(t *testing.T, path string, want sweep.Event) {
	var in sweep.Trigger
	decodeStrict(t, path, &in)
	if in.Action == "" && (in.DetailType != "Scheduled Event" || in.Source != "aws.events" || !in.Time.Equal(now)) {
		t.Fatalf("not a scheduled event at the fixtures' now: %+v", in)
	}
	// The seed holds a key that expired an hour before now and a
	// rate-limited event of alice's read key recorded a minute before.
	f := newFixture(t)
	ctx := context.Background()
	out := &eventOutbox{}
	s := &sweep.Sweeper{Store: f.store, Publisher: out, Clock: clock.NewFake(now), Options: sweep.Options{ProjectID: project,
		Notice: config.DefaultSweepNotice, Retention: config.DefaultSweepRetention, MaxItems: config.DefaultSweepMaxItems, Lookback: sweep.DefaultLookback}}
	res, err := s.Handle(ctx, in)
	if err != nil || !res.Complete || res.Expired+res.Expiring+res.Forwarded != 1 {
		t.Fatalf("run = %+v, %v; want exactly one credential handled", res, err)
	}
	if len(out.events) != 1 || out.events[0].Type != want.Type || out.events[0].CredentialID != want.CredentialID || out.events[0].ID != want.ID {
		t.Fatalf("events = %+v, want one like %+v", out.events, want)
	}
}
