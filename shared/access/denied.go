package access

// Authorizer context keys that API Gateway's ACCESS_DENIED response (the
// 403 of a denied request) shows, as the Tollgate API maps them
// (infra/stack.AddAccessDeniedResponse, and the local stack): the body's
// message, and over a limit the headers of DeniedHeaders.
const (
	ContextMessage         = "message"
	ContextRetryAfter      = "retryAfter"
	ContextRateLimit       = "rateLimit"
	ContextRateLimitPolicy = "rateLimitPolicy"
)

// DeniedHeaders maps the headers of a 403 to the context keys they show.
var DeniedHeaders = map[string]string{
	"Retry-After": ContextRetryAfter, "RateLimit": ContextRateLimit, "RateLimit-Policy": ContextRateLimitPolicy,
}

// Challenge is the WWW-Authenticate header of the authorizer's 401 (API
// Gateway's UNAUTHORIZED response, as infra/stack.AddUnauthorizedResponse
// and the local stack set it): RFC 6750 §3 requires a challenge, and RFC
// 9449 §7.1 names the DPoP proof algorithms accepted (dpop.Algorithms).
// It names no error: the authorizer's refusal reasons stay in its log.
const Challenge = `Bearer realm="tollgate", DPoP algs="ES256 EdDSA"`
