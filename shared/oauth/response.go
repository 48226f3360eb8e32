package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// BasicChallenge is the WWW-Authenticate value sent with a 401 answer to a
// client that authenticated with HTTP Basic (RFC 7617 requires a realm).
const BasicChallenge = `Basic realm="tollgate", charset="UTF-8"`

// Error is an RFC 6749 §5.2 error answer; it is also an error.
type Error struct {
	Status      int           // HTTP status
	Code        string        // the "error" member, e.g. invalid_request
	Description string        // the "error_description" member, for people
	Basic       bool          // add WWW-Authenticate: BasicChallenge
	RetryAfter  time.Duration // add Retry-After in whole seconds, rounded up
	cause       error         // detail for the log, never sent
}

// Error returns the code and description, and the detail for the log.
func (e *Error) Error() string {
	s := e.Code + ": " + e.Description
	if e.cause != nil {
		s += " (" + e.cause.Error() + ")"
	}
	return s
}

// Unwrap returns the detail behind the answer, if any.
func (e *Error) Unwrap() error { return e.cause }

// InvalidRequest answers 400 invalid_request: a missing, repeated or
// malformed parameter.
func InvalidRequest(desc string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Description: desc}
}

// InvalidClient answers 401 invalid_client "Bad credentials"; basic adds the
// Basic challenge, as RFC 6749 §5.2 requires when the client used it.
func InvalidClient(basic bool) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "Bad credentials", Basic: basic}
}

// InvalidGrant answers 400 invalid_grant: a refresh token (or other grant)
// that is invalid, expired, revoked or spent.
func InvalidGrant(desc string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_grant", Description: desc}
}

// UnauthorizedClient answers 400 unauthorized_client: the authenticated
// client may not do this.
func UnauthorizedClient(desc string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "unauthorized_client", Description: desc}
}

// UnsupportedGrantType answers 400 unsupported_grant_type.
func UnsupportedGrantType() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "unsupported_grant_type", Description: "the grant type is not supported"}
}

// InvalidScope answers 400 invalid_scope: a malformed scope, or one wider
// than allowed.
func InvalidScope(desc string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_scope", Description: desc}
}

// InvalidTarget answers 400 invalid_target (RFC 8693 §2.2.2): an audience
// or resource the server does not issue tokens for.
func InvalidTarget(desc string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_target", Description: desc}
}

// InsufficientScope answers 403 insufficient_scope (RFC 6750 §3.1): the
// authenticated client lacks the scope the endpoint needs.
func InsufficientScope(desc string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "insufficient_scope", Description: desc}
}

// TooManyRequests answers 429 with Retry-After (whole seconds, at least 1)
// and the code "slow_down". RFC 6749 has no code for throttling; slow_down
// is the one registered for token endpoint responses (RFC 8628 §3.5,
// IANA OAuth Extensions Error Registry) and means exactly "you are asking
// too often", where invalid_request would tell the client its request is
// malformed and invalid_client that its credentials are wrong.
func TooManyRequests(retryAfter time.Duration) *Error {
	return &Error{Status: http.StatusTooManyRequests, Code: "slow_down",
		Description: "too many requests; retry after the time in Retry-After", RetryAfter: retryAfter}
}

// errorBody is the RFC 6749 §5.2 JSON body.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// serverError is the answer to anything that is not an *Error.
var serverError = errorBody{Error: "server_error", Description: "internal error"}

// ErrorResponse answers err: an *Error (possibly wrapped) with its status
// and JSON body, anything else with 500 server_error and no detail.
func ErrorResponse(err error) events.APIGatewayProxyResponse {
	var e *Error
	if !errors.As(err, &e) || e == nil || e.Status < 400 || e.Status > 599 || !validCode(e.Code) {
		return respond(http.StatusInternalServerError, serverError, nil)
	}
	headers := map[string]string{}
	if e.Basic {
		headers["WWW-Authenticate"] = BasicChallenge
	}
	if e.RetryAfter != 0 || e.Status == http.StatusTooManyRequests {
		headers["Retry-After"] = strconv.FormatInt(retrySeconds(e.RetryAfter), 10)
	}
	return respond(e.Status, errorBody{Error: e.Code, Description: description(e.Description)}, headers)
}

// TokenResponse answers 200 with v as JSON (RFC 6749 §5.1, RFC 7009 §2.2).
func TokenResponse(v any) events.APIGatewayProxyResponse {
	return respond(http.StatusOK, v, nil)
}

// respond renders a JSON answer with the headers every OAuth answer has.
func respond(status int, v any, extra map[string]string) events.APIGatewayProxyResponse {
	body, err := json.Marshal(v)
	if err != nil {
		status, extra = http.StatusInternalServerError, nil
		body, _ = json.Marshal(serverError)
	}
	h := map[string]string{
		"Content-Type":  "application/json",
		"Cache-Control": "no-store",
		"Pragma":        "no-cache",
	}
	for k, v := range extra {
		h[k] = v
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: h, Body: string(body)}
}

// retrySeconds rounds d up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return max(s, 1)
}

// validCode reports an RFC 6749 error code: one or more of %x20-21 /
// %x23-5B / %x5D-7E.
func validCode(code string) bool {
	for i := 0; i < len(code); i++ {
		if !descChar(code[i]) {
			return false
		}
	}
	return code != ""
}

// description keeps error_description within RFC 6749's character set,
// replacing anything else with '?'.
func description(s string) string {
	b := []byte(s)
	for i := range b {
		if !descChar(b[i]) {
			b[i] = '?'
		}
	}
	return string(b)
}

func descChar(c byte) bool {
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'
}
