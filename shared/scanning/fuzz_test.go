package scanning_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/scanning/scanningtest"
)

// FuzzParseReports: any body is a list of valid reports or a 400 naming
// a field, never a panic, and the problem never echoes a token.
func FuzzParseReports(f *testing.F) {
	tok := "tgk_0123456789012345678901234567890123456789012abcdef"
	for _, s := range []string{
		string(scanningtest.Body(f, scanningtest.Leak(tok))),
		`[{"token":"t","type":"x","url":"u","source":"commit"}]`,
		`[]`, `[`, `{}`, `null`, `[null]`, `[1]`, `[{"token":1}]`, `[{"token":"a","Token":"b","type":"x"}]`,
		`[{"token":"a","type":"x","url":"\u202e","source":""}]`, `[{"token":"a","type":"x"}] []`,
		`[{"token":"` + strings.Repeat("a", 2000) + `","type":"x"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		reports, err := scanning.ParseReports(body)
		if err != nil {
			var p *apigw.Problem
			if !errors.As(err, &p) || p.Status != 400 || (!strings.HasPrefix(p.Detail, "body:") && !strings.HasPrefix(p.Detail, "reports[")) {
				t.Fatalf("error %v is not a 400 naming a field", err)
			}
			return
		}
		if len(reports) == 0 || len(reports) > scanning.MaxReports {
			t.Fatalf("%d reports", len(reports))
		}
		for _, r := range reports {
			if r.Token == "" || r.Type == "" {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}

// FuzzVerify: no identifier and signature header other than a true
// signature by a configured key verifies a body.
func FuzzVerify(f *testing.F) {
	gh := scanningtest.New(f, 1)
	keys, err := scanning.ParseKeys(gh.KeySet(f))
	if err != nil {
		f.Fatal(err)
	}
	body := scanningtest.Body(f, scanningtest.Leak("tgk_x"))
	good := gh.Sign(f, 0, body)
	f.Add(good[scanning.HeaderKeyID], good[scanning.HeaderSignature], body)
	f.Add(good[scanning.HeaderKeyID], good[scanning.HeaderSignature], append(body, ' '))
	f.Add("", "", body)
	f.Add(good[scanning.HeaderKeyID], "MEUCIQ==", body)
	f.Add(good[scanning.HeaderKeyID], strings.Repeat("A", 400), body)
	f.Fuzz(func(t *testing.T, keyID, sig string, b []byte) {
		err := keys.Verify(keyID, sig, b)
		if err == nil && (keyID != good[scanning.HeaderKeyID] || string(b) != string(body)) {
			t.Fatalf("verified %q %q over %q", keyID, sig, b)
		}
		if err != nil && !errors.Is(err, scanning.ErrUnknownKey) && !errors.Is(err, scanning.ErrBadSignature) {
			t.Fatalf("error %v", err)
		}
	})
}

// FuzzParseKeys: a configured key set parses or is an error, never a panic.
func FuzzParseKeys(f *testing.F) {
	f.Add(scanningtest.New(f, 2).KeySet(f))
	f.Add(`{"public_keys":[]}`)
	f.Add(`{"public_keys":[{"key_identifier":"a","key":"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		keys, err := scanning.ParseKeys(doc)
		if err == nil {
			for id, k := range keys {
				if id == "" || k == nil {
					t.Fatalf("key %q: %v", id, k)
				}
			}
		}
	})
}
