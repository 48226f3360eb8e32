package dpop

import (
	"net/url"
	"strings"
)

// NormalizeURL is raw as htu is compared (RFC 9449 §4.3, RFC 3986 §6.2.2
// and §6.2.3): an absolute http or https URL, scheme and host in lower
// case, the scheme's default port dropped, an empty path as "/",
// percent-encodings in upper case and those of unreserved characters
// decoded, query and fragment dropped. Dot segments are not removed. ok is
// false for anything else.
func NormalizeURL(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	switch {
	case host == "":
		return "", false
	case scheme == "https" && port == "443", scheme == "http" && port == "80":
		port = ""
	case scheme != "https" && scheme != "http":
		return "", false
	}
	if strings.Contains(host, ":") { // IPv6
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + normalizePercent(path), true
}

// sameURL reports whether htu names the URL the request was made to.
func sameURL(htu, requestURL string) bool {
	if htu == requestURL { // as a client usually sends it: normalised once
		_, ok := NormalizeURL(htu)
		return ok
	}
	a, ok1 := NormalizeURL(htu)
	b, ok2 := NormalizeURL(requestURL)
	return ok1 && ok2 && a == b
}

// normalizePercent upper-cases percent-encodings and decodes those of
// unreserved characters (RFC 3986 §2.3).
func normalizePercent(p string) string {
	if strings.IndexByte(p, '%') < 0 {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' || i+2 >= len(p) || unhex(p[i+1]) < 0 || unhex(p[i+2]) < 0 {
			b.WriteByte(p[i])
			continue
		}
		c := byte(unhex(p[i+1])<<4 | unhex(p[i+2]))
		if unreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString(strings.ToUpper(p[i : i+3]))
		}
		i += 2
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// GatewayURL is the URL a client called, as an API Gateway REST event
// describes it: the scheme from X-Forwarded-Proto (https when absent), the
// host from Host, and requestContext.path, which holds the stage or base
// path the client typed. Header names are matched in any case.
func GatewayURL(headers map[string]string, path string) string {
	proto, host := "https", ""
	for name, v := range headers {
		switch {
		case strings.EqualFold(name, "X-Forwarded-Proto"):
			proto = v
		case strings.EqualFold(name, "Host"):
			host = v
		}
	}
	return proto + "://" + host + path
}
