package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/secret"
)

// refusalLine is what a test reads of a refusal's log line.
type refusalLine struct {
	Msg        string `json:"msg"`
	Reason     string `json:"reason"`
	Credential string `json:"credential"`
	Method     string `json:"method"`
	Resource   string `json:"resource"`
	Suppressed *int64 `json:"suppressed"`
}

// TestRefusalLogsSampled: a flood of refusals logs, per reason, the first
// RefusalLinesPerSecond lines of each second (by the authorizer's clock)
// and counts the rest, which the next line logged for that reason reports;
// a held-back refusal is still Unauthorized, and no line holds a secret.
func TestRefusalLogsSampled(t *testing.T) {
	f := newFixture(t, false, nil)
	var logs bytes.Buffer
	a := authorizer.New(f.store, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second,
		Routes: access.NewTable(access.Routes), Clock: f.clock, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	const garbage = "tgk_s3cr3tbutmalformed"
	unknown, _ := secret.Generate("", secret.PrefixAPIKey) // well formed, in no record
	malformed := whoami(map[string]string{"x-api-key": garbage})
	n := authorizer.RefusalLinesPerSecond
	suppressed := func(n int64) *int64 { return &n }
	steps := []struct {
		name    string
		advance time.Duration
		req     events.APIGatewayCustomAuthorizerRequestTypeRequest
		times   int
		want    []refusalLine // the lines these requests log
	}{
		{"the first line is logged", 0, malformed, 1, []refusalLine{
			{Msg: "authorizer: unauthorized", Reason: "malformed credential", Method: "GET", Resource: "/v1/whoami"}}},
		{"a flood: lines up to the rate, the rest held back", 0, malformed, n + 24,
			repeat(refusalLine{Msg: "authorizer: unauthorized", Reason: "malformed credential", Method: "GET", Resource: "/v1/whoami"}, n-1)},
		{"another reason is sampled apart", 0, whoami(nil), 1, []refusalLine{
			{Msg: "authorizer: unauthorized", Reason: "no single credential presented", Method: "GET", Resource: "/v1/whoami"}}},
		{"the unknown credential is named by its hint", 0, whoami(map[string]string{"x-api-key": unknown}), 1, []refusalLine{
			{Msg: "authorizer: unauthorized", Reason: "unknown, invalid, revoked or orphaned credential", Credential: secret.Hint(unknown),
				Method: "GET", Resource: "/v1/whoami"}}},
		{"still the same second", 999 * time.Millisecond, malformed, 1, nil},
		{"the next second reports the held-back lines", time.Millisecond, malformed, 1, []refusalLine{
			{Msg: "authorizer: unauthorized", Reason: "malformed credential", Method: "GET", Resource: "/v1/whoami", Suppressed: suppressed(26)}}},
		{"then counts from zero", 0, malformed, 1, []refusalLine{
			{Msg: "authorizer: unauthorized", Reason: "malformed credential", Method: "GET", Resource: "/v1/whoami"}}},
		{"a clock set back starts a second", -time.Hour, malformed, n, repeat(
			refusalLine{Msg: "authorizer: unauthorized", Reason: "malformed credential", Method: "GET", Resource: "/v1/whoami"}, n)},
	}
	for _, s := range steps {
		f.clock.Advance(s.advance)
		logs.Reset()
		for range s.times {
			if _, err := a.Handle(context.Background(), s.req); !errors.Is(err, authorizer.ErrUnauthorized) || err.Error() != "Unauthorized" {
				t.Fatalf("%s: err = %v, want Unauthorized", s.name, err)
			}
		}
		if strings.Contains(logs.String(), garbage) || strings.Contains(logs.String(), unknown) {
			t.Fatalf("%s: a line holds the token:\n%s", s.name, logs.String())
		}
		var got []refusalLine
		dec := json.NewDecoder(&logs)
		for dec.More() {
			var l refusalLine
			if err := dec.Decode(&l); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			got = append(got, l)
		}
		if !reflect.DeepEqual(got, s.want) {
			t.Fatalf("%s: logged %+v, want %+v", s.name, got, s.want)
		}
	}
}

// repeat is n copies of l.
func repeat(l refusalLine, n int) []refusalLine {
	out := make([]refusalLine, n)
	for i := range out {
		out[i] = l
	}
	return out
}
