package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// MaxBody is the largest JSON body accepted.
const MaxBody = 64 << 10

// Caller is the principal API Gateway's authorizer passed to the handler.
type Caller struct {
	PrincipalID    string
	CredentialType string
	CredentialID   string
	Scopes         string
	ProjectID      string
}

// CallerOf reads the authorizer context; false if there is none.
func CallerOf(req events.APIGatewayProxyRequest) (Caller, bool) {
	a := req.RequestContext.Authorizer
	str := func(k string) string { s, _ := a[k].(string); return s }
	c := Caller{
		PrincipalID: str("principalId"), CredentialType: str("credentialType"),
		CredentialID: str("credentialId"), Scopes: str("scopes"), ProjectID: str("projectId"),
	}
	return c, c.PrincipalID != "" && c.ProjectID != ""
}

// Body returns the request body, decoding base64 when API Gateway encoded it.
func Body(req events.APIGatewayProxyRequest) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, Invalid("body", "not valid base64")
	}
	return b, nil
}

// DecodeJSON decodes body into dst strictly: one JSON object, no unknown
// fields, at most MaxBody bytes. Errors are problems naming the field.
func DecodeJSON(body []byte, dst any) error {
	if len(body) > MaxBody {
		return Invalid("body", "larger than %d bytes", MaxBody)
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' {
		return Invalid("body", "a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Invalid("body", "must hold a single JSON object")
	}
	return exactKeys(body, dst)
}

// exactKeys refuses what encoding/json lets through: a top-level key that
// matches a field only when case is ignored, and a key given twice (two
// parsers of one body must never disagree). body is known to be valid.
func exactKeys(body []byte, dst any) error {
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	known := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" {
			name = t.Field(i).Name
		}
		known[name] = true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // the opening brace
		return Invalid("body", "malformed JSON")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return Invalid("body", "malformed JSON")
		}
		switch {
		case key == "":
			return Invalid("body", "unknown field with an empty name")
		case !known[key]:
			return Invalid(key, "unknown field (names are case-sensitive)")
		case seen[key]:
			return Invalid(key, "given more than once")
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return Invalid("body", "malformed JSON")
		}
	}
	return nil
}

func jsonProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var p *Problem
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return Invalid(typeErr.Field, "must be %s", article(typeErr.Type.String()))
	case errors.As(err, &typeErr):
		return Invalid("body", "must be a JSON object")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return Invalid("body", "malformed JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return Invalid("body", "unknown field with an empty name")
		}
		return Invalid(name, "unknown field")
	}
	return Invalid("body", "malformed JSON")
}

// article names a Go type as JSON people know it.
func article(goType string) string {
	switch {
	case goType == "string" || strings.HasSuffix(goType, "Time"):
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint") || strings.HasPrefix(goType, "float"):
		return "a number"
	}
	return "a JSON " + goType
}

// JSON answers status with v as its JSON body.
func JSON(status int, v any, headers map[string]string) events.APIGatewayProxyResponse {
	// Not HTML-escaped: a SAS token's & stays an &.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ProblemResponse(NewProblem(http.StatusInternalServerError, "internal error"))
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: h, Body: string(body)}
}

// NoStore marks a response that carries a secret.
var NoStore = map[string]string{"Cache-Control": "no-store"}

// ProblemResponse answers with an RFC 9457 problem detail.
func ProblemResponse(p *Problem) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(p)
	return events.APIGatewayProxyResponse{
		StatusCode: p.Status,
		Headers:    map[string]string{"Content-Type": "application/problem+json"},
		Body:       string(body),
	}
}

// NoContent answers 204.
func NoContent() events.APIGatewayProxyResponse {
	return events.APIGatewayProxyResponse{StatusCode: http.StatusNoContent}
}
