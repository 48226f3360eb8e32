package sas

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sn64 is a well-formed signature field: any 64 bytes in padded base64.
var sn64 = base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\xfb\xef\xbe", 21) + "\xff"))

type parseCase struct {
	name   string
	header string
	why    string // a part of the error text naming the reason
}

// refusals are headers Parse must refuse; FuzzParse seeds with them too.
func refusals() []parseCase {
	const (
		uid = "uid=" + kaIdentifier
		ex  = "ex=" + kaExpiry
		sn  = "sn=" + kaSignature
		pre = Scheme + " "
	)
	ok := func(fields ...string) string { return pre + strings.Join(fields, "&") }
	b64 := base64.StdEncoding.EncodeToString
	badPadding := kaSignature[:85] + "x==" // "zw==" → "xw==": non-zero padding bits
	return []parseCase{
		{"empty", "", "must start with"},
		{"scheme only", Scheme, "must start with"},
		{"scheme and a space only", pre, "name=value"},
		{"scheme without space", Scheme + uid + "&" + ex + "&" + sn, "must start with"},
		{"two spaces", Scheme + "  " + uid + "&" + ex + "&" + sn, "more than one space"},
		{"tab for space", Scheme + "\t" + uid + "&" + ex + "&" + sn, "must start with"},
		{"no-break space for space", Scheme + "\u00a0" + uid + "&" + ex + "&" + sn, "must start with"},
		{"other scheme", "Bearer " + uid + "&" + ex + "&" + sn, "must start with"},
		{"scheme prefix only", "SharedAccess " + uid + "&" + ex + "&" + sn, "must start with"},
		{"long s folds to s outside ASCII", "\u017fharedAccessSignature " + uid + "&" + ex + "&" + sn, "must start with"},
		{"leading space", " " + kaHeader, "must start with"},
		{"missing uid", ok(ex, sn), "in that order"},
		{"missing ex", ok(uid, sn), "in that order"},
		{"missing sn", ok(uid, ex), "missing field"},
		{"only uid", ok(uid), "missing field"},
		{"duplicate uid", ok(uid, uid, ex, sn), "duplicate"},
		{"duplicate ex", ok(uid, ex, ex, sn), "duplicate"},
		{"duplicate sn", ok(uid, ex, sn, sn), "duplicate"},
		{"extra field at the end", ok(uid, ex, sn, "sr=x"), "unknown field"},
		{"extra field at the start", ok("sig=x", uid, ex, sn), "unknown field"},
		{"extra field in the middle", ok(uid, "skn=x", ex, sn), "unknown field"},
		{"upper-case field name", ok("UID="+kaIdentifier, ex, sn), "unknown field"},
		{"field name with a space", ok("uid ="+kaIdentifier, ex, sn), "unknown field"},
		{"empty uid", ok("uid=", ex, sn), "empty field value"},
		{"empty ex", ok(uid, "ex=", sn), "empty field value"},
		{"empty sn", ok(uid, ex, "sn="), "empty field value"},
		{"order ex uid sn", ok(ex, uid, sn), "in that order"},
		{"order uid sn ex", ok(uid, sn, ex), "in that order"},
		{"order sn ex uid", ok(sn, ex, uid), "in that order"},
		{"trailing &", ok(uid, ex, sn) + "&", "name=value"},
		{"leading &", pre + "&" + uid + "&" + ex + "&" + sn, "name=value"},
		{"&& in the middle", ok(uid, "", ex, sn), "name=value"},
		{"field without =", ok(uid, ex, "sn"), "name=value"},
		{"semicolons", pre + uid + ";" + ex + ";" + sn, "missing field"},
		{"one + turned into a space", ok(uid, ex, "sn="+strings.Replace(sn64, "+", " ", 1)), "sn must be"},
		{"+ turned into a space", ok(uid, ex, "sn="+strings.ReplaceAll(sn64, "+", " ")), "sn must be"},
		{"+ percent-encoded", ok(uid, ex, "sn="+strings.ReplaceAll(sn64, "+", "%2B")), "sn must be"},
		{"/ percent-encoded", ok(uid, ex, "sn="+strings.ReplaceAll(kaSignature, "/", "%2F")), "sn must be"},
		{"= percent-encoded", ok(uid, ex, "sn="+strings.TrimSuffix(kaSignature, "==")+"%3D%3D"), "sn must be"},
		{"base64url", ok(uid, ex, "sn="+base64.URLEncoding.EncodeToString([]byte(strings.Repeat("\xfb\xff", 32)))), "sn must be"},
		{"bad base64 character", ok(uid, ex, "sn=!"+kaSignature[1:]), "sn must be"},
		{"unpadded", ok(uid, ex, "sn="+strings.TrimSuffix(kaSignature, "==")), "sn must be"},
		{"non-zero padding bits", ok(uid, ex, "sn="+badPadding), "sn must be"},
		{"newline inside sn", ok(uid, ex, "sn="+kaSignature[:40]+"\n"+kaSignature[41:]), "sn must be"},
		{"CRLF after sn", ok(uid, ex, sn) + "\r\n", "sn must be"},
		{"space after sn", ok(uid, ex, sn) + " ", "sn must be"},
		{"sn of 63 bytes", ok(uid, ex, "sn="+b64(make([]byte, 63))), "sn must be"},
		{"sn of 65 bytes", ok(uid, ex, "sn="+b64(make([]byte, 65))), "sn must be"},
		{"sn of 32 bytes", ok(uid, ex, "sn="+b64(make([]byte, 32))), "sn must be"},
		{"sn of 64 bytes twice", ok(uid, ex, sn+kaSignature), "sn must be"},
		{"newline in uid", ok("uid=53d7e14a\n2014", ex, sn), "uid must be"},
		{"CR in uid", ok("uid=53d7e14a\r", ex, sn), "uid must be"},
		{"= in uid", ok("uid=a=b", ex, sn), "uid must be"},
		{"space in uid", ok("uid=a b", ex, sn), "uid must be"},
		{"slash in uid", ok("uid=a/b", ex, sn), "uid must be"},
		{"percent in uid", ok("uid=a%0A", ex, sn), "uid must be"},
		{"non-ASCII uid", ok("uid=caf\u00e9", ex, sn), "uid must be"},
		{"NUL in uid", ok("uid=a\x00", ex, sn), "uid must be"},
		{"65-character uid", ok("uid="+strings.Repeat("a", 65), ex, sn), "uid must be"},
		{"& in uid splits the fields", pre + "uid=a&b&" + ex + "&" + sn, "name=value"},
		{"bad expiry", ok(uid, "ex=tomorrow", sn), "expiry must be"},
		{"expiry with 8 fractional digits", ok(uid, "ex=2014-08-04T22:03:00.00000000Z", sn), "expiry must be"},
		{"expiry without Z", ok(uid, "ex=2014-08-04T22:03:00.0000000", sn), "expiry must be"},
		{"expiry 02/30", ok(uid, "ex=02/30/2014 1:00 PM", sn), "not a real date"},
		{"percent-encoded expiry", ok(uid, "ex=2014-08-04T22%3A03%3A00.0000000Z", sn), "expiry must be"},
		{"plus-encoded portal expiry", ok(uid, "ex=8/4/2014+10:03+PM", sn), "expiry must be"},
		{"non-ASCII digit in expiry", ok(uid, "ex=２014-08-04T22:03:00Z", sn), "expiry must be"},
		{"over-long header", pre + strings.Repeat("a", MaxLen), "longer than"},
		{"over-long by one byte", kaHeader + strings.Repeat(" ", MaxLen-len(kaHeader)+1), "longer than"},
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range refusals() {
		t.Run(c.name, func(t *testing.T) {
			tok, err := Parse(c.header)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), c.why) {
				t.Fatalf("Parse = %q, want a reason with %q", err, c.why)
			}
			if !reflect.DeepEqual(tok, Token{}) {
				t.Fatalf("refused header returned %#v", tok)
			}
			checkErrorText(t, err)
		})
	}
}

func TestParseAccepts(t *testing.T) {
	const tail = "&ex=" + kaExpiry + "&sn=" + kaSignature
	cases := []struct {
		name, header, uid, ex string
		at                    time.Time
	}{
		{"known answer", kaHeader, kaIdentifier, kaExpiry, kaExpiresAt},
		{"lower-case scheme", "sharedaccesssignature uid=" + kaIdentifier + tail, kaIdentifier, kaExpiry, kaExpiresAt},
		{"upper-case scheme", "SHAREDACCESSSIGNATURE uid=" + kaIdentifier + tail, kaIdentifier, kaExpiry, kaExpiresAt},
		{"Azure's integration identifier", Scheme + " uid=integration" + tail, "integration", kaExpiry, kaExpiresAt},
		{"identifier of every allowed kind", Scheme + " uid=A-z_0.9" + tail, "A-z_0.9", kaExpiry, kaExpiresAt},
		{"64-character identifier", Scheme + " uid=" + strings.Repeat("f", 64) + tail, strings.Repeat("f", 64), kaExpiry, kaExpiresAt},
		{"one-character identifier", Scheme + " uid=1" + tail, "1", kaExpiry, kaExpiresAt},
		{"expiry with an offset, kept raw", Scheme + " uid=a&ex=2014-08-05T00:03:00+02:00&sn=" + sn64, "a", "2014-08-05T00:03:00+02:00", kaExpiresAt},
		{"expiry as the portal takes it, kept raw", Scheme + " uid=a&ex=8/4/2014 10:03 PM&sn=" + sn64, "a", "8/4/2014 10:03 PM", kaExpiresAt},
		{"RFC 3339 without fraction", Scheme + " uid=a&ex=2014-08-04T22:03:00Z&sn=" + sn64, "a", "2014-08-04T22:03:00Z", kaExpiresAt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok, err := Parse(c.header)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if tok.Identifier != c.uid || tok.Expiry != c.ex || !tok.ExpiresAt.Equal(c.at) || len(tok.Signature) != SignatureLen {
				t.Fatalf("Parse = %#v (ExpiresAt %v)", tok, tok.ExpiresAt)
			}
		})
	}
	// Exactly MaxLen bytes is still read (and refused only for its content).
	long := Scheme + " uid=a&ex=" + kaExpiry + "&sn=" + sn64
	if _, err := Parse(long + strings.Repeat("=", MaxLen-len(long))); errors.Is(err, errTooLong) {
		t.Fatal("a MaxLen-byte header was refused for its length")
	}
}

func TestParseRejectDoesNotAllocate(t *testing.T) {
	for _, c := range refusals() {
		if n := testing.AllocsPerRun(20, func() { _, _ = Parse(c.header) }); n != 0 {
			t.Errorf("%s: Parse allocates %v times", c.name, n)
		}
	}
}
