package sas

import "time"

// expiryLayout is .NET's round-trip ("o") format of a UTC DateTime.
const expiryLayout = "2006-01-02T15:04:05.0000000Z"

// maxFractionDigits is .NET's DateTime precision (100 ns ticks): more digits
// are refused in every ISO form, so each accepted expiry is one a .NET
// client could have written.
const maxFractionDigits = 7

// maxExpiryLen bounds ParseExpiry's input ("2014-08-04T22:03:00.0000000+00:00" is 33).
const maxExpiryLen = 40

// FormatExpiry writes t in UTC as Azure's sample does (DateTime "o"):
// 2014-08-04T22:03:00.0000000Z. Digits below 100 ns are dropped; ParseExpiry
// reads the result back for any t in years 1 to 9999 UTC.
func FormatExpiry(t time.Time) string { return t.UTC().Format(expiryLayout) }

// ParseExpiry reads an expiry in one of the forms API.md accepts, as a UTC
// time:
//   - RFC 3339 with upper-case T and Z, "Z" or any ±HH:MM offset (converted
//     to UTC), and 0 to 7 fractional second digits;
//   - .NET round-trip, 2014-08-04T22:03:00.0000000Z (1 to 7 digits, then Z),
//     which is that same profile;
//   - MM/DD/YYYY H:MM AM|PM in UTC, as Azure's portal takes it: month, day
//     and hour of one or two digits, minutes of two, one space before the
//     upper-case AM or PM, hours 1 to 12 (12:00 AM is midnight).
//
// Anything else, including dates that do not exist (02/30, 24:00, a leap
// second) and instants outside years 1 to 9999 UTC (.NET's range), is
// ErrMalformed.
func ParseExpiry(s string) (time.Time, error) {
	if len(s) > maxExpiryLen {
		return time.Time{}, errExpiryFormat
	}
	if len(s) > 10 && s[10] == 'T' {
		return parseISO(s)
	}
	return parseUS(s)
}

// parseISO reads YYYY-MM-DDTHH:MM:SS[.F{1,7}](Z|±HH:MM).
func parseISO(s string) (time.Time, error) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, errExpiryFormat
	}
	year, ok1 := fixed(s[0:4])
	month, ok2 := fixed(s[5:7])
	day, ok3 := fixed(s[8:10])
	hour, ok4 := fixed(s[11:13])
	minute, ok5 := fixed(s[14:16])
	sec, ok6 := fixed(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, errExpiryFormat
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		n := i - start
		if n < 1 || n > maxFractionDigits {
			return time.Time{}, errExpiryFormat
		}
		nsec, _ = fixed(s[start:i])
		for ; n < 9; n++ {
			nsec *= 10
		}
	}
	offset := 0 // seconds east of UTC
	switch zone := s[i:]; {
	case zone == "Z":
	case len(zone) == len("+00:00") && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':':
		oh, okh := fixed(zone[1:3])
		om, okm := fixed(zone[4:6])
		if !okh || !okm {
			return time.Time{}, errExpiryFormat
		}
		if oh > 23 || om > 59 {
			return time.Time{}, errExpiryRange
		}
		offset = (oh*60 + om) * 60
		if zone[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, errExpiryFormat
	}
	if !validDateTime(year, month, day, hour, minute, sec) {
		return time.Time{}, errExpiryRange
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return inRange(t.Add(-time.Duration(offset) * time.Second))
}

// parseUS reads M/D/YYYY H:MM AM|PM (month, day and hour of one or two digits).
func parseUS(s string) (time.Time, error) {
	month, i, ok := upTo2(s, 0, '/')
	if !ok {
		return time.Time{}, errExpiryFormat
	}
	day, i, ok := upTo2(s, i, '/')
	if !ok || len(s) < i+5 || s[i+4] != ' ' {
		return time.Time{}, errExpiryFormat
	}
	year, ok := fixed(s[i : i+4])
	if !ok {
		return time.Time{}, errExpiryFormat
	}
	hour, i, ok := upTo2(s, i+5, ':')
	if !ok || len(s) != i+len("04 PM") || s[i+2] != ' ' {
		return time.Time{}, errExpiryFormat
	}
	minute, ok := fixed(s[i : i+2])
	if !ok {
		return time.Time{}, errExpiryFormat
	}
	pm := s[i+3:] == "PM"
	if !pm && s[i+3:] != "AM" {
		return time.Time{}, errExpiryFormat
	}
	if hour < 1 || hour > 12 {
		return time.Time{}, errExpiryRange
	}
	hour %= 12 // 12 AM is midnight
	if pm {
		hour += 12 // 12 PM is noon
	}
	if !validDateTime(year, month, day, hour, minute, 0) {
		return time.Time{}, errExpiryRange
	}
	return inRange(time.Date(year, time.Month(month), day, hour, minute, 0, 0, time.UTC))
}

// inRange keeps t to .NET's DateTime range (years 1 to 9999 in UTC), so
// FormatExpiry writes every accepted expiry in a form ParseExpiry reads.
func inRange(t time.Time) (time.Time, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, errExpiryRange
	}
	return t, nil
}

// upTo2 reads one or two digits of s at i followed by sep, returning the
// number and the index after sep.
func upTo2(s string, i int, sep byte) (int, int, bool) {
	switch {
	case len(s) > i+1 && isDigit(s[i]) && s[i+1] == sep:
		return int(s[i] - '0'), i + 2, true
	case len(s) > i+2 && isDigit(s[i]) && isDigit(s[i+1]) && s[i+2] == sep:
		return int(s[i]-'0')*10 + int(s[i+1]-'0'), i + 3, true
	}
	return 0, i, false
}

// fixed reads s, all ASCII digits, as a number.
func fixed(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// validDateTime reports whether the fields name a real instant (no leap
// seconds, no 24:00).
func validDateTime(year, month, day, hour, minute, sec int) bool {
	return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year) &&
		hour <= 23 && minute <= 59 && sec <= 59
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
