package certbind

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
)

// MaxInput is the longest input read, in bytes; longer input is refused
// before anything else is looked at.
const MaxInput = 64 << 10

// ClockSkew is how far in the future an uploaded certificate's NotBefore may
// be: a certificate made a moment ago on a machine whose clock runs slightly
// ahead is not refused. NotAfter gets no such allowance.
const ClockSkew = 5 * time.Minute

// MinRSABits is the smallest RSA modulus accepted.
const MinRSABits = 2048

// Certificate is what Tollgate keeps of a bound certificate.
type Certificate struct {
	Thumbprint     string // SHA-256 of the DER, hex, upper case (the API's thumbprint)
	ThumbprintSHA1 string // SHA-1 of the DER, hex, upper case
	X5tS256        string // base64url (no padding) SHA-256 of the DER: RFC 8705's cnf value
	Subject        string // RFC 2253-style (pkix.Name.String)
	Issuer         string // RFC 2253-style (pkix.Name.String)
	NotBefore      time.Time
	NotAfter       time.Time
	DER            []byte
}

// Binding is a certificate bound to a user of a project.
type Binding struct {
	ProjectID string
	Owner     string // the user id
	Certificate
	CreatedAt time.Time
}

// Parse reads an upload: a PEM text holding exactly one CERTIFICATE block
// (whitespace around it allowed, nothing else), or standard base64 of the
// DER (whitespace anywhere, padding optional). The certificate must be valid
// at now (NotBefore up to ClockSkew ahead is tolerated) and acceptable to
// Tollgate: not a CA, a strong key and a strong signature algorithm.
func Parse(input string, now time.Time) (Certificate, error) {
	x, err := read(input, true)
	if err != nil {
		return Certificate{}, err
	}
	if now.Add(ClockSkew).Before(x.NotBefore) {
		return Certificate{}, fmt.Errorf("%w: notBefore is %s", ErrNotYetValid, x.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(x.NotAfter) {
		return Certificate{}, fmt.Errorf("%w: notAfter was %s", ErrExpired, x.NotAfter.UTC().Format(time.RFC3339))
	}
	return newCertificate(x), nil
}

// FromClientCert reads the PEM API Gateway passes for mutual TLS
// (requestContext.identity.clientCert.clientCertPem): exactly one
// certificate, held to the same rules as Parse except that its dates are not
// checked here (the caller compares them with its clock).
func FromClientCert(pemText string) (Certificate, error) {
	x, err := read(pemText, false)
	if err != nil {
		return Certificate{}, err
	}
	return newCertificate(x), nil
}

// PublicKey returns the certificate's public key (for client assertions):
// an *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey, held to the same
// key rules as Parse.
func (c Certificate) PublicKey() (crypto.PublicKey, error) {
	x, err := x509.ParseCertificate(c.DER)
	if err != nil {
		return nil, errDER
	}
	if err := checkKey(x.PublicKey); err != nil {
		return nil, err
	}
	return x.PublicKey, nil
}

// Wrapped errors, built once.
var (
	errTooLarge    = fmt.Errorf("%w: longer than %d bytes", ErrTooLarge, MaxInput)
	errPrivateKey  = fmt.Errorf("%w: refused, and nothing of it was kept", ErrPrivateKey)
	errEmpty       = fmt.Errorf("%w: empty", ErrNotCertificate)
	errNotPEM      = fmt.Errorf("%w: not a PEM CERTIFICATE block", ErrNotCertificate)
	errOutside     = fmt.Errorf("%w: text outside the PEM block", ErrNotCertificate)
	errBadPEM      = fmt.Errorf("%w: malformed PEM block", ErrNotCertificate)
	errPEMHeaders  = fmt.Errorf("%w: PEM headers are not allowed", ErrNotCertificate)
	errBlockType   = fmt.Errorf("%w: PEM block is not a CERTIFICATE", ErrNotCertificate)
	errBase64      = fmt.Errorf("%w: neither PEM nor standard base64", ErrNotCertificate)
	errDER         = fmt.Errorf("%w: DER does not parse as an X.509 certificate", ErrNotCertificate)
	errSeveralPEM  = fmt.Errorf("%w: several CERTIFICATE blocks", ErrSeveral)
	errSeveralDER  = fmt.Errorf("%w: several DER certificates", ErrSeveral)
	errCA          = fmt.Errorf("%w: basic constraints say CA", ErrCA)
	errUnknownKey  = fmt.Errorf("%w: unsupported key type", ErrWeakKey)
	errDSA         = fmt.Errorf("%w: DSA keys are not accepted", ErrWeakKey)
	errBadEd25519  = fmt.Errorf("%w: malformed Ed25519 key", ErrWeakKey)
	errNoSignature = fmt.Errorf("%w: unknown signature algorithm", ErrWeakSignature)
)

// read applies everything but the date checks.
func read(input string, allowBase64 bool) (*x509.Certificate, error) {
	if len(input) > MaxInput {
		return nil, errTooLarge
	}
	if holdsPrivateKey(input) {
		return nil, errPrivateKey
	}
	var der []byte
	var err error
	switch {
	case strings.Contains(input, "-----BEGIN"):
		der, err = pemCertificate(input)
	case !allowBase64:
		if len(trimSpace([]byte(input))) == 0 {
			return nil, errEmpty
		}
		return nil, errNotPEM
	default:
		der, err = base64Certificate(input)
	}
	if err != nil {
		return nil, err
	}
	x, err := parseDER(der)
	if err != nil {
		return nil, err
	}
	if x.PublicKeyAlgorithm == x509.DSA {
		return nil, errDSA
	}
	if err := checkKey(x.PublicKey); err != nil {
		return nil, err
	}
	if !strongSignature[x.SignatureAlgorithm] {
		if x.SignatureAlgorithm == x509.UnknownSignatureAlgorithm {
			return nil, errNoSignature
		}
		return nil, fmt.Errorf("%w: %v", ErrWeakSignature, x.SignatureAlgorithm)
	}
	if x.BasicConstraintsValid && x.IsCA {
		return nil, errCA
	}
	return x, nil
}

// pemCertificate returns the DER of the only CERTIFICATE block of text,
// which must hold nothing but PEM blocks and whitespace.
func pemCertificate(text string) ([]byte, error) {
	rest := []byte(text)
	var ders [][]byte
	for {
		rest = trimSpace(rest)
		if len(rest) == 0 {
			break
		}
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return nil, errOutside
		}
		block, after := pem.Decode(rest)
		if block == nil {
			return nil, errBadPEM
		}
		// pem.Decode skips a malformed block to reach a later one; one
		// BEGIN in what it consumed means nothing was skipped.
		if bytes.Count(rest[:len(rest)-len(after)], []byte("-----BEGIN")) != 1 {
			return nil, errBadPEM
		}
		if block.Type != "CERTIFICATE" {
			return nil, errBlockType
		}
		if len(block.Headers) != 0 {
			return nil, errPEMHeaders
		}
		ders = append(ders, block.Bytes)
		rest = after
	}
	switch len(ders) {
	case 0:
		return nil, errEmpty
	case 1:
		return ders[0], nil
	default:
		return nil, errSeveralPEM
	}
}

// base64Certificate decodes standard base64, ignoring whitespace, with or
// without padding.
func base64Certificate(text string) ([]byte, error) {
	clean := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		if !isSpace(text[i]) {
			clean = append(clean, text[i])
		}
	}
	if len(clean) == 0 {
		return nil, errEmpty
	}
	enc := base64.RawStdEncoding.Strict()
	if bytes.IndexByte(clean, '=') >= 0 {
		enc = base64.StdEncoding.Strict()
	}
	der := make([]byte, enc.DecodedLen(len(clean)))
	n, err := enc.Decode(der, clean)
	if err != nil {
		return nil, errBase64
	}
	return der[:n], nil
}

// parseDER parses exactly one certificate.
func parseDER(der []byte) (*x509.Certificate, error) {
	x, err := x509.ParseCertificate(der)
	if err != nil {
		if xs, err := x509.ParseCertificates(der); err == nil && len(xs) > 1 {
			return nil, errSeveralDER
		}
		return nil, errDER
	}
	return x, nil
}

// checkKey accepts RSA of at least MinRSABits, ECDSA on P-256, P-384 or
// P-521, and Ed25519.
func checkKey(pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < MinRSABits {
			bits := 0
			if k.N != nil {
				bits = k.N.BitLen()
			}
			return fmt.Errorf("%w: RSA key of %d bits, at least %d needed", ErrWeakKey, bits, MinRSABits)
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			name := "an unknown curve"
			if k.Curve != nil && k.Curve.Params() != nil {
				name = k.Curve.Params().Name
			}
			return fmt.Errorf("%w: ECDSA key on %s, P-256, P-384 or P-521 needed", ErrWeakKey, name)
		}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return errBadEd25519
		}
	default:
		return errUnknownKey
	}
	return nil
}

// strongSignature lists the signature algorithms accepted on a certificate;
// MD2, MD5 and SHA-1 based ones, DSA and unknown ones are refused.
var strongSignature = map[x509.SignatureAlgorithm]bool{
	x509.SHA256WithRSA:    true,
	x509.SHA384WithRSA:    true,
	x509.SHA512WithRSA:    true,
	x509.SHA256WithRSAPSS: true,
	x509.SHA384WithRSAPSS: true,
	x509.SHA512WithRSAPSS: true,
	x509.ECDSAWithSHA256:  true,
	x509.ECDSAWithSHA384:  true,
	x509.ECDSAWithSHA512:  true,
	x509.PureEd25519:      true,
}

func newCertificate(x *x509.Certificate) Certificate {
	der := bytes.Clone(x.Raw)
	s256 := sha256.Sum256(der)
	s1 := sha1.Sum(der)
	return Certificate{
		Thumbprint:     strings.ToUpper(hex.EncodeToString(s256[:])),
		ThumbprintSHA1: strings.ToUpper(hex.EncodeToString(s1[:])),
		X5tS256:        base64.RawURLEncoding.EncodeToString(s256[:]),
		Subject:        x.Subject.String(),
		Issuer:         x.Issuer.String(),
		NotBefore:      x.NotBefore.UTC(),
		NotAfter:       x.NotAfter.UTC(),
		DER:            der,
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
