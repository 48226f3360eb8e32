package apigw_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/apigw"
)

// inner is a nested object in the decoding target.
type inner struct {
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

// when rejects anything but an RFC 3339 string with a problem of its own,
// as the management API's field types do.
type when struct{ t time.Time }

func (w *when) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return apigw.Invalid("when", "must be an RFC 3339 time")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return apigw.Invalid("when", "must be an RFC 3339 time")
	}
	w.t = t
	return nil
}

// target is a request body with every shape the handlers use.
type target struct {
	Name    string         `json:"name"`
	Enabled *bool          `json:"enabled"`
	N       *int64         `json:"n"`
	Ratio   float64        `json:"ratio"`
	Scopes  []string       `json:"scopes"`
	Inner   inner          `json:"inner"`
	Items   []inner        `json:"items"`
	When    when           `json:"when"`
	Labels  map[string]int `json:"labels"`
}

// asProblem asserts that err is a *apigw.Problem (not merely wrapping
// one) answering 400, and returns it.
func asProblem(t *testing.T, err error) *apigw.Problem {
	t.Helper()
	p, ok := err.(*apigw.Problem)
	if !ok {
		t.Fatalf("error %T %q is not a *apigw.Problem", err, err)
	}
	if p.Status != http.StatusBadRequest || p.Title != http.StatusText(http.StatusBadRequest) || p.Type == "" || p.Detail == "" {
		t.Fatalf("problem = %+v, want a complete 400", p)
	}
	return p
}

// decodeCase is a body DecodeJSON decodes into a target.
type decodeCase struct {
	name  string
	body  string
	field string // "" means success; else the detail must start with field + ": "
	want  string // a further substring of the detail, if any
	exact string // the whole detail, if given
	check func(t *testing.T, got target)
}

// decodeAccepted are bodies DecodeJSON accepts, with checks of what they decode to.
var decodeAccepted = []decodeCase{
	{name: "valid", body: `{"name":"ci","enabled":true,"n":7,"ratio":0.5,"scopes":["a","b"],` +
		`"inner":{"count":2,"tags":["x"]},"items":[{"count":1}],"when":"2026-11-23T19:30:00Z"}`,
		check: func(t *testing.T, got target) {
			if got.Name != "ci" || got.Enabled == nil || !*got.Enabled || got.N == nil || *got.N != 7 ||
				got.Ratio != 0.5 || len(got.Scopes) != 2 || got.Inner.Count != 2 || len(got.Items) != 1 ||
				!got.When.t.Equal(time.Date(2026, 11, 23, 19, 30, 0, 0, time.UTC)) {
				t.Errorf("decoded %+v", got)
			}
		}},
	{name: "empty object", body: `{}`},
	{name: "surrounding whitespace", body: " \n\t{\"name\":\"ci\"}\r\n ",
		check: func(t *testing.T, got target) {
			if got.Name != "ci" {
				t.Errorf("name = %q", got.Name)
			}
		}},
	{name: "unicode", body: `{"name":"K\u00e9y \ud83d\udd11 \u65e5\u672c"}`,
		check: func(t *testing.T, got target) {
			if got.Name != "Kéy 🔑 日本" {
				t.Errorf("name = %q", got.Name)
			}
		}},
	{name: "explicit nulls leave pointers nil", body: `{"enabled":null,"n":null,"scopes":null}`,
		check: func(t *testing.T, got target) {
			if got.Enabled != nil || got.N != nil || got.Scopes != nil {
				t.Errorf("decoded %+v", got)
			}
		}},
	{name: "exactly MaxBody bytes", body: `{"name":"ci"}` + strings.Repeat(" ", apigw.MaxBody-len(`{"name":"ci"}`))},
}

// decodeUnknownFields are bodies naming a field target lacks, or naming one twice.
var decodeUnknownFields = []decodeCase{
	{name: "unknown field", body: `{"name":"ci","colour":"red"}`, field: "colour", want: "unknown field"},
	{name: "unknown field only", body: `{"colour":"red"}`, field: "colour"},
	{name: "unknown field named with format verbs", body: `{"%s%d%x":1}`, field: "%s%d%x", exact: "%s%d%x: unknown field"},
	{name: "unknown field with an escaped quote", body: `{"a\"b":1}`, field: `a\"b`},
	{name: "unknown field with an empty name", body: `{"":1}`, field: "body"},
	{name: "unknown nested field", body: `{"inner":{"count":1,"bogus":true}}`, field: "bogus", want: "unknown field"},
	{name: "unknown field inside array element", body: `{"items":[{"count":1,"extra":0}]}`, field: "extra"},
	{name: "unknown field after a known one with a type error", body: `{"colour":1,"name":2}`, field: "colour"},
	{name: "key differing only in case is unknown", body: `{"NAME":"ci"}`, field: "NAME"},
	{name: "duplicate key", body: `{"name":"a","name":"b"}`, field: "name"},
}

// decodeWrongTypes are bodies with a value of the wrong type for its field.
var decodeWrongTypes = []decodeCase{
	{name: "wrong type string", body: `{"name":5}`, field: "name", want: "a string"},
	{name: "wrong type bool", body: `{"enabled":"yes"}`, field: "enabled", want: "true or false"},
	{name: "wrong type number", body: `{"n":"7"}`, field: "n", want: "a number"},
	{name: "wrong type array", body: `{"scopes":"a b"}`, field: "scopes", want: "an array"},
	{name: "wrong type array element", body: `{"scopes":["a",1]}`, field: "scopes"},
	{name: "wrong type object", body: `{"inner":[]}`, field: "inner"},
	{name: "nested path", body: `{"inner":{"count":"two"}}`, field: "inner.count", want: "a number"},
	{name: "nested path in array element", body: `{"items":[{"count":1},{"tags":[true]}]}`, field: "items.tags"},
	{name: "fraction into integer", body: `{"n":1.5}`, field: "n"},
	{name: "huge number into integer", body: `{"n":100000000000000000000000000000}`, field: "n"},
	{name: "huge exponent into float", body: `{"ratio":1e400}`, field: "ratio"},
	{name: "custom unmarshaler problem kept", body: `{"when":"tomorrow"}`, field: "when", want: "RFC 3339"},
	{name: "custom unmarshaler wrong type", body: `{"when":5}`, field: "when"},
	{name: "map value wrong type", body: `{"labels":{"team":"x"}}`, field: "labels", want: "a number"},
	{name: "map key with format verbs", body: `{"labels":{"%d%s":"x"}}`, field: "labels", exact: "labels: must be a number"},
}

// decodeBadBodies are bodies that are no single JSON object of at most MaxBody bytes.
var decodeBadBodies = []decodeCase{
	{name: "trailing object", body: `{"name":"a"}{"name":"b"}`, field: "body", want: "single"},
	{name: "trailing garbage", body: `{"name":"a"} x`, field: "body"},
	{name: "trailing bracket", body: `{"name":"a"}]`, field: "body"},
	{name: "trailing number", body: `{} 1`, field: "body"},
	{name: "empty body", body: ``, field: "body", want: "required"},
	{name: "whitespace only", body: " \n\t ", field: "body", want: "required"},
	{name: "over MaxBody", body: `{"name":"` + strings.Repeat("a", apigw.MaxBody) + `"}`, field: "body", want: "larger"},
	{name: "over MaxBody by one byte", body: `{"name":"ci"}` + strings.Repeat(" ", apigw.MaxBody-len(`{"name":"ci"}`)+1), field: "body"},
	{name: "malformed truncated", body: `{"name":`, field: "body", want: "malformed"},
	{name: "malformed single quotes", body: `{'name':'ci'}`, field: "body", want: "malformed"},
	{name: "malformed trailing comma", body: `{"name":"ci",}`, field: "body"},
	{name: "malformed bare word", body: `name`, field: "body"},
	{name: "malformed control character in string", body: "{\"name\":\"a\x01b\"}", field: "body"},
	{name: "deeply nested arrays", body: `{"scopes":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, field: "body"},
	{name: "top-level array", body: `[]`, field: "body", want: "object"},
	{name: "top-level string", body: `"ci"`, field: "body", want: "object"},
	{name: "top-level number", body: `42`, field: "body", want: "object"},
	{name: "top-level null", body: `null`, field: "body"},
}

func TestDecodeJSON(t *testing.T) {
	for _, tt := range slices.Concat(decodeAccepted, decodeUnknownFields, decodeWrongTypes, decodeBadBodies) {
		t.Run(tt.name, func(t *testing.T) {
			var got target
			err := apigw.DecodeJSON([]byte(tt.body), &got)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("DecodeJSON: %v", err)
				}
				if tt.check != nil {
					tt.check(t, got)
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeJSON succeeded with %+v, want a problem naming %q", got, tt.field)
			}
			p := asProblem(t, err)
			if !strings.HasPrefix(p.Detail, tt.field+": ") {
				t.Errorf("detail = %q, want it to start with %q", p.Detail, tt.field+": ")
			}
			if !strings.Contains(p.Detail, tt.want) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tt.want)
			}
			if tt.exact != "" && p.Detail != tt.exact {
				t.Errorf("detail = %q, want %q", p.Detail, tt.exact)
			}
			if strings.Contains(p.Detail, "%!") {
				t.Errorf("detail %q shows a formatting error: a field name was used as a format", p.Detail)
			}
			if strings.Contains(p.Detail, "json:") || strings.Contains(p.Detail, "Go struct") {
				t.Errorf("detail %q leaks the decoder's internal message", p.Detail)
			}
		})
	}
}

// TestDecodeJSONErrorsAs checks the problems are usable with errors.As from
// a wrapped error, as the handler's error mapping uses them.
func TestDecodeJSONErrorsAs(t *testing.T) {
	var dst target
	err := apigw.DecodeJSON([]byte(`{"bogus":1}`), &dst)
	var p *apigw.Problem
	if !errors.As(errors.Join(errors.New("context"), err), &p) || p.Status != http.StatusBadRequest {
		t.Fatalf("errors.As(%v) = %+v", err, p)
	}
}

// FuzzDecodeJSON feeds arbitrary bodies to DecodeJSON: it must never panic,
// every error must be a 400 *apigw.Problem whose detail names a field,
// and anything accepted must be valid JSON within MaxBody.
func FuzzDecodeJSON(f *testing.F) {
	seeds := []string{
		`{}`,
		`{"name":"ci","enabled":true,"n":7,"ratio":0.5,"scopes":["a","b"],"inner":{"count":2,"tags":["x"]},"items":[{"count":1}],"when":"2026-11-23T19:30:00Z"}`,
		`{"name":"ci","scopes":["echo:read"],"expiresAt":null}`,
		`{"name":"ci","scopes":["echo:read"],"expiresAt":"2027-01-01T00:00:00Z","owner":"usr_0123456789ABCDEFG"}`,
		`{"status":"inactive"}`,
		`{"overlapSeconds":0}`,
		`{"name":"c`,
		`{"inner":{"count":`,
		`{"items":[{"count":1},`,
		`[` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `]`,
		`{"scopes":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
		`{"n":1e999999999}`,
		`{"n":-9223372036854775809}`,
		`{"ratio":123456789012345678901234567890.123456789e-400}`,
		`{"name":"\u0000\ud800\udfff\ufffd日本語🔑"}`,
		"{\"name\":\"\xff\xfe\"}",
		"\xef\xbb\xbf{}",
		`{"NAME":"x"}`,
		`{"name":"a","name":"b"}`,
		`{"when":"not a time"}`,
		`{"when":{}}`,
		`null`,
		`true`,
		`"string"`,
		`{} {}`,
		``,
		` `,
		`{"a\"b":1}`,
		`{"%":""}`,
		`{"":0}`,
		`{"labels":{"%d":"x","":true}}`,
		`{"inner":{"%v":1}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// A map target has no unknown fields; the same guarantees hold.
		var m map[string]any
		if err := apigw.DecodeJSON(body, &m); err != nil {
			asProblem(t, err)
		}

		var dst target
		err := apigw.DecodeJSON(body, &dst)
		if err == nil {
			if len(body) > apigw.MaxBody || !json.Valid(body) {
				t.Fatalf("accepted %q", body)
			}
			// An accepted body is an object; `null` is the one known
			// exception (see the skipped "top-level null" case).
			if b := bytes.TrimSpace(body); b[0] != '{' && string(b) != "null" {
				t.Fatalf("accepted a non-object %q", body)
			}
			return
		}
		p := asProblem(t, err)
		field, _, ok := strings.Cut(p.Detail, ": ")
		if !ok || field == "" {
			t.Fatalf("detail %q does not start with a field name", p.Detail)
		}
		if strings.Contains(p.Detail, "%!") && !bytes.Contains(body, []byte("%!")) {
			t.Fatalf("detail %q shows a formatting error", p.Detail)
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("problem does not marshal: %v", err)
		}
	})
}
