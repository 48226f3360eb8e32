package scanning

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/tollgate/tollgate/shared/apigw"
)

// MaxReports is the most tokens one request may report; a larger batch is
// refused (400) before anything is looked up.
const MaxReports = 100

// Report is one token GitHub found: the token, the token type GitHub
// matched it as (the pattern's name), the URL where it was found and the
// kind of place (content, commit, pull_request, gist, ...).
type Report struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// Bounds of a report's fields; a longer one is refused naming it.
const (
	maxToken  = 1024
	maxType   = 128
	maxURL    = 2048
	maxSource = 64
)

// ParseReports reads a request body: a JSON array of 1 to MaxReports
// reports, each with exactly the fields token, type, url and source
// (strings; token and type not empty), at most apigw.MaxBody bytes.
// Errors are problems naming the field at fault (reports[i].field); none
// echoes a token.
func ParseReports(body []byte) ([]Report, error) {
	if len(body) > apigw.MaxBody {
		return nil, apigw.Invalid("body", "larger than %d bytes", apigw.MaxBody)
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '[' {
		return nil, apigw.Invalid("body", "a JSON array of reports is required")
	}
	var raw []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, apigw.Invalid("body", "malformed JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, apigw.Invalid("body", "must hold a single JSON array")
	}
	if len(raw) == 0 || len(raw) > MaxReports {
		return nil, apigw.Invalid("body", "must report 1 to %d tokens", MaxReports)
	}
	reports := make([]Report, len(raw))
	for i, r := range raw {
		if err := apigw.DecodeJSON(r, &reports[i]); err != nil {
			var p *apigw.Problem
			if errors.As(err, &p) {
				p.Detail = "reports[" + strconv.Itoa(i) + "]." + p.Detail
			}
			return nil, err
		}
		if err := reports[i].valid(i); err != nil {
			return nil, err
		}
	}
	return reports, nil
}

// valid checks a decoded report's fields.
func (r Report) valid(i int) error {
	field := func(name string) string { return "reports[" + strconv.Itoa(i) + "]." + name }
	for _, f := range []struct {
		name, value string
		max         int
		required    bool
	}{
		{"token", r.Token, maxToken, true},
		{"type", r.Type, maxType, true},
		{"url", r.URL, maxURL, false},
		{"source", r.Source, maxSource, false},
	} {
		switch {
		case f.required && f.value == "":
			return apigw.Invalid(field(f.name), "required")
		case len(f.value) > f.max:
			return apigw.Invalid(field(f.name), "longer than %d bytes", f.max)
		case !plain(f.value):
			return apigw.Invalid(field(f.name), "must be valid UTF-8 without control or format characters")
		}
	}
	return nil
}

// plain reports whether s is valid UTF-8 without control or format
// characters (which would let a report forge log lines or hide text).
func plain(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			return false
		}
	}
	return true
}
