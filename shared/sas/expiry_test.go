package sas

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseExpiry(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	kaTime := utc(2014, 8, 4, 22, 3, 0, 0)
	cases := []struct {
		name string
		in   string
		want time.Time
	}{
		{".NET round-trip", "2014-08-04T22:03:00.0000000Z", kaTime},
		{".NET round-trip, ticks", "2020-10-02T15:11:42.0713427Z", utc(2020, 10, 2, 15, 11, 42, 71342700)},
		{".NET round-trip, local kind", "2014-08-05T00:03:00.0000000+02:00", kaTime},
		{"RFC 3339 Z", "2014-08-04T22:03:00Z", kaTime},
		{"RFC 3339 one fractional digit", "2014-08-04T22:03:00.5Z", utc(2014, 8, 4, 22, 3, 0, 500000000)},
		{"RFC 3339 positive offset", "2014-08-05T00:03:00+02:00", kaTime},
		{"RFC 3339 negative offset", "2014-08-04T17:03:00-05:00", kaTime},
		{"RFC 3339 offset with minutes", "2014-08-05T07:48:00+09:45", kaTime},
		{"RFC 3339 +00:00", "2014-08-04T22:03:00+00:00", kaTime},
		{"RFC 3339 -00:00", "2014-08-04T22:03:00-00:00", kaTime},
		{"RFC 3339 offset crosses a year", "2014-12-31T23:30:00-01:00", utc(2015, 1, 1, 0, 30, 0, 0)},
		{"leap day", "2016-02-29T00:00:00Z", utc(2016, 2, 29, 0, 0, 0, 0)},
		{"leap day of a 400th year", "2000-02-29T00:00:00Z", utc(2000, 2, 29, 0, 0, 0, 0)},
		{"last .NET instant", "9999-12-31T23:59:59.9999999Z", utc(9999, 12, 31, 23, 59, 59, 999999900)},
		{"first .NET instant", "0001-01-01T00:00:00Z", utc(1, 1, 1, 0, 0, 0, 0)},
		{"portal PM", "08/04/2014 10:03 PM", kaTime},
		{"portal one-digit month and day", "8/4/2014 10:03 PM", kaTime},
		{"portal one-digit hour", "8/4/2014 9:03 AM", utc(2014, 8, 4, 9, 3, 0, 0)},
		{"portal two-digit hour with zero", "08/04/2014 09:03 AM", utc(2014, 8, 4, 9, 3, 0, 0)},
		{"portal 12:00 AM is midnight", "8/4/2014 12:00 AM", utc(2014, 8, 4, 0, 0, 0, 0)},
		{"portal 12:59 AM", "8/4/2014 12:59 AM", utc(2014, 8, 4, 0, 59, 0, 0)},
		{"portal 12:00 PM is noon", "8/4/2014 12:00 PM", utc(2014, 8, 4, 12, 0, 0, 0)},
		{"portal 1:00 PM", "8/4/2014 1:00 PM", utc(2014, 8, 4, 13, 0, 0, 0)},
		{"portal 11:59 PM", "12/31/2014 11:59 PM", utc(2014, 12, 31, 23, 59, 0, 0)},
		{"portal leap day", "2/29/2016 1:00 AM", utc(2016, 2, 29, 1, 0, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseExpiry(c.in)
			if err != nil {
				t.Fatalf("ParseExpiry(%q) = %v", c.in, err)
			}
			if !got.Equal(c.want) || got.Location() != time.UTC {
				t.Fatalf("ParseExpiry(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestParseExpiryRefuses(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"8 fractional digits", "2014-08-04T22:03:00.00000000Z"},
		{"9 fractional digits", "2014-08-04T22:03:00.000000000Z"},
		{"empty fraction", "2014-08-04T22:03:00.Z"},
		{".NET form without Z", "2014-08-04T22:03:00.0000000"},
		{"no offset", "2014-08-04T22:03:00"},
		{"lower-case t", "2014-08-04t22:03:00Z"},
		{"lower-case z", "2014-08-04T22:03:00z"},
		{"space for T", "2014-08-04 22:03:00Z"},
		{"no seconds", "2014-08-04T22:03Z"},
		{"comma fraction", "2014-08-04T22:03:00,5Z"},
		{"offset without colon", "2014-08-04T22:03:00+0200"},
		{"offset hours only", "2014-08-04T22:03:00+02"},
		{"offset 24 hours", "2014-08-04T22:03:00+24:00"},
		{"offset 60 minutes", "2014-08-04T22:03:00+02:60"},
		{"Z and offset", "2014-08-04T22:03:00Z+02:00"},
		{"02-30", "2014-02-30T00:00:00Z"},
		{"02-29 of a common year", "2015-02-29T00:00:00Z"},
		{"02-29 of a century", "1900-02-29T00:00:00Z"},
		{"04-31", "2014-04-31T00:00:00Z"},
		{"month 13", "2014-13-01T00:00:00Z"},
		{"month 0", "2014-00-01T00:00:00Z"},
		{"day 0", "2014-08-00T00:00:00Z"},
		{"day 32", "2014-08-32T00:00:00Z"},
		{"24:00", "2014-08-04T24:00:00Z"},
		{"minute 60", "2014-08-04T23:60:00Z"},
		{"leap second", "2016-12-31T23:59:60Z"},
		{"year 0", "0000-06-01T00:00:00Z"},
		{"before year 1 after the offset", "0001-01-01T00:30:00+01:00"},
		{"after year 9999 after the offset", "9999-12-31T23:30:00-01:00"},
		{"basic format", "20140804T220300Z"},
		{"one-digit month in ISO", "2014-8-04T22:03:00Z"},
		{"signed year", "+2014-08-04T22:03:00Z"},
		{"leading space", " 2014-08-04T22:03:00Z"},
		{"trailing space", "2014-08-04T22:03:00Z "},
		{"trailing newline", "2014-08-04T22:03:00Z\n"},
		{"full-width digit", "２014-08-04T22:03:00Z"},
		{"Unix seconds", "1407189780"},
		{"portal 02/30", "02/30/2014 1:00 PM"},
		{"portal 2/29 of a common year", "2/29/2015 1:00 PM"},
		{"portal month 13", "13/01/2014 1:00 PM"},
		{"portal month 0", "0/1/2014 1:00 PM"},
		{"portal day 0", "1/0/2014 1:00 PM"},
		{"portal three-digit month", "008/4/2014 10:03 PM"},
		{"portal hour 0", "8/4/2014 0:30 AM"},
		{"portal hour 00", "8/4/2014 00:30 AM"},
		{"portal hour 13", "8/4/2014 13:00 PM"},
		{"portal 24-hour clock", "8/4/2014 22:03"},
		{"portal one-digit minute", "8/4/2014 10:3 PM"},
		{"portal minute 60", "8/4/2014 10:60 PM"},
		{"portal lower-case pm", "8/4/2014 10:03 pm"},
		{"portal no space before PM", "8/4/2014 10:03PM"},
		{"portal two spaces", "8/4/2014  10:03 PM"},
		{"portal two-digit year", "8/4/14 10:03 PM"},
		{"portal no AM or PM", "8/4/2014 10:03"},
		{"portal trailing space", "8/4/2014 10:03 PM "},
		{"portal seconds", "8/4/2014 10:03:00 PM"},
		{"portal dashes", "8-4-2014 10:03 PM"},
		{"year first with slashes", "2014/08/04 10:03 PM"},
		{"over-long", "2014-08-04T22:03:00.0000000Z" + strings.Repeat(" ", 100)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseExpiry(c.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseExpiry(%q) = %v, %v; want ErrMalformed", c.in, got, err)
			}
			if !got.IsZero() {
				t.Fatalf("refused expiry returned %v", got)
			}
			for _, f := range []string{"RFC 3339", "2014-08-04T22:03:00.0000000Z", "MM/DD/YYYY H:MM AM|PM"} {
				if !strings.Contains(err.Error(), f) {
					t.Fatalf("error %q does not name %q", err, f)
				}
			}
		})
	}
}

func TestFormatExpiry(t *testing.T) {
	cases := []struct {
		name string
		in   time.Time
		want string
	}{
		{"UTC", time.Date(2014, 8, 4, 22, 3, 0, 0, time.UTC), "2014-08-04T22:03:00.0000000Z"},
		{"other zone", time.Date(2014, 8, 5, 0, 3, 0, 0, time.FixedZone("", 2*3600)), "2014-08-04T22:03:00.0000000Z"},
		{"ticks", time.Date(2020, 10, 2, 15, 11, 42, 71342700, time.UTC), "2020-10-02T15:11:42.0713427Z"},
		{"below a tick is dropped", time.Date(2020, 1, 2, 3, 4, 5, 999999999, time.UTC), "2020-01-02T03:04:05.9999999Z"},
		{"single-digit fields padded", time.Date(1, 2, 3, 4, 5, 6, 0, time.UTC), "0001-02-03T04:05:06.0000000Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := FormatExpiry(c.in)
			if got != c.want {
				t.Fatalf("FormatExpiry = %q, want %q", got, c.want)
			}
			back, err := ParseExpiry(got)
			if err != nil || !back.Equal(c.in.Truncate(100*time.Nanosecond)) {
				t.Fatalf("ParseExpiry(FormatExpiry) = %v, %v", back, err)
			}
		})
	}
}

// FuzzParseExpiry: never panics, refuses with ErrMalformed only, and every
// accepted expiry is UTC and survives FormatExpiry.
func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{kaExpiry, "2014-08-05T00:03:00+02:00", "8/4/2014 12:00 AM", "2014-02-30T00:00:00Z", "9999-12-31T23:59:59.9999999Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseExpiry(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || !at.IsZero() {
				t.Fatalf("ParseExpiry(%q) = %v, %v", s, at, err)
			}
			return
		}
		if at.Location() != time.UTC {
			t.Fatalf("ParseExpiry(%q) is not UTC", s)
		}
		back, err := ParseExpiry(FormatExpiry(at))
		if err != nil || !back.Equal(at) {
			t.Fatalf("ParseExpiry(%q) = %v does not survive FormatExpiry: %v, %v", s, at, back, err)
		}
	})
}
