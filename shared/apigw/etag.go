package apigw

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ETag is the strong entity tag (RFC 9110 §8.8.3) of a resource at store
// revision version whose representation, as GET shows it without secrets,
// is view: it changes whenever either does, and reveals neither.
func ETag(version int64, view any) string {
	body, err := json.Marshal(view)
	if err != nil {
		// Views are plain structs of strings, times and numbers.
		panic("apigw: view does not encode: " + err.Error())
	}
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(version)))
	h.Write(body)
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// Tagged is the headers of a response carrying a resource's entity tag,
// with extra headers added.
func Tagged(etag string, extra map[string]string) map[string]string {
	h := map[string]string{"ETag": etag}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// IfMatch evaluates req's If-Match precondition (RFC 9110 §13.1.1) against
// current(), the entity tag of the resource as it is now ("" when it does
// not exist), called only when the request has one: nil when it has none,
// or one of its tags (or "*") matches by strong comparison; otherwise a
// 412 problem, and the request must change nothing.
func IfMatch(req events.APIGatewayProxyRequest, current func() string) error {
	list, sent := ifMatchList(req)
	if !sent {
		return nil
	}
	return matches(list, current())
}

// Absent is the current entity tag of a resource that does not exist.
func Absent() string { return "" }

// matches is IfMatch's answer for the field value list and the tag current.
func matches(list, current string) error {
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimSpace(tag)
		if current != "" && (tag == "*" || tag == current) {
			return nil
		}
	}
	if current == "" {
		return NewProblem(http.StatusPreconditionFailed, "If-Match: the resource does not exist")
	}
	return NewProblem(http.StatusPreconditionFailed, "If-Match: the resource has changed; read it again")
}

// ifMatchList is the request's If-Match field value, its lines joined.
func ifMatchList(req events.APIGatewayProxyRequest) (string, bool) {
	for name, vs := range req.MultiValueHeaders {
		if strings.EqualFold(name, "If-Match") && len(vs) > 0 {
			return strings.Join(vs, ","), true
		}
	}
	return Header(req, "If-Match")
}

// Header reads a request header case-insensitively; false when absent.
func Header(req events.APIGatewayProxyRequest, name string) (string, bool) {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
