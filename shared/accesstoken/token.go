package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/jose"
)

// MaxTokenLen is the longest token Verify reads, in bytes, before any decoding.
const MaxTokenLen = 4096

// Header values.
const (
	Algorithm = "ES256"  // the only signature algorithm
	Type      = "at+jwt" // typ of every token (RFC 9068)
)

// Claims of a Tollgate access token or personal JWT.
type Claims struct {
	Issuer  string `json:"iss"`
	Subject string `json:"sub"` // the principal: a userId or a clientId
	// Audience is emitted as a string; Verify also accepts an array that
	// contains the Verifier's audience.
	Audience  string `json:"aud"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf,omitempty"`
	ID        string `json:"jti"`
	Scope     string `json:"scope"` // space-separated
	ClientID  string `json:"client_id,omitempty"`
	// SessionID is the credential the token came from (personal JWT id,
	// refresh family id, client id): the authorizer's revocation lookup key.
	SessionID    string        `json:"sid"`
	Confirmation *Confirmation `json:"cnf,omitempty"`
}

// Confirmation binds a token to a client certificate (RFC 8705).
type Confirmation struct {
	X5tS256 string `json:"x5t#S256"` // base64url SHA-256 of the certificate's DER
}

// joseHeader is the header Issue writes, members in this order.
type joseHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// sigB64Len is the base64url length of a 64-byte signature.
const sigB64Len = 86

// Issue signs claims with s; the header is exactly
// {"alg":"ES256","kid":<s.KeyID()>,"typ":"at+jwt"}. It refuses claims that
// Verify would reject for their shape.
func Issue(ctx context.Context, s Signer, c Claims) (string, error) {
	if s == nil || s.KeyID() == "" {
		return "", errors.New("accesstoken: Issue needs a signer with a key id")
	}
	if err := checkIssuable(c); err != nil {
		return "", err
	}
	hdr, err := json.Marshal(joseHeader{Alg: Algorithm, Kid: s.KeyID(), Typ: Type})
	if err != nil {
		return "", fmt.Errorf("accesstoken: header: %w", err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("accesstoken: claims: %w", err)
	}
	n := b64.EncodedLen(len(hdr)) + 1 + b64.EncodedLen(len(payload)) + 1 + sigB64Len
	if n > MaxTokenLen {
		return "", fmt.Errorf("%w: token would be %d bytes, over %d", ErrClaims, n, MaxTokenLen)
	}
	buf := make([]byte, 0, n)
	buf = b64.AppendEncode(buf, hdr)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	sig, err := s.Sign(ctx, buf)
	if err != nil {
		return "", err
	}
	if len(sig) != sigLen {
		return "", fmt.Errorf("accesstoken: signer returned %d bytes, want %d", len(sig), sigLen)
	}
	buf = append(buf, '.')
	return string(b64.AppendEncode(buf, sig)), nil
}

func checkIssuable(c Claims) error {
	if c.Issuer == "" || c.Subject == "" || c.Audience == "" || c.ID == "" || c.SessionID == "" ||
		c.ExpiresAt <= 0 || c.IssuedAt <= 0 {
		return errIssueIncomplete
	}
	const maxTime = 1e15 - 1 // what Verify reads (jose.MaxUintDigits)
	if c.ExpiresAt > maxTime || c.IssuedAt > maxTime || c.NotBefore < 0 || c.NotBefore > maxTime {
		return fmt.Errorf("%w: times out of range", ErrClaims)
	}
	if c.ExpiresAt <= c.IssuedAt || c.ExpiresAt <= c.NotBefore {
		return fmt.Errorf("%w: exp must be after iat and nbf", ErrClaims)
	}
	if c.Confirmation != nil && c.Confirmation.X5tS256 == "" {
		return errCnf
	}
	return nil
}

// Verifier checks presented tokens. Its zero Leeway is strict; 30s is typical.
type Verifier struct {
	Keys     *Keyring
	Issuer   string
	Audience string
	Clock    clock.Clock   // nil means clock.Real
	Leeway   time.Duration // clock skew allowed on exp, nbf and iat; negative counts as 0
}

// Verify checks token and returns its claims. The header and the signature
// are checked before any claim is read.
func (v *Verifier) Verify(token string) (Claims, error) {
	if v == nil || v.Keys == nil || v.Issuer == "" || v.Audience == "" {
		return Claims{}, errNotConfigured
	}
	if len(token) > MaxTokenLen {
		return Claims{}, errTooLong
	}
	// Shape: exactly three non-empty base64url segments (an empty signature
	// is left to the signature length check).
	hSeg, pSeg, sSeg, err := jose.Split(token)
	switch err {
	case nil:
	case jose.ErrBase64:
		return Claims{}, errBase64
	default: // jose.ErrSegments
		return Claims{}, errSegments
	}
	if hSeg == "" || pSeg == "" {
		return Claims{}, errEmptySegment
	}
	d1, d2 := len(hSeg), len(hSeg)+1+len(pSeg)
	hLen := jose.DecodedLen(len(hSeg))
	pLen := jose.DecodedLen(len(pSeg))
	sLen := jose.DecodedLen(len(sSeg))

	// One buffer: the token's bytes (the signing input is its prefix), then
	// the decoded header, payload and signature.
	buf := make([]byte, len(token)+hLen+pLen+sLen)
	copy(buf, token)
	raw := buf[:len(token)]
	dec := buf[len(token):]
	if !jose.DecodeTo(dec[:hLen], raw[:d1]) || !jose.DecodeTo(dec[hLen:hLen+pLen], raw[d1+1:d2]) {
		return Claims{}, errBase64
	}
	sig := dec[hLen+pLen:]
	if !jose.DecodeTo(sig, raw[d2+1:]) {
		return Claims{}, errBase64
	}
	text := string(dec[:hLen+pLen]) // header and payload JSON, one allocation

	h, err := parseHeader(text[:hLen])
	if err != nil {
		return Claims{}, err
	}
	if h.alg != Algorithm {
		return Claims{}, errAlg
	}
	if !strings.EqualFold(h.typ, Type) && !strings.EqualFold(h.typ, "application/"+Type) {
		return Claims{}, errTyp
	}
	key, ok := v.Keys.Key(h.kid)
	if !ok {
		return Claims{}, errKid
	}

	if len(sig) != sigLen {
		return Claims{}, errSigLen
	}
	if !scalarInRange(sig[:32]) || !scalarInRange(sig[32:]) {
		return Claims{}, errSigRange
	}
	digest := sha256.Sum256(raw[:d2])
	var der [72]byte
	if !ecdsa.VerifyASN1(key, digest[:], rawToDER(der[:0], sig)) {
		return Claims{}, errSigVerify
	}

	// Signed by one of our keys: now read the claims.
	pc, err := parseClaims(text[hLen:], v.Audience)
	if err != nil {
		return Claims{}, err
	}
	if err := v.check(&pc); err != nil {
		return Claims{}, err
	}
	return pc.Claims, nil
}

// check applies the claim rules to signed claims.
func (v *Verifier) check(c *parsedClaims) error {
	switch {
	case c.present&cExp == 0:
		return errMissingExp
	case c.present&cIat == 0:
		return errMissingIat
	case c.Issuer != v.Issuer:
		return errIss
	case !c.audOK:
		return errAud
	case c.Subject == "":
		return errSub
	case c.ID == "":
		return errJti
	case c.SessionID == "":
		return errSid
	case c.Confirmation != nil && c.Confirmation.X5tS256 == "":
		return errCnf
	}
	clk := v.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	now, leeway := clk.Now(), max(v.Leeway, 0)
	if !now.Before(time.Unix(c.ExpiresAt, 0).Add(leeway)) {
		return errExp
	}
	if c.present&cNbf != 0 && now.Before(time.Unix(c.NotBefore, 0).Add(-leeway)) {
		return errNbf
	}
	if time.Unix(c.IssuedAt, 0).After(now.Add(leeway)) {
		return errIat
	}
	return nil
}
