package dynamo

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/tollgate/tollgate/shared/secret"
)

// item is a table item, or a key of one, as the SDK reads and writes it.
type item = map[string]types.AttributeValue

func pk(projectID string, parts ...string) string {
	return "P#" + projectID + "#" + strings.Join(parts, "#")
}

func key(pkValue, sk string) item {
	return item{
		AttrPK: &types.AttributeValueMemberS{Value: pkValue},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// decode decodes av into an I, one of this package's item types, and
// converts that with from.
func decode[I, T any](av item, from func(I) (T, error)) (T, error) {
	var it I
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		var zero T
		return zero, fmt.Errorf("decoding %T: %w", it, err)
	}
	return from(it)
}

// decodeEach decodes every item of avs.
func decodeEach[I, T any](avs []item, from func(I) (T, error)) ([]T, error) {
	out := make([]T, len(avs))
	for i, av := range avs {
		var err error
		if out[i], err = decode(av, from); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// stringAttr returns av's string attribute name; "" if it has none.
func stringAttr(av item, name string) string {
	if v, ok := av[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// lastSegment returns what follows the last '#' of a key.
func lastSegment(k string) (string, bool) {
	i := strings.LastIndexByte(k, '#')
	if i < 0 || i == len(k)-1 {
		return "", false
	}
	return k[i+1:], true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// hashString is a hash as stored; "" for the zero hash.
func hashString(h secret.Hash) string {
	if h == (secret.Hash{}) {
		return ""
	}
	return h.String()
}

// timeFormat is fixed-width so stored times sort as strings.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }

func formatOptTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

// parser parses an item's stored times and hashes, keeping the first
// error.
type parser struct{ err error }

func (p *parser) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// time parses a time.
func (p *parser) time(s string) time.Time {
	t, err := parseTime(s)
	p.fail(err)
	return t
}

// optTime parses a time that may be absent ("").
func (p *parser) optTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := p.time(s)
	return &t
}

// timeOrZero parses a time that is the zero time when absent ("").
func (p *parser) timeOrZero(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return p.time(s)
}

// hash parses a hash; "" is the zero hash.
func (p *parser) hash(s string) secret.Hash {
	var h secret.Hash
	if s == "" {
		return h
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		p.fail(errors.New("bad stored hash"))
		return h
	}
	copy(h[:], b)
	return h
}
