package seed

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/meter"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/sweep"
)

// Samples are the sample events made at now, in file order within each
// folder.
func Samples(now time.Time) ([]Sample, error) {
	now = now.UTC().Truncate(time.Second)
	tok, err := makeTokens(now)
	if err != nil {
		return nil, err
	}
	s := &samples{now: now, tok: tok}
	s.authorizer()
	s.certificates()
	s.issuekeys()
	s.token()
	s.sweeper()
	return s.out, nil
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

// samples collects the samples made at now with the tokens tok.
type samples struct {
	now time.Time
	tok tokens
	out []Sample
}

// The headers of a request with a body.
var (
	jsonBody = map[string]string{"Content-Type": "application/json"}
	formBody = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
)

// headers are extra with the Authorization header authorization, unless "".
func headers(extra map[string]string, authorization string) map[string]string {
	h := map[string]string{}
	for k, v := range extra {
		h[k] = v
	}
	if authorization != "" {
		h["Authorization"] = authorization
	}
	return h
}

// basic is an HTTP Basic Authorization value.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// authz adds an authorizer sample whose decision is want.
func (s *samples) authz(file, method, resource string, params, query map[string]string, authorization string,
	cert events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert, extra map[string]string, want string) {
	s.out = append(s.out, Sample{"authorizer/" + file,
		authorizerEvent(file, method, resource, params, query, headers(extra, authorization), cert), Want{Decision: want}})
}

// proxy adds a sample of folder's function, called by who (nil: a public
// route), that answers status with fragment in its body.
func (s *samples) proxy(folder, file, method, resource string, params, query map[string]string, who *caller,
	extra map[string]string, body string, status int, fragment string) {
	var ctx map[string]any
	authorization := ""
	if who != nil {
		authorization, ctx = who.token, who.context
	}
	s.out = append(s.out, Sample{folder + "/" + file,
		proxyEvent(file, method, resource, params, query, headers(extra, authorization), ctx, body, s.now),
		Want{Status: status, Body: fragment}})
}

// authorizer adds the authorizer's samples.
func (s *samples) authorizer() {
	tok, authz := s.tok, s.authz
	sasToken := SASToken(s.now)
	sasFields := strings.Split(strings.TrimPrefix(sasToken, sas.Scheme+" "), "&") // uid, ex, sn
	daveCert, bobCert := clientCert(DaveCertPEM), clientCert(BobCertPEM)
	var none events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert
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
}

// certificates adds the certificates function's samples.
func (s *samples) certificates() {
	cert := func(file, method, userID string, who caller, extra map[string]string, body string, status int, fragment string) {
		s.proxy("certificates", file, method, "/v1/users/{userId}/certificate", map[string]string{"userId": userID}, nil, &who,
			extra, body, status, fragment)
	}
	cert("delete-certificate.json", "DELETE", DaveID, dave, nil, "", http.StatusNoContent, "")
	cert("get-certificate.json", "GET", DaveID, dave, nil, "", http.StatusOK, `"thumbprint":"`+DaveCertThumbprint+`"`)
	certBody, _ := jsonString(map[string]string{"certificate": BobCertPEM})
	cert("put-certificate.json", "PUT", BobID, admin, jsonBody, certBody, http.StatusCreated, `"thumbprint":"`+BobCertThumbprint+`"`)
}

// issuekeys adds the management API's samples.
func (s *samples) issuekeys() {
	now := s.now
	day := func(d time.Duration) string { return now.Add(d).Truncate(24 * time.Hour).Format(time.RFC3339) }
	aliceJWT := caller{"Bearer " + s.tok.JWT, map[string]any{"principalId": AliceID, "credentialType": "jwt",
		"credentialId": AliceJWTID, "scopes": "credentials:read credentials:write echo:read", "projectId": ProjectID, "integrationLatency": 14}}
	user, client := map[string]string{"userId": BobID}, map[string]string{"clientId": AliceClientID}
	mgmt := func(file, method, resource string, params, query map[string]string, who caller, extra map[string]string,
		body string, status int, fragment string) {
		s.proxy("issuekeys", file, method, resource, params, query, &who, extra, body, status, fragment)
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
	s.secretScanning()
	mgmt("whoami.json", "GET", "/v1/whoami", nil, nil, alice, nil, "", http.StatusOK, `"principalId":"`+AliceID+`"`)
}

// secretScanning adds GitHub's report of bob's leaked key to issuekeys'
// samples: a public route, signed with the seed's GitHub key (ScanningKeys
// configured).
func (s *samples) secretScanning() {
	report := `[{"token":"` + LeakedToken + `","type":"tollgate_api_key",` +
		`"url":"https://github.com/octo-org/octo-repo/blob/5e2a0c1/deploy/.env","source":"content"}]`
	s.proxy("issuekeys", "secret-scanning-github.json", scanning.Method, scanning.Resource, nil, nil, nil,
		map[string]string{"Content-Type": "application/json", scanning.HeaderKeyID: GitHubKeyID,
			scanning.HeaderSignature: GitHubSignature(report)},
		report, http.StatusOK, `"token_type":"tollgate_api_key","label":"true_positive"`)
}

// token adds the token function's samples (public routes).
func (s *samples) token() {
	tokenReq := func(file, method, resource string, extra map[string]string, authorization, body string, status int, fragment string) {
		s.proxy("token", file, method, resource, nil, nil, nil, headers(extra, authorization), body, status, fragment)
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
}

// sweeper adds the sweeper's samples.
func (s *samples) sweeper() {
	now := s.now
	s.out = append(s.out,
		Sample{"sweeper/forward.json", map[string]string{"action": "forward"},
			Want{Published: [2]string{meter.EventRateLimited, AliceReadKeyID}}},
		Sample{"sweeper/scheduled.json", scheduledEvent(now), Want{Published: [2]string{sweep.EventExpired, ExpiredKeyID}}})
}
