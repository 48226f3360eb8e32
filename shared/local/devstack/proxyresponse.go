package devstack

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"sort"

	"github.com/aws/aws-lambda-go/events"
)

// framing headers API Gateway computes itself.
var framing = []string{"Content-Length", "Transfer-Encoding", "Connection"}

// errMalformed marks a proxy response API Gateway cannot use.
var errMalformed = errors.New("malformed Lambda proxy response")

// writeProxyResponse writes a function's answer: multiValueHeaders first,
// then headers (a pair already in multiValueHeaders is not repeated), JSON
// content type by default, the body base64-decoded when flagged.
func writeProxyResponse(w http.ResponseWriter, resp events.APIGatewayProxyResponse) (int, error) {
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return 0, fmt.Errorf("%w: status code %d", errMalformed, resp.StatusCode)
	}
	body := resp.Body
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return 0, fmt.Errorf("%w: body is not base64: %v", errMalformed, err)
		}
		body = string(b)
	}
	if !plainHeaders(resp) {
		mergeHeaders(w.Header(), resp)
	} else {
		// The common answer: one value a header, names in canonical form,
		// so there is nothing to merge.
		h := w.Header()
		for k, v := range resp.Headers {
			if !slices.Contains(framing, k) {
				h[k] = append(h[k], v)
			}
		}
		if _, ok := resp.Headers["Content-Type"]; !ok {
			h.Set("Content-Type", "application/json")
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.WriteString(w, body)
	return resp.StatusCode, nil
}

// plainHeaders reports a response with no multiValueHeaders whose header
// names are all in canonical form.
func plainHeaders(resp events.APIGatewayProxyResponse) bool {
	if len(resp.MultiValueHeaders) > 0 {
		return false
	}
	for k := range resp.Headers {
		if textproto.CanonicalMIMEHeaderKey(k) != k {
			return false
		}
	}
	return true
}

// mergeHeaders adds resp's headers to h: multiValueHeaders first, then
// headers (a pair already in multiValueHeaders is not repeated), framing
// headers dropped, JSON content type by default.
func mergeHeaders(h http.Header, resp events.APIGatewayProxyResponse) {
	merged := http.Header{}
	for _, k := range sortedKeys(resp.MultiValueHeaders) {
		for _, v := range resp.MultiValueHeaders[k] {
			merged.Add(k, v)
		}
	}
	for _, k := range sortedKeys(resp.Headers) {
		v := resp.Headers[k]
		if !slices.Contains(merged.Values(k), v) {
			merged.Add(k, v)
		}
	}
	for _, k := range framing {
		merged.Del(k)
	}
	if merged.Get("Content-Type") == "" {
		merged.Set("Content-Type", "application/json")
	}
	for k, vs := range merged {
		h[k] = append(h[k], vs...)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
