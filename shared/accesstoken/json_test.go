package accesstoken

import "testing"

func TestParseHeader(t *testing.T) {
	cases := []struct {
		in   string
		want header
		err  error
	}{
		{`{"alg":"ES256","kid":"k","typ":"at+jwt"}`, header{"ES256", "k", "at+jwt", true, true, true}, nil},
		{`{}`, header{}, nil},
		{` {"typ":"t"} `, header{typ: "t", hasTyp: true}, nil},
		{`{"alg":"a",}`, header{}, errHeaderJSON},
		{`{"alg":"a""kid":"k"}`, header{}, errHeaderJSON},
		{`{"alg":"a"`, header{}, errHeaderJSON},
		{`{"alg" "a"}`, header{}, errHeaderJSON},
		{`{"alg":null}`, header{}, errHeaderJSON},
		{`{"alg":1}`, header{}, errHeaderJSON},
		{`{"alg":"a","alg":"a"}`, header{}, errHeaderDup},
		{`{"jwk":{}}`, header{}, errHeaderMember},
		{`{"Alg":"ES256"}`, header{}, errHeaderMember},
		{`{"alg":"a"}}`, header{}, errHeaderJSON},
		{``, header{}, errHeaderJSON},
		{`null`, header{}, errHeaderJSON},
	}
	for _, c := range cases {
		got, err := parseHeader(c.in)
		if err != c.err || (err == nil && got != c.want) {
			t.Errorf("parseHeader(%s) = %+v, %v; want %+v, %v", c.in, got, err, c.want, c.err)
		}
	}
}
