package devstack

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

func TestMatch(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abc/local/GET/v1/keys/k1"
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"a", "", false},
		{"*", "", true},
		{"*", arn, true},
		{"**", arn, true},
		{"?", "", false},
		{"?", "a", true},
		{"?", "é", true}, // one character, two bytes
		{"??", "é", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{arn, arn, true},
		{arn + "x", arn, false},
		{arn[:len(arn)-1], arn, false},
		{"arn:aws:execute-api:us-east-1:123456789012:abc/local/*", arn, true},
		{"arn:aws:execute-api:*:*:abc/*/GET/v1/keys/*", arn, true},
		{"arn:aws:execute-api:*", arn, true}, // '*' crosses ':' and '/'
		{"*/GET/*", arn, true},               // ... and matches in the middle
		{"*/POST/*", arn, false},             // ... but not a different method
		{"*/GET/v1/keys/k?", arn, true},      // '?' is one character
		{"*/GET/v1/keys/k??", arn, false},    // not zero
		{"*/GET/v1/keys", arn, false},        // no implicit prefix match
		{"*/get/v1/keys/*", arn, false},      // case-sensitive
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "abcabc", true},
		{"a*b*c", "acb", false},
		{"*a", "bba", true},
		{"*a", "bab", false},
		{"a*", "a", true},
		{"*ab*", "aab", true},
		{"*?", "", false},
		{"*?*", "x", true},
		{"[a]", "a", false}, // no character classes: '[' is literal
		{"[a]", "[a]", true},
		{"\\*", "*", false}, // no escaping: '\' is literal
		{"\\*", "\\anything", true},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestMatchPathological checks patterns that make a backtracking matcher
// exponential finish quickly here.
func TestMatchPathological(t *testing.T) {
	long := strings.Repeat("a", 100_000)
	tests := []struct {
		name, pattern, s string
		want             bool
	}{
		{"30 stars, no match", strings.Repeat("*a", 30) + "b", long, false},
		{"30 stars, match", strings.Repeat("*a", 30), long, true},
		{"stars and ?, no match", strings.Repeat("*?", 30) + "b", long, false},
		{"long ARN-like string", "arn:aws:execute-api:*" + strings.Repeat("*/", 30) + "x", "arn:aws:execute-api:" + strings.Repeat("a/", 50_000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			if got := match(tt.pattern, tt.s); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:api/local/GET/v1/keys/k1"
	doc := func(st ...events.IAMPolicyStatement) events.APIGatewayCustomAuthorizerPolicy {
		return events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: st}
	}
	multi := events.IAMPolicyStatement{
		Action:   []string{"s3:GetObject", "execute-api:Invoke"},
		Effect:   "Allow",
		Resource: []string{"arn:aws:execute-api:us-east-1:123456789012:api/local/POST/*", arn},
	}
	tests := []struct {
		name    string
		doc     events.APIGatewayCustomAuthorizerPolicy
		want    decision
		wantErr bool
	}{
		{"empty", doc(), implicitDeny, false},
		{"allow", doc(statement("execute-api:Invoke", "Allow", arn)), allowed, false},
		{"several actions and resources", doc(multi), allowed, false},
		{"no action", doc(events.IAMPolicyStatement{Effect: "Allow", Resource: []string{arn}}), implicitDeny, false},
		{"no resource", doc(events.IAMPolicyStatement{Effect: "Allow", Action: []string{"*"}}), implicitDeny, false},
		{"deny after allow", doc(statement("*", "Allow", "*"), statement("execute-api:Invoke", "Deny", arn)), explicitDeny, false},
		{"deny before allow", doc(statement("execute-api:Invoke", "Deny", "*"), statement("*", "Allow", arn)), explicitDeny, false},
		{"deny of another action", doc(statement("execute-api:ManageConnections", "Deny", "*"), statement("*", "Allow", arn)), allowed, false},
		{"action wildcard in the name", doc(statement("execute-api:Inv*", "Allow", arn)), allowed, false},
		{"bad effect", doc(statement("*", "", arn)), implicitDeny, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evaluate(tt.doc, arn)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("evaluate = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// FuzzMatch checks match against a regular expression (RE2, linear time)
// built from the same pattern, and that it never panics.
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"", ""},
		{"*", "anything"},
		{"?", "é"},
		{"a*b?c", "aXXbYc"},
		{"arn:aws:execute-api:*:*:api/local/GET/v1/keys/*", "arn:aws:execute-api:us-east-1:123456789012:api/local/GET/v1/keys/k1"},
		{"*/GET/v1/keys/k??", "arn:aws:execute-api:r:a:api/local/GET/v1/keys/k1"},
		{strings.Repeat("*a", 30) + "b", strings.Repeat("a", 200)},
		{"**??**", "ab"},
		{"日*語", "日本語"},
		{"\xff*", "\xff\xfe"},
		{"*\n", "a\n"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := match(pattern, s)
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 200 {
			return // the oracle works on characters; invalid UTF-8 only has to not panic
		}
		var re strings.Builder
		re.WriteString(`(?s)\A`)
		for _, r := range pattern {
			switch r {
			case '*':
				re.WriteString(`.*`)
			case '?':
				re.WriteString(`.`)
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString(`\z`)
		if want := regexp.MustCompile(re.String()).MatchString(s); got != want {
			t.Errorf("match(%q, %q) = %v, regexp %s says %v", pattern, s, got, re.String(), want)
		}
	})
}
