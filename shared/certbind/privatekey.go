package certbind

import (
	"bytes"
	"encoding/pem"
)

// holdsPrivateKey reports whether input carries a private key in any form
// this package can recognise: a "PRIVATE KEY" label anywhere in the text
// (any case, in a PEM block of any kind or outside one: "OPENSSH PRIVATE
// KEY", "PGP PRIVATE KEY BLOCK"...), a PuTTY key file, or DER shaped like a
// PKCS#1, PKCS#8 (plain or encrypted) or SEC1 private key, whether the input
// is that DER, base64 of it, or a PEM block of any label holding it; also
// base64 of a PEM text with such a label.
func holdsPrivateKey(input string) bool {
	if hasKeyMarker([]byte(input)) || keyShaped([]byte(input)) {
		return true
	}
	rest := []byte(input)
	for {
		block, after := pem.Decode(rest)
		if block == nil {
			break
		}
		if keyShaped(block.Bytes) || pemWithKeyMarker(block.Bytes) {
			return true
		}
		rest = after
	}
	if der, err := base64Certificate(input); err == nil && (keyShaped(der) || pemWithKeyMarker(der)) {
		return true
	}
	return false
}

// pemWithKeyMarker looks for a private key label in decoded bytes that are
// PEM text again (base64 of a PEM file). DER is not searched: a certificate
// may well name a "Private Key Service".
func pemWithKeyMarker(b []byte) bool {
	return bytes.Contains(b, []byte("-----BEGIN")) && hasKeyMarker(b)
}

// hasKeyMarker looks for "PRIVATE" then "KEY", in any case, separated by
// nothing but spaces, dashes or underscores, and for PuTTY's key file header.
func hasKeyMarker(s []byte) bool {
	up := bytes.ToUpper(s)
	if bytes.Contains(up, []byte("PUTTY-USER-KEY-FILE")) {
		return true
	}
	const private = "PRIVATE"
	for i := 0; ; {
		j := bytes.Index(up[i:], []byte(private))
		if j < 0 {
			return false
		}
		k := i + j + len(private)
		for k < len(up) && (isSpace(up[k]) || up[k] == '-' || up[k] == '_') {
			k++
		}
		if bytes.HasPrefix(up[k:], []byte("KEY")) {
			return true
		}
		i = k
	}
}

// ASN.1 tags seen at the top of keys and certificates.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagSequence    = 0x30
)

// keyShaped reports whether der looks like a private key rather than a
// certificate, judged by the first elements of its outer SEQUENCE:
//
//	PKCS#1 RSAPrivateKey  SEQUENCE { INTEGER version, INTEGER n, INTEGER e, ... }
//	PKCS#8 / RFC 5958     SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING key, ... }
//	SEC1 ECPrivateKey     SEQUENCE { INTEGER 1, OCTET STRING key, ... }
//	EncryptedPrivateKeyInfo SEQUENCE { SEQUENCE algorithm, OCTET STRING data }
//	Certificate           SEQUENCE { SEQUENCE tbs, SEQUENCE algorithm, BIT STRING }
//
// So a leading INTEGER followed by an OCTET STRING or by two more elements,
// or a SEQUENCE followed by an OCTET STRING, is a key (a two-INTEGER PKCS#1
// public key is not). The reader is lenient (BER lengths, trailing data), so
// this is a superset of what x509.ParsePKCS1PrivateKey, ParsePKCS8PrivateKey
// and ParseECPrivateKey accept, and it never does arithmetic on key material.
func keyShaped(der []byte) bool {
	tag, body, _, ok := element(der)
	if !ok || tag != tagSequence {
		return false
	}
	var tags []byte
	for len(body) > 0 && len(tags) < 3 {
		t, _, rest, ok := element(body)
		if !ok {
			break
		}
		tags = append(tags, t)
		body = rest
	}
	if len(tags) < 2 {
		return false
	}
	switch tags[0] {
	case tagInteger:
		return tags[1] == tagOctetString || len(tags) == 3
	case tagSequence:
		return tags[1] == tagOctetString
	}
	return false
}

// element splits one BER element off b: its (low-number) tag, its content
// and what follows it. An indefinite length runs to the end of b.
func element(b []byte) (tag byte, content, rest []byte, ok bool) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, false
	}
	tag, l := b[0], b[1]
	b = b[2:]
	var n uint64
	switch {
	case l < 0x80:
		n = uint64(l)
	case l == 0x80:
		return tag, b, nil, true
	default:
		size := int(l & 0x7f)
		if size > 8 || size > len(b) {
			return 0, nil, nil, false
		}
		for _, c := range b[:size] {
			n = n<<8 | uint64(c)
		}
		b = b[size:]
	}
	if n > uint64(len(b)) {
		return 0, nil, nil, false
	}
	return tag, b[:n], b[n:], true
}
