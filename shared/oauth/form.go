package oauth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxBody is the largest form body accepted.
const MaxBody = 16 << 10

// FormType is the only media type the OAuth endpoints accept.
const FormType = "application/x-www-form-urlencoded"

// ErrBasicAuth is wrapped by BasicAuth's error for a malformed Basic header.
var ErrBasicAuth = errors.New("malformed Basic authorization header")

// Parse reads an application/x-www-form-urlencoded body strictly: the
// Content-Type must be FormType (parameters allowed; a charset, if given,
// must be UTF-8), the body at most MaxBody bytes, every name non-empty and
// given at most once (RFC 6749 §3.2), and every name and value validly
// percent-encoded UTF-8 ('+' is a space). Empty pairs ("a=1&&b=2", a
// trailing '&') are skipped and a name without '=' has the empty value, as
// in the WHATWG parser. An empty body gives an empty map. Errors are
// *Error invalid_request answers.
func Parse(contentType string, body []byte) (map[string]string, error) {
	if err := checkContentType(contentType, body); err != nil {
		return nil, err
	}
	if len(body) > MaxBody {
		return nil, InvalidRequest(fmt.Sprintf("the body is larger than %d bytes", MaxBody))
	}
	form := map[string]string{}
	for rest := string(body); rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := unescape(rawName)
		if err != nil {
			return nil, err
		}
		value, err := unescape(rawValue)
		if err != nil {
			return nil, err
		}
		if name == "" {
			return nil, InvalidRequest("a parameter has an empty name")
		}
		if _, dup := form[name]; dup {
			return nil, InvalidRequest(repeated(name))
		}
		form[name] = value
	}
	return form, nil
}

// checkContentType refuses anything but a form body, naming the form type.
func checkContentType(contentType string, body []byte) error {
	mt, params, err := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || looksLikeJSON(body):
		return InvalidRequest("the body must be " + FormType + ", not JSON")
	case err != nil || mt != FormType:
		return InvalidRequest("the body must be " + FormType)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return InvalidRequest("the body must be " + FormType + " in UTF-8")
	}
	return nil
}

// looksLikeJSON reports a JSON object or array, which a form never starts
// with (its braces would be percent-encoded).
func looksLikeJSON(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// unescape decodes one form-urlencoded name or value.
func unescape(s string) (string, error) {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return "", InvalidRequest("the body is not valid " + FormType + ": bad percent-encoding")
	}
	if !utf8.ValidString(u) {
		return "", InvalidRequest("parameters must be UTF-8")
	}
	return u, nil
}

// repeated describes a repeated parameter, naming it only when the name is
// short and plain (a description may hold only printable ASCII).
func repeated(name string) string {
	plain := len(name) <= 40
	for i := 0; i < len(name) && plain; i++ {
		c := name[i]
		plain = c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	if !plain {
		return "a parameter is given more than once"
	}
	return "parameter given more than once: " + name
}

// BasicAuth reads client_secret_basic credentials (RFC 6749 §2.3.1): the
// client id and secret are form-urlencoded, joined by ':' and base64
// encoded. ok is false, with no error, when the header is absent or uses
// another scheme; a malformed Basic header gives an *Error invalid_client
// answer (401 with the Basic challenge) wrapping ErrBasicAuth.
func BasicAuth(authorization string) (clientID, secret string, ok bool, err error) {
	h := strings.Trim(authorization, " \t")
	if h == "" {
		return "", "", false, nil
	}
	scheme, creds := h, ""
	if i := strings.IndexAny(h, " \t"); i >= 0 {
		scheme, creds = h[:i], strings.TrimLeft(h[i:], " \t")
	}
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, nil
	}
	malformed := func(why string) (string, string, bool, error) {
		e := InvalidClient(true)
		e.cause = fmt.Errorf("%w: %s", ErrBasicAuth, why)
		return "", "", true, e
	}
	if creds == "" {
		return malformed("no credentials")
	}
	for i := 0; i < len(creds); i++ { // the decoder would skip '\r' and '\n'
		if c := creds[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return malformed("not base64")
		}
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(creds)
	if err != nil {
		return malformed("not base64")
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return malformed("no colon between client id and secret")
	}
	if clientID, err = url.QueryUnescape(rawID); err != nil || !utf8.ValidString(clientID) {
		return malformed("client id is not form-urlencoded UTF-8")
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil || !utf8.ValidString(secret) {
		return malformed("client secret is not form-urlencoded UTF-8")
	}
	if clientID == "" {
		return malformed("empty client id")
	}
	return clientID, secret, true, nil
}
