package seed

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/sweep"
)

// The API the samples are addressed to: the execute-api URL of Issuer.
const (
	APIID     = "abcdef1234"
	AccountID = "123456789012"
	Stage     = "prod"
	Region    = "us-east-1"
	host      = APIID + ".execute-api." + Region + ".amazonaws.com"
)

// Outcomes of an authorizer sample.
const (
	Allow        = "Allow"
	Deny         = "Deny"
	Unauthorized = "Unauthorized"
)

// Want is what the function answers a sample, against the seed applied at
// the samples' time: an authorizer's Decision, or a proxy answer's Status
// and a Body fragment; for the sweeper, the Published event.
type Want struct {
	Decision string
	Status   int
	Body     string
	// Published is the type and credential of the one event the sweeper
	// publishes.
	Published [2]string
}

// Sample is one sample event: its file under events/, the event and what
// it is answered.
type Sample struct {
	Path  string
	Event any
	Want  Want
}

// JSON is the sample's file content.
func (s Sample) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(s.Event, "", "  ")
	return append(b, '\n'), err
}

// Times of the samples, from the time they are made (now).
const (
	JWTLifetime         = 30 * 24 * time.Hour // a personal JWT's exp after its iat
	AccessTokenLifetime = 24 * time.Hour      // an access token's
	SASLifetime         = 30 * 24 * time.Hour // the SAS token's ex
	requestedLifetime   = 60 * 24 * time.Hour // the expiresAt the create samples ask for
)

// Fixed values of the refusal samples: well-formed secrets that are not
// the seed's, and a key whose checksum is wrong.
const (
	unknownKeyToken     = "tgk_fTogbdF0LmCb7LvWfacn6oESyE5ukUl4B5VXrOqB5cc2o9Sr1"
	malformedKeyToken   = "tgk_ZpzzuOjqLQENOD7KP6ya2L4JGxqjP5dln6g4NuZ8PpR0lgYfp" // AliceToken, last character changed
	unknownRefreshToken = "tgr_Ym3ig3sKAXGcCWwwbxOUiazAQtXGV738WtKW39i2wG6371qo1"
	wrongClientSecret   = "tgc_kzG0OChlVo4fRWlQmb2PjMSvgfw7A4Uvw1sENHalzPr0DoanD"
	accessTokenID       = "at_0meZCiBW72lgihTX5"
	dpopAccessTokenID   = "at_1DPoPb0undT0kenX5"
	// staleETag is an If-Match no representation has.
	staleETag = `"AAAAAAAAAAAAAAAAAAAAAA"`
)

// SASExpiry is the expiry of the samples' SAS token made at now.
func SASExpiry(now time.Time) time.Time { return now.UTC().Add(SASLifetime).Truncate(time.Minute) }

// SASToken is the shared access signature of the samples made at now.
func SASToken(now time.Time) string { return sas.Sign(SASIdentifier, SASPrimary, SASExpiry(now)) }

// tokens are the JWTs of the samples made at now, signed with SigningKey
// (WrongKey: with OtherKey under SigningKey's kid; DPoPBound: AccessToken
// bound to DPoPKey). Signatures are deterministic (RFC 6979), so the same
// now gives the same samples.
type tokens struct{ JWT, RevokedJWT, WrongKey, AccessToken, DPoPBound string }

// makeTokens signs the samples' JWTs at now.
func makeTokens(now time.Time) (tokens, error) {
	now = now.UTC().Truncate(time.Second)
	iat := now.Add(-time.Minute)
	personal := func(id, scope string) accesstoken.Claims {
		return accesstoken.Claims{Issuer: Issuer, Subject: AliceID, Audience: Issuer, IssuedAt: iat.Unix(),
			ExpiresAt: iat.Add(JWTLifetime).Unix(), ID: id, Scope: scope, SessionID: id}
	}
	ctx := context.Background()
	kid := accesstoken.NewLocalSigner(SigningKey).KeyID()
	var t tokens
	var err [6]error
	t.JWT, err[0] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, personal(AliceJWTID, "credentials:read credentials:write echo:read"))
	t.RevokedJWT, err[1] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, personal(AliceRevokedJWTID, "echo:read"))
	t.WrongKey, err[2] = accesstoken.Issue(ctx, deterministic{OtherKey, kid}, personal(AliceJWTID, "credentials:read credentials:write echo:read"))
	access := accesstoken.Claims{Issuer: Issuer, Subject: AliceID,
		Audience: Issuer, IssuedAt: iat.Unix(), ExpiresAt: iat.Add(AccessTokenLifetime).Unix(), ID: accessTokenID,
		Scope: "credentials:read echo:read", SessionID: AliceFamilyID}
	t.AccessToken, err[3] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, access)
	var prover *dpop.Prover
	if prover, err[4] = dpop.NewProver(DPoPKey); err[4] == nil {
		access.ID, access.Confirmation = dpopAccessTokenID, &accesstoken.Confirmation{JKT: prover.JKT()}
		t.DPoPBound, err[5] = accesstoken.Issue(ctx, deterministic{SigningKey, kid}, access)
	}
	for _, e := range err {
		if e != nil {
			return tokens{}, e
		}
	}
	return t, nil
}

// deterministic is an accesstoken.Signer over a local key with RFC 6979
// signatures, naming kid.
type deterministic struct {
	key *ecdsa.PrivateKey
	kid string
}

func (d deterministic) KeyID() string               { return d.kid }
func (d deterministic) PublicKey() *ecdsa.PublicKey { return &d.key.PublicKey }

func (d deterministic) Sign(_ context.Context, input []byte) ([]byte, error) {
	digest := sha256.Sum256(input)
	der, err := d.key.Sign(nil, digest[:], crypto.SHA256) // nil: deterministic
	if err != nil {
		return nil, err
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}

// caller is who a proxy sample's request was authorized for: the context
// the authorizer passes on.
type caller struct {
	token   string // the Authorization header
	context map[string]any
}

func apiKeyCaller(token, principal, keyID, scopes string) caller {
	return caller{"Bearer " + token, map[string]any{"principalId": principal, "credentialType": "api_key",
		"credentialId": keyID, "scopes": scopes, "projectId": ProjectID, "integrationLatency": 14}}
}

var (
	admin = apiKeyCaller(AdminToken, AdminID, AdminKeyID, "*")
	alice = apiKeyCaller(AliceToken, AliceID, AliceKeyID, "credentials:read credentials:write echo:read")
	dave  = apiKeyCaller(DaveToken, DaveID, DaveKeyID, "certificates:read certificates:write echo:read sas:read sas:write")
)

// Samples are the sample events made at now, in file order within each
// folder.
func Samples(now time.Time) ([]Sample, error) {
	now = now.UTC().Truncate(time.Second)
	tok, err := makeTokens(now)
	if err != nil {
		return nil, err
	}
	sasToken := SASToken(now)
	sasFields := strings.Split(strings.TrimPrefix(sasToken, sas.Scheme+" "), "&") // uid, ex, sn
	day := func(d time.Duration) string { return now.Add(d).Truncate(24 * time.Hour).Format(time.RFC3339) }
	aliceJWT := caller{"Bearer " + tok.JWT, map[string]any{"principalId": AliceID, "credentialType": "jwt",
		"credentialId": AliceJWTID, "scopes": "credentials:read credentials:write echo:read", "projectId": ProjectID, "integrationLatency": 14}}
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	daveCert, bobCert := clientCert(DaveCertPEM), clientCert(BobCertPEM)
	var none events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert
	jsonBody := map[string]string{"Content-Type": "application/json"}
	formBody := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

	var out []Sample
	authz := func(file, method, resource string, params, query map[string]string, authorization string,
		cert events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert, extra map[string]string, want string) {
		h := map[string]string{}
		for k, v := range extra {
			h[k] = v
		}
		if authorization != "" {
			h["Authorization"] = authorization
		}
		out = append(out, Sample{"authorizer/" + file, authorizerEvent(file, method, resource, params, query, h, cert),
			Want{Decision: want}})
	}
	authz("access-token.json", "GET", "/v1/keys", nil, nil, "Bearer "+tok.AccessToken, none, nil, Allow)
	authz("apitoken.json", "GET", "/v1/keys", nil, nil, "apiToken "+AliceToken, none, nil, Allow)
	authz("bearer.json", "GET", "/v1/whoami", nil, nil, "Bearer "+AliceToken, none, nil, Allow)
	// A DPoP-bound token as Bearer. No sample carries a DPoP proof: one is
	// accepted for 60 s after its iat, so a committed sample would be stale
	// within a minute of being made.
	authz("dpop-as-bearer.json", "GET", "/v1/keys", nil, nil, "Bearer "+tok.DPoPBound, none, nil, Unauthorized)
	authz("jwt-bearer.json", "GET", "/v1/whoami", nil, nil, "Bearer "+tok.JWT, none, nil, Allow)
	authz("jwt-revoked.json", "GET", "/v1/whoami", nil, nil, "Bearer "+tok.RevokedJWT, none, nil, Unauthorized)
	authz("jwt-wrong-key.json", "GET", "/v1/whoami", nil, nil, "Bearer "+tok.WrongKey, none, nil, Unauthorized)
	authz("malformed.json", "GET", "/v1/whoami", nil, nil, "Bearer "+malformedKeyToken, none, nil, Unauthorized)
	authz("missing-scope.json", "POST", "/v1/keys", nil, nil, "Bearer "+AliceReadToken, none, jsonBody, Deny)
	authz("missing.json", "GET", "/v1/whoami", nil, nil, "", none, nil, Unauthorized)
	authz("mtls-unbound.json", "GET", "/v1/whoami", nil, nil, "", bobCert, nil, Unauthorized)
	authz("mtls.json", "GET", "/v1/users/{userId}/certificate", map[string]string{"userId": DaveID}, nil, "", daveCert, nil, Allow)
	authz("query-token.json", "GET", "/v1/whoami", nil, map[string]string{"api_token": AliceToken}, "", none, nil, Unauthorized)
	authz("sas-malformed.json", "GET", "/v1/whoami", nil, nil,
		sas.Scheme+" "+sasFields[0]+"&"+sasFields[2]+"&"+sasFields[1], none, nil, Unauthorized)
	authz("sas.json", "GET", "/v1/whoami", nil, nil, sasToken, none, nil, Allow)
	authz("unknown-key.json", "GET", "/v1/whoami", nil, nil, "Bearer "+unknownKeyToken, none, nil, Unauthorized)
	authz("x-api-key.json", "GET", "/v1/users", nil, nil, "", none, map[string]string{"x-api-key": AdminToken}, Allow)

	proxy := func(folder, file, method, resource string, params, query map[string]string, who *caller,
		extra map[string]string, body string, status int, fragment string) {
		h := map[string]string{}
		for k, v := range extra {
			h[k] = v
		}
		var ctx map[string]any
		if who != nil {
			h["Authorization"], ctx = who.token, who.context
		}
		out = append(out, Sample{folder + "/" + file, proxyEvent(file, method, resource, params, query, h, ctx, body, now),
			Want{Status: status, Body: fragment}})
	}
	user, client := map[string]string{"userId": BobID}, map[string]string{"clientId": AliceClientID}
	cert := func(file, method, userID string, who caller, extra map[string]string, body string, status int, fragment string) {
		proxy("certificates", file, method, "/v1/users/{userId}/certificate", map[string]string{"userId": userID}, nil, &who,
			extra, body, status, fragment)
	}
	cert("delete-certificate.json", "DELETE", DaveID, dave, nil, "", http.StatusNoContent, "")
	cert("get-certificate.json", "GET", DaveID, dave, nil, "", http.StatusOK, `"thumbprint":"`+DaveCertThumbprint+`"`)
	certBody, _ := jsonString(map[string]string{"certificate": BobCertPEM})
	cert("put-certificate.json", "PUT", BobID, admin, jsonBody, certBody, http.StatusCreated, `"thumbprint":"`+BobCertThumbprint+`"`)

	mgmt := func(file, method, resource string, params, query map[string]string, who caller, extra map[string]string,
		body string, status int, fragment string) {
		proxy("issuekeys", file, method, resource, params, query, &who, extra, body, status, fragment)
	}
	mgmt("create-client.json", "POST", "/v1/clients", nil, nil, alice, jsonBody, `{"name":"reporting service","scopes":["echo:read"]}`,
		http.StatusCreated, `"clientSecret":"tgc_`)
	mgmt("create-jwt.json", "POST", "/v1/tokens/jwt", nil, nil, alice, jsonBody,
		`{"name":"laptop cli","scopes":["echo:read"],"expiresAt":"`+day(requestedLifetime)+`"}`, http.StatusCreated, `"token":"eyJ`)
	mgmt("create-key-bad-scope.json", "POST", "/v1/keys", nil, nil, alice, jsonBody, `{"name":"ci deploy","scopes":["users:admin"]}`,
		http.StatusBadRequest, `scopes: must be a subset of the owner's scopes`)
	mgmt("create-key-limits.json", "POST", "/v1/keys", nil, nil, alice, jsonBody,
		`{"name":"partner sandbox","scopes":["echo:read"],"expiresAt":"`+day(requestedLifetime)+
			`","rateLimit":{"limit":100,"windowSeconds":60},"quota":{"limit":10000,"refill":{"amount":10000,"interval":"day"}}}`,
		http.StatusCreated, `"rateLimit":{"limit":100,"windowSeconds":60}`)
	mgmt("create-key-unknown-field.json", "POST", "/v1/keys", nil, nil, alice, jsonBody, `{"name":"ci deploy","scope":["credentials:read"]}`,
		http.StatusBadRequest, `scope: unknown field`)
	mgmt("create-key.json", "POST", "/v1/keys", nil, nil, alice, jsonBody,
		`{"name":"ci deploy","scopes":["credentials:read"],"expiresAt":"`+day(requestedLifetime)+`"}`, http.StatusCreated, `"key":"tgk_`)
	mgmt("create-refresh.json", "POST", "/v1/tokens/refresh", nil, nil, alice, jsonBody,
		`{"name":"deploy pipeline","scopes":["echo:read"],"expiresAt":"`+day(requestedLifetime)+`","accessTokenTTL":900}`,
		http.StatusCreated, `"refreshToken":"tgr_`)
	mgmt("create-user.json", "POST", "/v1/users", nil, nil, admin, jsonBody,
		`{"username":"carol","roles":["credential-issuer"],"scopes":["credentials:read","credentials:write"]}`,
		http.StatusCreated, `"username":"carol"`)
	mgmt("delete-client.json", "DELETE", "/v1/clients/{clientId}", client, nil, alice, nil, "", http.StatusNoContent, "")
	mgmt("delete-jwt.json", "DELETE", "/v1/tokens/jwt/{tokenId}", map[string]string{"tokenId": AliceJWTID}, nil, alice, nil, "",
		http.StatusNoContent, "")
	mgmt("delete-key.json", "DELETE", "/v1/keys/{keyId}", map[string]string{"keyId": AliceReadKeyID}, nil, alice, nil, "",
		http.StatusNoContent, "")
	mgmt("delete-refresh.json", "DELETE", "/v1/tokens/refresh/{tokenId}", map[string]string{"tokenId": AliceFamilyID}, nil, alice,
		nil, "", http.StatusNoContent, "")
	mgmt("delete-user.json", "DELETE", "/v1/users/{userId}", user, nil, admin, nil, "", http.StatusNoContent, "")
	mgmt("get-client.json", "GET", "/v1/clients/{clientId}", client, nil, alice, nil, "", http.StatusOK, `"clientId":"`+AliceClientID+`"`)
	mgmt("get-jwt.json", "GET", "/v1/tokens/jwt/{tokenId}", map[string]string{"tokenId": AliceJWTID}, nil, alice, nil, "",
		http.StatusOK, `"tokenId":"`+AliceJWTID+`"`)
	mgmt("get-key-of-someone-else.json", "GET", "/v1/keys/{keyId}", map[string]string{"keyId": BobKeyID}, nil, alice, nil, "",
		http.StatusNotFound, `no such key`)
	mgmt("get-key.json", "GET", "/v1/keys/{keyId}", map[string]string{"keyId": AliceReadKeyID}, nil, alice, nil, "",
		http.StatusOK, `"keyId":"`+AliceReadKeyID+`"`)
	mgmt("get-refresh.json", "GET", "/v1/tokens/refresh/{tokenId}", map[string]string{"tokenId": AliceFamilyID}, nil, alice, nil, "",
		http.StatusOK, `"tokenId":"`+AliceFamilyID+`"`)
	mgmt("get-sas.json", "GET", "/v1/sas", nil, nil, dave, nil, "", http.StatusOK, `"identifier":"`+SASIdentifier+`"`)
	mgmt("get-user.json", "GET", "/v1/users/{userId}", user, nil, admin, nil, "", http.StatusOK, `"userId":"`+BobID+`"`)
	mgmt("list-jwts.json", "GET", "/v1/tokens/jwt", nil, nil, aliceJWT, nil, "", http.StatusOK, `"tokenId":"`+AliceJWTID+`"`)
	mgmt("list-keys.json", "GET", "/v1/keys", nil, map[string]string{"limit": "20"}, alice, nil, "", http.StatusOK,
		`"keyId":"`+AliceReadKeyID+`"`)
	mgmt("list-refresh.json", "GET", "/v1/tokens/refresh", nil, map[string]string{"limit": "20"}, alice, nil, "", http.StatusOK,
		`"tokenId":"`+AliceFamilyID+`"`)
	mgmt("list-users.json", "GET", "/v1/users", nil, map[string]string{"limit": "10"}, admin, nil, "", http.StatusOK,
		`"userId":"`+BobID+`"`)
	mgmt("patch-client.json", "PATCH", "/v1/clients/{clientId}", client, nil, alice, jsonBody,
		`{"rateLimit":{"limit":50,"windowSeconds":1},"quota":{"limit":100000,"remaining":100000,"refill":{"amount":100000,"interval":"month"}}}`,
		http.StatusOK, `"rateLimit":{"limit":50,"windowSeconds":1}`)
	mgmt("patch-key-inactive.json", "PATCH", "/v1/keys/{keyId}", map[string]string{"keyId": AliceReadKeyID}, nil, alice, jsonBody,
		`{"status":"inactive"}`, http.StatusOK, `"status":"inactive"`)
	mgmt("patch-sas.json", "PATCH", "/v1/sas", nil, nil, dave, jsonBody, `{"enabled":false}`, http.StatusOK, `"enabled":false`)
	mgmt("patch-user-stale-etag.json", "PATCH", "/v1/users/{userId}", user, nil, admin,
		map[string]string{"Content-Type": "application/json", "If-Match": staleETag},
		`{"roles":["credential-issuer"],"scopes":["echo:read","echo:write"]}`, http.StatusPreconditionFailed, `If-Match`)
	mgmt("patch-user.json", "PATCH", "/v1/users/{userId}", user, nil, admin, jsonBody,
		`{"roles":["credential-issuer"],"scopes":["echo:read","echo:write"]}`, http.StatusOK, `"scopes":["echo:read","echo:write"]`)
	mgmt("regenerate-sas.json", "POST", "/v1/sas/regenerate", nil, nil, dave, jsonBody, `{"key":"secondary"}`, http.StatusOK,
		`"primaryKey":"`+SASPrimary+`"`)
	mgmt("rotate-client-secret.json", "POST", "/v1/clients/{clientId}/secret", client, nil, alice, nil, "", http.StatusOK,
		`"previousSecretExpiresAt":"`)
	mgmt("rotate-key.json", "POST", "/v1/keys/{keyId}/rotate", map[string]string{"keyId": AliceReadKeyID}, nil, alice, jsonBody,
		`{"overlapSeconds":3600}`, http.StatusCreated, `"key":"tgk_`)
	mgmt("sas-token.json", "POST", "/v1/sas/token", nil, nil, dave, jsonBody,
		`{"expiry":"`+SASExpiry(now).Format("01/02/2006 3:04 PM")+`","key":"primary"}`, http.StatusOK,
		`"token":"SharedAccessSignature uid=`+SASIdentifier)
	mgmt("whoami.json", "GET", "/v1/whoami", nil, nil, alice, nil, "", http.StatusOK, `"principalId":"`+AliceID+`"`)

	tokenReq := func(file, method, resource string, extra map[string]string, authorization, body string, status int, fragment string) {
		h := map[string]string{}
		for k, v := range extra {
			h[k] = v
		}
		if authorization != "" {
			h["Authorization"] = authorization
		}
		out = append(out, Sample{"token/" + file, proxyEvent(file, method, resource, nil, nil, h, nil, body, now),
			Want{Status: status, Body: fragment}})
	}
	tokenReq("client-credentials-bad-secret.json", "POST", "/oauth/token", formBody, basic(AliceClientID, wrongClientSecret),
		"grant_type=client_credentials", http.StatusUnauthorized, `"error":"invalid_client"`)
	tokenReq("client-credentials-basic.json", "POST", "/oauth/token", formBody, basic(AliceClientID, AliceClientSecret),
		"grant_type=client_credentials", http.StatusOK, `"scope":"echo:read"`)
	tokenReq("client-credentials-post.json", "POST", "/oauth/token", formBody, "",
		"grant_type=client_credentials&client_id="+AliceClientID+"&client_secret="+AliceClientSecret+"&scope=echo%3Aread",
		http.StatusOK, `"expires_in":3600`)
	tokenReq("json-body.json", "POST", "/oauth/token", jsonBody, basic(AliceClientID, AliceClientSecret),
		`{"grant_type":"client_credentials"}`, http.StatusBadRequest, `"error":"invalid_request"`)
	tokenReq("introspect.json", "POST", "/oauth/introspect", formBody, basic(IntrospectorID, IntrospectorSecret),
		"token="+AliceToken, http.StatusOK, `"credential_id":"`+AliceKeyID+`"`)
	tokenReq("introspect-without-scope.json", "POST", "/oauth/introspect", formBody, basic(AliceClientID, AliceClientSecret),
		"token="+AliceToken, http.StatusForbidden, `"error":"insufficient_scope"`)
	tokenReq("jwks.json", "GET", "/.well-known/jwks.json", nil, "", "", http.StatusOK,
		`"kid":"`+accesstoken.NewLocalSigner(SigningKey).KeyID()+`"`)
	tokenReq("metadata.json", "GET", "/.well-known/oauth-authorization-server", nil, "", "", http.StatusOK,
		`"token_endpoint":"`+Issuer+`/oauth/token"`)
	tokenReq("refresh-token-unknown.json", "POST", "/oauth/token", formBody, "",
		"grant_type=refresh_token&refresh_token="+unknownRefreshToken, http.StatusBadRequest, `"error":"invalid_grant"`)
	tokenReq("refresh-token.json", "POST", "/oauth/token", formBody, "",
		"grant_type=refresh_token&refresh_token="+AliceRefreshToken, http.StatusOK, `"refresh_token":"tgr_`)
	tokenReq("revoke-refresh-token.json", "POST", "/oauth/revoke", formBody, "",
		"token="+AliceRefreshToken+"&token_type_hint=refresh_token", http.StatusOK, `{}`)
	tokenReq("revoke-unknown.json", "POST", "/oauth/revoke", formBody, "",
		"token="+unknownRefreshToken+"&token_type_hint=refresh_token", http.StatusOK, `{}`)
	tokenReq("token-exchange.json", "POST", "/oauth/token", formBody, "",
		"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token="+AliceToken+
			"&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&scope=echo%3Aread",
		http.StatusOK, `"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"`)
	tokenReq("unsupported-grant.json", "POST", "/oauth/token", formBody, "",
		"grant_type=password&username=alice&password=correct%20horse", http.StatusBadRequest, `"error":"unsupported_grant_type"`)

	out = append(out,
		Sample{"sweeper/forward.json", map[string]string{"action": "forward"},
			Want{Published: [2]string{meter.EventRateLimited, AliceReadKeyID}}},
		Sample{"sweeper/scheduled.json", scheduledEvent(now), Want{Published: [2]string{sweep.EventExpired, ExpiredKeyID}}})
	return out, nil
}

// scheduledEvent is the EventBridge event of the sweep schedule at now.
func scheduledEvent(now time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{Version: "0", ID: requestID("scheduled.json"), DetailType: "Scheduled Event",
		Source: "aws.events", AccountID: AccountID, Time: now, Region: Region,
		Resources: []string{"arn:aws:events:" + Region + ":" + AccountID + ":rule/Tollgate-SweepSchedule"},
		Detail:    json.RawMessage(`{}`)}
}

// standardHeaders are what curl and API Gateway put in every request.
func standardHeaders(extra map[string]string) (map[string]string, map[string][]string) {
	h := map[string]string{"Accept": "application/json", "Host": host, "User-Agent": "curl/8.5.0",
		"X-Amzn-Trace-Id": "Root=1-6743ad18-5f1e2d3c4b5a69788796a5b4", "X-Forwarded-For": "203.0.113.10",
		"X-Forwarded-Port": "443", "X-Forwarded-Proto": "https"}
	for k, v := range extra {
		h[k] = v
	}
	multi := make(map[string][]string, len(h))
	for k, v := range h {
		multi[k] = []string{v}
	}
	return h, multi
}

// path fills resource's {parameters} from params.
func path(resource string, params map[string]string) string {
	for k, v := range params {
		resource = strings.ReplaceAll(resource, "{"+k+"}", v)
	}
	return resource
}

func multi(m map[string]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// requestID is a UUID-shaped id derived from the sample's name.
func requestID(name string) string {
	s := sha256.Sum256([]byte("tollgate sample " + name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

func authorizerEvent(name, method, resource string, params, query, headers map[string]string,
	cert events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	p := path(resource, params)
	h, mh := standardHeaders(headers)
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: "arn:aws:execute-api:" + Region + ":" + AccountID + ":" + APIID + "/" + Stage + "/" + method + p,
		Resource: resource, Path: p, HTTPMethod: method, Headers: h, MultiValueHeaders: mh,
		QueryStringParameters: query, MultiValueQueryStringParameters: multi(query), PathParameters: params,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path: "/" + Stage + p, AccountID: AccountID, ResourceID: "w1h2o3", Stage: Stage, RequestID: requestID(name),
			Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: "203.0.113.10", ClientCert: cert},
			ResourcePath: resource, HTTPMethod: method, APIID: APIID,
		},
	}
}

func proxyEvent(name, method, resource string, params, query, headers map[string]string, authorizer map[string]any,
	body string, now time.Time) events.APIGatewayProxyRequest {
	p := path(resource, params)
	h, mh := standardHeaders(headers)
	return events.APIGatewayProxyRequest{
		Resource: resource, Path: p, HTTPMethod: method, Headers: h, MultiValueHeaders: mh,
		QueryStringParameters: query, MultiValueQueryStringParameters: multi(query), PathParameters: params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: AccountID, ResourceID: "r3s4u5", Stage: Stage, DomainName: host, DomainPrefix: APIID,
			RequestID: requestID(name), ExtendedRequestID: "Bv7yKHvBoAMEb0Q=", Protocol: "HTTP/1.1",
			Identity:     events.APIGatewayRequestIdentity{SourceIP: "203.0.113.10", UserAgent: "curl/8.5.0"},
			ResourcePath: resource, HTTPMethod: method, RequestTime: now.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(), Path: "/" + Stage + p, Authorizer: authorizer, APIID: APIID,
		},
		Body: body,
	}
}

// clientCert is what API Gateway passes for a client certificate.
func clientCert(pemText string) events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert {
	block, _ := pem.Decode([]byte(pemText))
	x, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic("seed certificate: " + err.Error())
	}
	const layout = "Jan _2 15:04:05 2006 GMT"
	return events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert{
		ClientCertPem: pemText, SubjectDN: x.Subject.String(), IssuerDN: x.Issuer.String(), SerialNumber: x.SerialNumber.String(),
		Validity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCertValidity{
			NotBefore: x.NotBefore.UTC().Format(layout), NotAfter: x.NotAfter.UTC().Format(layout)},
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// WriteSamples writes the samples made at now under dir (events/), one
// file each, replacing those there.
func WriteSamples(dir string, now time.Time) error {
	samples, err := Samples(now)
	if err != nil {
		return err
	}
	for _, s := range samples {
		b, err := s.JSON()
		if err != nil {
			return fmt.Errorf("%s: %w", s.Path, err)
		}
		p := filepath.Join(dir, filepath.FromSlash(s.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
