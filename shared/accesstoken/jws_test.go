package accesstoken

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestJWSReaderObject(t *testing.T) {
	r := NewJWSReader(ErrMalformed, MaxTokenLen, 4)
	cases := []struct {
		in   string
		want string // name=value; per member
		err  error
	}{
		{`{}`, "", nil},
		{` {"a" : 1 ,"b":"x\u0041", "c":[1,{"d":2}]} `, `a=1;b="x\u0041";c=[1,{"d":2}];`, nil},
		{`{"a:b":"c:d,}","e":{"f":[]}}`, `a:b="c:d,}";e={"f":[]};`, nil},
		{`{"x":[{"a":1},{"a":1}]}`, `x=[{"a":1},{"a":1}];`, nil},
		{`{"x":[[[1]]]}`, `x=[[[1]]];`, nil},
		{`{"a":"\ud83d\ude00\\ud800"}`, `a="\ud83d\ude00\\ud800";`, nil},
		{`{"a":1,"a":2}`, "", r.errDup},
		{`{"a":1,"\u0061":2}`, "", r.errDup},
		{`{"x":{"a":1,"b":[{"c":1,"c":2}]}}`, "", r.errDup},
		{`{"x":[[[[1]]]]}`, "", r.errDepth},
		{`{"a":"\ud83d"}`, "", r.errJSON},
		{`{"a":"\ude00"}`, "", r.errJSON},
		{`{"a":"\ud83d\u0041"}`, "", r.errJSON},
		{"{\"a\":\"\xff\"}", "", r.errJSON},
		{`{"a":1}{}`, "", r.errJSON},
		{`{"a":1,}`, "", r.errJSON},
		{`["a"]`, "", r.errJSON},
		{`"a"`, "", r.errJSON},
		{``, "", r.errJSON},
	}
	for _, c := range cases {
		got := ""
		err := r.Object([]byte(c.in), func(name string, v []byte) error {
			got += name + "=" + string(v) + ";"
			return nil
		})
		if err != c.err || (err == nil && got != c.want) {
			t.Errorf("Object(%s) read %s, %v; want %s, %v", c.in, got, err, c.want, c.err)
		}
	}
	stop := errors.New("stop")
	if err := r.Object([]byte(`{"a":1}`), func(string, []byte) error { return stop }); err != stop {
		t.Errorf("member's error: %v", err)
	}
}

// FuzzJWSObject: Object accepts only objects encoding/json reads with the
// same members, none twice, in valid UTF-8, and hands over each value as
// encoding/json reads it.
func FuzzJWSObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[{"c":"\u00e9"}]}`, `{"a":1,"\u0061":2}`, `{"a":"\ud83d"}`,
		`{"a":"x\\"}`, `{"x":[[[1]]]}`, `{"a":{"b":1,"b":2}}`, `{"a":1}{}`, claimsJSON(nil)} {
		f.Add(s)
	}
	r := NewJWSReader(ErrMalformed, MaxTokenLen, 8)
	f.Fuzz(func(t *testing.T, s string) {
		values := map[string][]byte{}
		n := 0
		err := r.Object([]byte(s), func(name string, v []byte) error {
			values[name] = v
			n++
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil || !utf8.ValidString(s) {
			t.Fatalf("accepted what encoding/json reads as %v, %v", m, err)
		}
		if len(m) != n || len(values) != n {
			t.Fatalf("%d members handed over, encoding/json reads %d", n, len(m))
		}
		for name, raw := range m {
			if !bytes.Equal(raw, values[name]) {
				t.Fatalf("%q: value %s, encoding/json %s", name, values[name], raw)
			}
		}
	})
}
