package accesstoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tollgate/tollgate/shared/clock"
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

// Confirmation binds a token to a key: a client certificate (RFC 8705)
// or a DPoP proof key (RFC 9449 §6.1). Exactly one member is set.
type Confirmation struct {
	X5tS256 string `json:"x5t#S256,omitempty"` // base64url SHA-256 of the certificate's DER
	JKT     string `json:"jkt,omitempty"`      // RFC 7638 SHA-256 thumbprint of the DPoP key, base64url
}

// bound reports whether c holds exactly one confirmation member.
func (c *Confirmation) bound() bool { return (c.X5tS256 == "") != (c.JKT == "") }

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
	const maxTime = 1e15 - 1 // what Verify reads (maxDateDigits)
	if c.ExpiresAt > maxTime || c.IssuedAt > maxTime || c.NotBefore < 0 || c.NotBefore > maxTime {
		return fmt.Errorf("%w: times out of range", ErrClaims)
	}
	if c.ExpiresAt <= c.IssuedAt || c.ExpiresAt <= c.NotBefore {
		return fmt.Errorf("%w: exp must be after iat and nbf", ErrClaims)
	}
	if c.Confirmation != nil && !c.Confirmation.bound() {
		return errCnf
	}
	return nil
}

// Verifier checks presented tokens. Its zero Leeway is strict; 30s is typical.
type Verifier struct {
	Keys     *Keyring
	Issuer   string
	Audience string
	// Audiences are accepted besides Audience: the audiences a token
	// exchange may name (introspection reports on those tokens too; the
	// authorizer accepts Audience alone).
	Audiences []string
	Clock     clock.Clock   // nil means clock.Real
	Leeway    time.Duration // clock skew allowed on exp, nbf and iat; negative counts as 0
}

// Verify checks token and returns its claims: the header against the
// allow-list, alg and typ, the key by kid, then golang-jwt verifies the
// signature and the claims.
func (v *Verifier) Verify(token string) (Claims, error) {
	if v == nil || v.Keys == nil || v.Issuer == "" || v.Audience == "" {
		return Claims{}, errNotConfigured
	}
	h, err := tokenJWS.Header(token)
	if err != nil {
		return Claims{}, err
	}
	if h["alg"] != Algorithm {
		return Claims{}, errAlg
	}
	if typ := h["typ"]; !strings.EqualFold(typ, Type) && !strings.EqualFold(typ, "application/"+Type) {
		return Claims{}, errTyp
	}
	key, ok := v.Keys.Key(h["kid"])
	if !ok {
		return Claims{}, errKid
	}
	c := tokenClaims{err: errClaimsJSON} // until UnmarshalJSON runs: not for a null payload
	if _, err := v.parser().ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
		return Claims{}, libErrors.Refusal(err, c.err, errSigVerify) // unknown reasons: not verified
	}
	return c.claims(v.accepted(c.Audience)), nil
}

// accepted is the first of the Verifier's audiences that aud holds: the
// one the parser matched.
func (v *Verifier) accepted(aud jwt.ClaimStrings) string {
	for _, a := range v.Audiences {
		if slices.Contains(aud, a) && !slices.Contains(aud, v.Audience) {
			return a
		}
	}
	return v.Audience
}

// parser is golang-jwt's parser with the Verifier's settings.
func (v *Verifier) parser() *jwt.Parser {
	clk := v.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	now := clk.Now()
	aud := []string{v.Audience}
	if len(v.Audiences) > 0 {
		aud = append(aud, v.Audiences...)
	}
	return jwt.NewParser(
		jwt.WithValidMethods(validMethods),
		jwt.WithStrictDecoding(),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(aud...),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(max(v.Leeway, 0)),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
}

var validMethods = []string{Algorithm}

// libErrors map golang-jwt's errors to Verify's; a wrong claim outranks a
// time out of bounds.
var libErrors = LibErrors{
	{jwt.ErrTokenMalformed, errDecode},
	{jwt.ErrTokenSignatureInvalid, errSigVerify},
	{jwt.ErrTokenRequiredClaimMissing, errMissing},
	{jwt.ErrTokenInvalidIssuer, errIss},
	{jwt.ErrTokenInvalidAudience, errAud},
	{jwt.ErrTokenExpired, errExp},
	{jwt.ErrTokenNotValidYet, errNbf},
	{jwt.ErrTokenUsedBeforeIssued, errIat},
}
