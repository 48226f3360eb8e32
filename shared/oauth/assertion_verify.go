package oauth

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
)

// MaxAssertionLen is the longest assertion read, in bytes, before any decoding.
const MaxAssertionLen = 8 << 10

// MaxAssertionIDLen is the longest jti accepted, in bytes: the caller stores it.
const MaxAssertionIDLen = 256

// DefaultAssertionLifetime is the MaxLifetime used when a AssertionVerifier leaves it zero.
const DefaultAssertionLifetime = 5 * time.Minute

// maxDepth is how deep an assertion's JSON may nest.
const maxDepth = 16

// assertionJWS reads assertions strictly before golang-jwt parses them.
var assertionJWS = accesstoken.NewJWSReader(ErrAssertionMalformed, MaxAssertionLen, maxDepth, "alg", "typ", "kid", "x5t#S256")

// AssertionClaims of a verified assertion.
type AssertionClaims struct {
	Issuer    string // equal to Subject: the client, here the user the certificate is bound to
	Subject   string
	ID        string    // jti: record it until ExpiresAt (plus Leeway) and refuse it again
	ExpiresAt time.Time // exp, in whole seconds
	IssuedAt  time.Time // iat; zero when absent
}

// AssertionVerifier checks an assertion signed with the private key of a bound
// certificate. It holds no state and is safe for concurrent use.
type AssertionVerifier struct {
	// Audiences are the values aud may take (the issuer identifier and the
	// token endpoint URL); aud must be exactly one of them, as its only value
	// (a string, or an array with one element).
	Audiences []string
	// MaxLifetime bounds how far ahead of now exp may be; zero means
	// DefaultAssertionLifetime (5 minutes, as API.md says).
	MaxLifetime time.Duration
	Clock       clock.Clock   // nil means clock.Real
	Leeway      time.Duration // clock skew allowed on exp, iat, nbf and the certificate's dates; negative counts as 0
}

var (
	b64       = base64.RawURLEncoding
	b64Strict = b64.Strict()
)

// assertionHeader checks the token's shape and header and returns its alg
// and x5t#S256: at most MaxAssertionLen bytes, three segments of strict
// base64url, a header of allowed members with alg and x5t#S256 (a base64url
// SHA-256) present and typ, if any, JWT.
func assertionHeader(token string) (alg, x5t string, err error) {
	h, err := assertionJWS.Header(token)
	if err != nil {
		return "", "", err
	}
	alg, hasAlg := h["alg"]
	x5t, hasX5t := h["x5t#S256"]
	typ, hasTyp := h["typ"]
	switch {
	case !hasAlg:
		return "", "", errNoAlg
	case !hasX5t:
		return "", "", errNoX5t
	case hasTyp && !strings.EqualFold(typ, "JWT") && !strings.EqualFold(typ, "application/JWT"):
		return "", "", errTyp
	}
	if raw, err := b64Strict.DecodeString(x5t); len(x5t) != 43 || err != nil || len(raw) != sha256.Size {
		return "", "", errX5t
	}
	// The payload and signature must decode as well (Verify's golang-jwt
	// decodes them again), so that AssertionThumbprint refuses what Verify will.
	_, rest, _ := strings.Cut(token, ".")
	payload, sig, _ := strings.Cut(rest, ".")
	for _, seg := range [...]string{payload, sig} {
		if _, err := b64Strict.DecodeString(seg); err != nil {
			return "", "", errBase64
		}
	}
	return alg, x5t, nil
}

// AssertionThumbprint returns the header's x5t#S256 of an assertion without
// verifying it, so the caller can look up the bound certificate (one store
// read). It returns ErrAssertionMalformed if the token is not a well-formed JWS with
// an allowed header whose x5t#S256 is a base64url SHA-256 (43 characters).
func AssertionThumbprint(token string) (string, error) {
	_, x5t, err := assertionHeader(token)
	return x5t, err
}

// Verify checks the assertion against the certificate the caller found by
// its thumbprint, and returns its claims. It confirms the header's x5t#S256
// is the certificate's and the algorithm suits the certificate's key; then
// golang-jwt checks the signature, exp, iat and nbf, and Validate the
// certificate's validity and the other claims. The caller must still check
// that Subject is the user the certificate is bound to and record ID to
// refuse a replay.
func (v *AssertionVerifier) Verify(token string, cert certbind.Certificate) (AssertionClaims, error) {
	if v == nil || len(v.Audiences) == 0 || slices.Contains(v.Audiences, "") || v.MaxLifetime < 0 {
		return AssertionClaims{}, errNotConfigured
	}
	alg, x5t, err := assertionHeader(token)
	if err != nil {
		return AssertionClaims{}, err
	}
	x, pub, err := parseCertificate(cert)
	if err != nil {
		return AssertionClaims{}, err
	}
	algs, refusal := algorithms(pub)
	if !slices.Contains(algs, alg) {
		return AssertionClaims{}, refusal
	}
	if x5t != cert.X5tS256 {
		return AssertionClaims{}, errThumbprint
	}

	clk := v.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	c := assertionClaims{err: errClaimsJSON, v: v, cert: x, now: clk.Now(), leeway: max(v.Leeway, 0)} // err until UnmarshalJSON runs: not for a null payload
	p := jwt.NewParser(
		jwt.WithValidMethods(algs),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(c.leeway),
		jwt.WithTimeFunc(func() time.Time { return c.now }),
	)
	if _, err := p.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return pub, nil }); err != nil {
		return AssertionClaims{}, assertionLibErrors.Refusal(err, c.err, errSigVerify) // unknown reasons: not verified
	}
	return c.claims(), nil
}

// parseCertificate reads a certificate as certbind.Parse returns it: its
// DER decides, not the fields beside it.
func parseCertificate(cert certbind.Certificate) (*x509.Certificate, crypto.PublicKey, error) {
	sum := sha256.Sum256(cert.DER)
	if cert.X5tS256 != b64.EncodeToString(sum[:]) {
		return nil, nil, errCertificate
	}
	x, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errCertificate, err)
	}
	pub, err := cert.PublicKey()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errCertificate, err)
	}
	return x, pub, nil
}

// algorithms pins alg to the key: the algorithms it takes, and the refusal
// of any other.
func algorithms(pub crypto.PublicKey) ([]string, error) {
	algs, takes := certbind.Algorithms(pub)
	return algs, fmt.Errorf("%w: %s", ErrAssertionAlgorithm, takes)
}

// assertionLibErrors map golang-jwt's errors to Verify's.
var assertionLibErrors = accesstoken.LibErrors{
	{jwt.ErrTokenMalformed, errClaimsJSON}, // the segments were checked: the claims are not JSON
	{jwt.ErrTokenSignatureInvalid, errSigVerify},
	{jwt.ErrTokenRequiredClaimMissing, errMissingExp},
	{jwt.ErrTokenExpired, errExp},
	{jwt.ErrTokenUsedBeforeIssued, errIat},
	{jwt.ErrTokenNotValidYet, errNbf},
}
