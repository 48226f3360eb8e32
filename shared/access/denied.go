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
