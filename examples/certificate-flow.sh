#!/usr/bin/env bash
# Bind a self-signed certificate to a user, then sign in with it two ways:
# mutual TLS, and a private_key_jwt client assertion that yields a
# certificate-bound access token. Needs bash, openssl and curl.
#
#   KEY=tgk_… USER_ID=usr_… examples/certificate-flow.sh
#
# KEY is an API key of the user (with certificates:write and the
# credential-issuer role). TOLLGATE_URL is the issuer (the local stack's
# http://127.0.0.1:8080 by default), TOLLGATE_TLS_URL the mutual TLS listener.
set -euo pipefail
: "${TOLLGATE_URL:=http://127.0.0.1:8080}"
: "${TOLLGATE_TLS_URL:=https://127.0.0.1:8443}"
: "${KEY:?set KEY to an API key of the user}"
: "${USER_ID:?set USER_ID to the user id}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# 1. A self-signed client certificate and its key (the key never leaves this
#    folder). Not a CA: OpenSSL makes self-signed certificates CAs by default,
#    and Tollgate refuses CA certificates as user credentials.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=$USER_ID" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=digitalSignature" \
  -addext "extendedKeyUsage=clientAuth" -keyout "$dir/user.key" -out "$dir/user.pem" 2>/dev/null

# 2. Bind it to the user: the PEM as a JSON string. The PUT goes over mutual
#    TLS with that same certificate, which proves the user holds its key (an
#    admin binding for someone else may use plain HTTPS; `tollgate certs
#    upload --key` signs a "proof" instead).
pem=$(awk '{printf "%s\\n", $0}' "$dir/user.pem")
curl -sSfk --cert "$dir/user.pem" --key "$dir/user.key" -X PUT "$TOLLGATE_TLS_URL/v1/users/$USER_ID/certificate" \
  -H "x-api-key: $KEY" -H "Content-Type: application/json" -d "{\"certificate\":\"$pem\"}"
echo

# 3. Mutual TLS: the certificate alone is the credential (-k: the local
#    stack's server certificate is self-signed).
curl -sSfk --cert "$dir/user.pem" --key "$dir/user.key" "$TOLLGATE_TLS_URL/v1/whoami"
echo

# 4. private_key_jwt (RFC 7523): an assertion signed with the certificate's
#    key, naming the certificate by its x5t#S256 thumbprint.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
x5t=$(openssl x509 -in "$dir/user.pem" -outform DER | openssl dgst -sha256 -binary | b64url)
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT","x5t#S256":"%s"}' "$x5t" | b64url)
claims=$(printf '{"iss":"%s","sub":"%s","aud":"%s/oauth/token","jti":"%s","iat":%d,"exp":%d}' \
  "$USER_ID" "$USER_ID" "$TOLLGATE_URL" "$(openssl rand -hex 16)" "$now" "$((now + 120))" | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$dir/user.key" -binary | b64url)
answer=$(curl -sSf "$TOLLGATE_URL/oauth/token" -d grant_type=client_credentials \
  -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
  -d "client_assertion=$header.$claims.$signature")
token=$(printf '%s' "$answer" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

# 5. The access token is bound to the certificate: it works over mutual TLS
#    with that certificate, and nowhere else.
curl -sSfk --cert "$dir/user.pem" --key "$dir/user.key" -H "Authorization: Bearer $token" "$TOLLGATE_TLS_URL/v1/whoami"
echo
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$TOLLGATE_URL/v1/whoami")
echo "the same token without its certificate: $code"
test "$code" = 401
