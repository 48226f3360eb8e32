package devstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tollgate/tollgate/shared/access"

	"github.com/aws/aws-lambda-go/events"
)

// invokeAction is the IAM action a Lambda authorizer's policy must allow.
const invokeAction = "execute-api:Invoke"

// decision is the outcome of evaluating an authorizer's policy.
type decision int

const (
	implicitDeny decision = iota // no statement allows the request
	allowed                      // an Allow matches and no Deny does
	explicitDeny                 // a Deny matches
)

// errBadPolicy marks an authorizer answer API Gateway refuses to use
// (AuthorizerConfigurationException).
var errBadPolicy = errors.New("invalid authorizer response")

// evaluate applies IAM semantics to doc for the request methodARN: an
// explicit Deny anywhere wins, then any Allow, otherwise an implicit deny.
// Actions match case-insensitively (IAM action names do), resources
// case-sensitively; both accept the '*' and '?' wildcards.
func evaluate(doc events.APIGatewayCustomAuthorizerPolicy, methodARN string) (decision, error) {
	d := implicitDeny
	for i, st := range doc.Statement {
		var deny bool
		switch {
		case strings.EqualFold(st.Effect, "Deny"):
			deny = true
		case strings.EqualFold(st.Effect, "Allow"):
		default:
			return implicitDeny, fmt.Errorf("%w: statement %d has effect %q", errBadPolicy, i, st.Effect)
		}
		if !matchesAny(st.Action, invokeAction, true) || !matchesAny(st.Resource, methodARN, false) {
			continue
		}
		if deny {
			return explicitDeny, nil
		}
		d = allowed
	}
	return d, nil
}

func matchesAny(patterns []string, s string, fold bool) bool {
	if fold {
		s = strings.ToLower(s)
	}
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		if match(p, s) {
			return true
		}
	}
	return false
}

// match reports whether s matches pattern, in which '*' matches any run of
// characters (including none, '/' and ':') and '?' exactly one character;
// every other byte matches itself. It runs in O(len(pattern)·len(s)) time
// at worst and never recurses: on a mismatch it resumes after the last
// star, one character further into s.
func match(pattern, s string) bool {
	p, t := 0, 0
	star, mark := -1, 0 // position after the last '*' in pattern; where it resumes in s
	for t < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; c {
			case '*':
				p++
				star, mark = p, t
				continue
			case '?':
				_, w := utf8.DecodeRuneInString(s[t:])
				p++
				t += w
				continue
			default:
				if c == s[t] {
					p++
					t++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[mark:])
		mark += w
		p, t = star, mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// authorizerContext turns the authorizer's context into the map a function
// sees as requestContext.authorizer: it goes through JSON as it does on the
// wire, numbers and booleans become strings, and any other value (object,
// array, null) is refused, as API Gateway refuses it. A context of valid
// UTF-8 names with string and boolean values (Tollgate's) is copied as
// JSON would leave it, without encoding it.
func authorizerContext(resp events.APIGatewayCustomAuthorizerResponse) (map[string]any, error) {
	out, ok := plainContext(resp.Context)
	if !ok {
		var err error
		if out, err = jsonContext(resp.Context); err != nil {
			return nil, err
		}
	}
	out["principalId"] = wire(resp.PrincipalID)
	return out, nil
}

// plainContext is authorizerContext for a context whose names are valid
// UTF-8 and whose values are strings or booleans; false for any other.
func plainContext(c map[string]any) (map[string]any, bool) {
	out := make(map[string]any, len(c)+2)
	for k, v := range c {
		if !utf8.ValidString(k) {
			return nil, false
		}
		switch v := v.(type) {
		case string:
			out[k] = wire(v)
		case bool:
			out[k] = strconv.FormatBool(v)
		default:
			return nil, false
		}
	}
	return out, true
}

// jsonContext is authorizerContext for any context, through JSON.
func jsonContext(c map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if len(c) == 0 {
		return out, nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("%w: context: %v", errBadPolicy, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: context: %v", errBadPolicy, err)
	}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			out[k] = strconv.FormatBool(v)
		default:
			return nil, fmt.Errorf("%w: context value %q is %T, not a string, number or boolean", errBadPolicy, k, v)
		}
	}
	return out, nil
}

// accessDenied is the 403 for decision d with the authorizer's context
// ctx, mapped as the Tollgate API maps it (infra/stack's
// AddAccessDeniedResponse): the body's message and, when the context has
// them, the headers of access.DeniedHeaders. A context without a message
// (another authorizer's) gets API Gateway's own.
func accessDenied(d decision, ctx map[string]any) *gatewayResponse {
	gr := denied
	if d == explicitDeny {
		gr = deniedExplicitly
	}
	if msg, _ := ctx[access.ContextMessage].(string); msg != "" {
		body, _ := json.Marshal(map[string]string{"message": msg})
		gr.body = string(body)
	}
	for header, k := range access.DeniedHeaders {
		if v, _ := ctx[k].(string); v != "" {
			if gr.headers == nil {
				gr.headers = map[string]string{}
			}
			gr.headers[header] = v
		}
	}
	return &gr
}
