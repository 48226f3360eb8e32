package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/jose"
)

// MaxAssertionLen is the longest assertion read, in bytes, before any decoding.
const MaxAssertionLen = 8 << 10

// MaxAssertionIDLen is the longest jti accepted, in bytes: the caller stores it.
const MaxAssertionIDLen = 256

// DefaultAssertionLifetime is the MaxLifetime used when a AssertionVerifier leaves it zero.
const DefaultAssertionLifetime = 5 * time.Minute

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

var b64 = base64.RawURLEncoding

// parsed is a token split and decoded; nothing in it is verified.
type parsed struct {
	hdr          assertionHeader
	signingInput string // the first two segments and the dot between them
	payload      string // decoded claims JSON
	sig          []byte
}

// split checks the token's shape and header: at most MaxAssertionLen bytes,
// three segments of strict base64url, a header of allowed members with alg
// and x5t#S256 (a base64url SHA-256) present and typ, if any, JWT.
func split(token string) (parsed, error) {
	if len(token) > MaxAssertionLen {
		return parsed{}, errTooLong
	}
	hSeg, pSeg, sSeg, err := jose.Split(token)
	switch err {
	case nil:
	case jose.ErrBase64:
		return parsed{}, errBase64
	default: // jose.ErrSegments
		return parsed{}, errSegments
	}
	hdrJSON, ok := jose.Decode(hSeg)
	if !ok {
		return parsed{}, errBase64
	}
	payload, ok := jose.Decode(pSeg)
	if !ok {
		return parsed{}, errBase64
	}
	sig, ok := jose.Decode(sSeg)
	if !ok {
		return parsed{}, errBase64
	}
	h, err := parseHeader(string(hdrJSON))
	if err != nil {
		return parsed{}, err
	}
	switch {
	case !h.hasAlg:
		return parsed{}, errNoAlg
	case !h.has5:
		return parsed{}, errNoX5t
	case h.hasTyp && !strings.EqualFold(h.typ, "JWT") && !strings.EqualFold(h.typ, "application/JWT"):
		return parsed{}, errTyp
	}
	if raw, ok := jose.Decode(h.x5t); !ok || len(raw) != sha256.Size {
		return parsed{}, errX5t
	}
	return parsed{hdr: h, signingInput: token[:len(hSeg)+1+len(pSeg)], payload: string(payload), sig: sig}, nil
}

// AssertionThumbprint returns the header's x5t#S256 of an assertion without
// verifying it, so the caller can look up the bound certificate (one store
// read). It returns ErrAssertionMalformed if the token is not a well-formed JWS with
// an allowed header whose x5t#S256 is a base64url SHA-256 (43 characters).
func AssertionThumbprint(token string) (string, error) {
	t, err := split(token)
	if err != nil {
		return "", err
	}
	return t.hdr.x5t, nil
}

// Verify checks the assertion against the certificate the caller found by
// its thumbprint, and returns its claims. It confirms the header's x5t#S256
// is the certificate's, the algorithm suits the certificate's key, the
// signature, the certificate's validity, and then the claims. The caller
// must still check that Subject is the user the certificate is bound to and
// record ID to refuse a replay.
func (v *AssertionVerifier) Verify(token string, cert certbind.Certificate) (AssertionClaims, error) {
	if v == nil || len(v.Audiences) == 0 || v.MaxLifetime < 0 {
		return AssertionClaims{}, errNotConfigured
	}
	for _, a := range v.Audiences {
		if a == "" {
			return AssertionClaims{}, errNotConfigured
		}
	}
	t, err := split(token)
	if err != nil {
		return AssertionClaims{}, err
	}

	// The certificate: its DER decides, not the fields beside it.
	sum := sha256.Sum256(cert.DER)
	x5t := b64.EncodeToString(sum[:])
	if cert.X5tS256 != x5t {
		return AssertionClaims{}, errCertificate
	}
	x, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return AssertionClaims{}, fmt.Errorf("%w: %w", errCertificate, err)
	}
	pub, err := cert.PublicKey()
	if err != nil {
		return AssertionClaims{}, fmt.Errorf("%w: %w", errCertificate, err)
	}

	// Header, then signature.
	hash, sigLen, err := algorithm(t.hdr.alg, pub)
	if err != nil {
		return AssertionClaims{}, err
	}
	if t.hdr.x5t != x5t {
		return AssertionClaims{}, errThumbprint
	}
	if sigLen != 0 && len(t.sig) != sigLen {
		return AssertionClaims{}, errSigLen
	}
	if !verifySignature(t.hdr.alg, hash, pub, t.signingInput, t.sig) {
		return AssertionClaims{}, errSigVerify
	}

	// Signed with the certificate's key: now the dates and the claims.
	clk := v.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	now, leeway := clk.Now(), max(v.Leeway, 0)
	if now.After(x.NotAfter.Add(leeway)) {
		return AssertionClaims{}, errCertExpired
	}
	if now.Before(x.NotBefore.Add(-leeway)) {
		return AssertionClaims{}, errCertNotValid
	}
	c, err := parseClaims(t.payload)
	if err != nil {
		return AssertionClaims{}, err
	}
	if err := v.check(&c, now, leeway); err != nil {
		return AssertionClaims{}, err
	}
	out := AssertionClaims{Issuer: c.iss, Subject: c.sub, ID: c.jti, ExpiresAt: time.Unix(c.exp, 0).UTC()}
	if c.present&cIat != 0 {
		out.IssuedAt = time.Unix(c.iat, 0).UTC()
	}
	return out, nil
}

// Algorithm refusals, one per key type, naming what that key takes.
var (
	errAlgRSA     = fmt.Errorf("%w: an RSA key takes RS256 or PS256", ErrAssertionAlgorithm)
	errAlgP256    = fmt.Errorf("%w: a P-256 key takes ES256", ErrAssertionAlgorithm)
	errAlgP384    = fmt.Errorf("%w: a P-384 key takes ES384", ErrAssertionAlgorithm)
	errAlgP521    = fmt.Errorf("%w: a P-521 key takes ES512", ErrAssertionAlgorithm)
	errAlgEd25519 = fmt.Errorf("%w: an Ed25519 key takes EdDSA", ErrAssertionAlgorithm)
	errAlgKey     = fmt.Errorf("%w: unsupported key type", ErrAssertionAlgorithm)
)

// algorithm pins alg to the key: it returns the hash to sign with (0 for
// Ed25519) and the exact signature length (0 when the key decides: RSA).
func algorithm(alg string, pub crypto.PublicKey) (crypto.Hash, int, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg == "RS256" || alg == "PS256" {
			return crypto.SHA256, 0, nil
		}
		return 0, 0, errAlgRSA
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			if alg == "ES256" {
				return crypto.SHA256, 64, nil
			}
			return 0, 0, errAlgP256
		case elliptic.P384():
			if alg == "ES384" {
				return crypto.SHA384, 96, nil
			}
			return 0, 0, errAlgP384
		case elliptic.P521():
			if alg == "ES512" {
				return crypto.SHA512, 132, nil
			}
			return 0, 0, errAlgP521
		}
	case ed25519.PublicKey:
		// "Ed25519" is RFC 9864's fully-specified name for the same thing.
		if alg == "EdDSA" || alg == "Ed25519" {
			return 0, ed25519.SignatureSize, nil
		}
		return 0, 0, errAlgEd25519
	}
	return 0, 0, errAlgKey
}

// verifySignature checks a JWS signature whose algorithm algorithm accepted.
func verifySignature(alg string, hash crypto.Hash, pub crypto.PublicKey, input string, sig []byte) bool {
	var digest []byte
	switch hash {
	case crypto.SHA256:
		d := sha256.Sum256([]byte(input))
		digest = d[:]
	case crypto.SHA384:
		d := sha512.Sum384([]byte(input))
		digest = d[:]
	case crypto.SHA512:
		d := sha512.Sum512([]byte(input))
		digest = d[:]
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg == "PS256" {
			// RFC 7518 §3.5: the salt is as long as the hash.
			return rsa.VerifyPSS(k, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(k, hash, digest, sig) == nil
	case *ecdsa.PublicKey:
		// JWS ECDSA signatures are r||s, each as long as the order.
		n := len(sig) / 2
		r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
		return ecdsa.Verify(k, digest, r, s)
	case ed25519.PublicKey:
		return ed25519.Verify(k, []byte(input), sig)
	}
	return false
}

// check applies the claim rules to signed claims.
func (v *AssertionVerifier) check(c *rawClaims, now time.Time, leeway time.Duration) error {
	if c.iss == "" || c.iss != c.sub {
		return errIssSub
	}
	if len(c.aud) != 1 || !v.accepts(c.aud[0]) {
		return errAud
	}
	if c.jti == "" || len(c.jti) > MaxAssertionIDLen {
		return errJti
	}
	if c.present&cExp == 0 {
		return errMissingExp
	}
	exp := time.Unix(c.exp, 0)
	if !now.Before(exp.Add(leeway)) {
		return errExp
	}
	lifetime := v.MaxLifetime
	if lifetime == 0 {
		lifetime = DefaultAssertionLifetime
	}
	if exp.After(now.Add(lifetime + leeway)) {
		return errExpFar
	}
	if c.present&cIat != 0 && time.Unix(c.iat, 0).After(now.Add(leeway)) {
		return errIat
	}
	if c.present&cNbf != 0 && time.Unix(c.nbf, 0).After(now.Add(leeway)) {
		return errNbf
	}
	return nil
}

func (v *AssertionVerifier) accepts(aud string) bool {
	for _, a := range v.Audiences {
		if aud == a {
			return true
		}
	}
	return false
}
