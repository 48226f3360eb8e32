package authorizer

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/sas"
	"github.com/tollgate/tollgate/shared/secret"
)

// QueryParam carries an API key in the query string when enabled.
const QueryParam = "api_token"

// kind is the kind of credential a request presents.
type kind uint8

const (
	kindAPIKey kind = iota // Bearer, apiToken, x-api-key or the query parameter
	kindJWT                // Bearer with a JWT's shape, when JWTs are accepted
	kindSAS                // Authorization: SharedAccessSignature
	kindCert               // the mutual TLS client certificate, when nothing else is presented
	kinds                  // how many kinds there are
)

// presented is the one credential a request presents, found once. It is
// kept small: it is passed by value on the warm path.
type presented struct {
	kind kind
	// token is the secret as presented (a SAS: the whole header value),
	// which the decision is cached under by its SHA-256. A certificate's is
	// its PEM until parsed, then "mtls:" and its thumbprint.
	token      string
	thumbprint string // a certificate's, once parsed
	// proof is the DPoP header of a token presented with the DPoP scheme
	// (RFC 9449 §7.1), checked on every request; "" for any other.
	proof string
}

// hint names a refused credential in a log line without revealing it:
// the hint of an opaque secret, nothing of a signed one.
func (p presented) hint() string {
	if p.kind != kindAPIKey {
		return "signed token"
	}
	return secret.Hint(p.token)
}

// find returns the kind and token of the one credential presented in a
// header or the query, whether it came with the DPoP scheme, and how many
// there were: 0 for none, -1 when the headers are malformed or repeated
// (ambiguity is refused, not resolved).
func (a *Authorizer) find(req *events.APIGatewayCustomAuthorizerRequestTypeRequest) (kind, string, bool, int) {
	var found kind
	var token string
	dpopScheme, n := false, 0
	add := func(k kind, tok string) { found, token, n = k, tok, n+1 }
	for name, v := range req.Headers {
		switch {
		case is(name, "Authorization", "authorization"):
			scheme, tok, ok := strings.Cut(v, " ")
			switch {
			case ok && is(scheme, "Bearer", "bearer"):
				add(a.bearerKind(tok), tok)
			case ok && is(scheme, dpop.Scheme, "dpop"):
				// Only a JWT is sender-constrained: anything else is malformed.
				if a.bearerKind(tok) != kindJWT {
					return 0, "", false, -1
				}
				add(kindJWT, tok)
				dpopScheme = true
			case ok && strings.EqualFold(scheme, sas.Scheme):
				add(kindSAS, v)
			case ok && strings.EqualFold(scheme, "apiToken"):
				add(kindAPIKey, tok)
			default:
				return 0, "", false, -1
			}
		case strings.EqualFold(name, "x-api-key"):
			add(kindAPIKey, v)
		}
	}
	for name, vs := range req.MultiValueHeaders {
		if len(vs) > 1 && (strings.EqualFold(name, "authorization") || strings.EqualFold(name, "x-api-key")) {
			return 0, "", false, -1
		}
	}
	if a.opt.QueryTokens {
		if v, ok := req.QueryStringParameters[QueryParam]; ok {
			add(kindAPIKey, v)
		}
		if len(req.MultiValueQueryStringParameters[QueryParam]) > 1 {
			return 0, "", false, -1
		}
	}
	if n != 1 {
		return 0, "", false, n
	}
	return found, token, dpopScheme, 1
}

// proofOf returns the one DPoP header req carries; ok is false when it has
// none or more than one.
func proofOf(req *events.APIGatewayCustomAuthorizerRequestTypeRequest) (proof string, ok bool) {
	n := 0
	for name, v := range req.Headers {
		if is(name, dpop.Header, "dpop") {
			proof, n = v, n+1
		}
	}
	for name, vs := range req.MultiValueHeaders {
		if len(vs) > 1 && is(name, dpop.Header, "dpop") {
			return "", false
		}
	}
	return proof, n == 1
}

// is reports whether name is one of the usual spellings given (compared
// byte for byte, the fast path) or another casing of them.
func is(name, usual, lower string) bool {
	return name == usual || name == lower || strings.EqualFold(name, lower)
}

// bearerKind tells a JWT from an API key: Authorization: Bearer is the
// only way a JWT is accepted.
func (a *Authorizer) bearerKind(tok string) kind {
	if a.opt.Verifier != nil && isJWT(tok) {
		return kindJWT
	}
	return kindAPIKey
}
