package management

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/certbind"
)

// ErrInvalidProof is returned, wrapped with a short reason, by VerifyProof for a
// proof it refuses; the reason never quotes the proof.
var ErrInvalidProof = errors.New("proof: invalid proof of possession")

// MaxProofLen is the longest proof read, in bytes, before any decoding.
const MaxProofLen = 8 << 10

// MaxProofIDLen is the longest jti accepted, in bytes: the caller stores it.
const MaxProofIDLen = 256

// ProofLifetime bounds a proof: iat within the last ProofLifetime, exp at
// most ProofLifetime after iat.
const ProofLifetime = 5 * time.Minute

// proofJWS reads proofs strictly before golang-jwt parses them: the header
// rules of a private_key_jwt assertion.
var proofJWS = accesstoken.NewJWSReader(ErrInvalidProof, MaxProofLen, 16, "alg", "typ", "kid", "x5t#S256")

// ProofAudience is the aud a proof for binding to userID carries.
func ProofAudience(issuer, userID string) string {
	return strings.TrimSuffix(issuer, "/") + "/v1/users/" + userID + "/certificate"
}

// VerifiedProof is a verified proof of possession: its jti, to be recorded until
// ExpiresAt and refused again.
type VerifiedProof struct {
	ID        string
	ExpiresAt time.Time
}

// ProofRequest is what a proof must show: the certificate whose key signed
// it, the user it binds to, the audience (ProofAudience) and the time.
type ProofRequest struct {
	Certificate certbind.Certificate
	UserID      string
	Audience    string
	Now         time.Time
}

func proofErr(reason string) error { return fmt.Errorf("%w: %s", ErrInvalidProof, reason) }

// VerifyProof checks a compact JWS signed with the certificate's private
// key: header alg suited to the key and x5t#S256 of the certificate (typ, if
// any, JWT); claims sub = UserID, aud = ProofAudience as its only value, iat
// within the last ProofLifetime, exp after now and at most ProofLifetime
// after iat, and a jti. The caller records the jti to refuse a replay.
func VerifyProof(token string, r ProofRequest) (VerifiedProof, error) {
	h, err := proofJWS.Header(token)
	if err != nil {
		return VerifiedProof{}, err
	}
	if typ, ok := h["typ"]; ok && !strings.EqualFold(typ, "JWT") {
		return VerifiedProof{}, proofErr("typ must be JWT")
	}
	if h["x5t#S256"] != r.Certificate.X5tS256 || r.Certificate.X5tS256 == "" {
		return VerifiedProof{}, proofErr("x5t#S256 is not the certificate's")
	}
	pub, err := r.Certificate.PublicKey()
	if err != nil {
		return VerifiedProof{}, proofErr("unsupported certificate key")
	}
	algs, takes := certbind.Algorithms(pub)
	if !slices.Contains(algs, h["alg"]) {
		return VerifiedProof{}, proofErr(takes)
	}
	c := proofClaims{err: proofErr("claims are not a JSON object"), r: r}
	p := jwt.NewParser(jwt.WithValidMethods(algs), jwt.WithStrictDecoding(), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return r.Now }))
	if _, err := p.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return pub, nil }); err != nil {
		return VerifiedProof{}, proofLibErrors.Refusal(err, c.err, proofErr("signature does not verify"))
	}
	return VerifiedProof{ID: c.ID, ExpiresAt: c.ExpiresAt.UTC()}, nil
}

// proofLibErrors map golang-jwt's errors to VerifyProof's.
var proofLibErrors = accesstoken.LibErrors{
	{jwt.ErrTokenMalformed, proofErr("malformed")},
	{jwt.ErrTokenSignatureInvalid, proofErr("signature does not verify")},
	{jwt.ErrTokenRequiredClaimMissing, proofErr("exp is missing")},
	{jwt.ErrTokenExpired, proofErr("expired")},
	{jwt.ErrTokenUsedBeforeIssued, proofErr("iat is in the future")},
}

var (
	errProofClaim = proofErr("a claim has the wrong type")
	proofDecoder  = accesstoken.ClaimDecoder{ErrType: errProofClaim, Date: proofDate}
)

// proofClaims decodes and checks a proof's claims for golang-jwt.
type proofClaims struct {
	jwt.RegisteredClaims
	err error // the first decoding or rule failure
	r   ProofRequest
}

// UnmarshalJSON reads the claims object strictly; unknown claims are ignored.
func (c *proofClaims) UnmarshalJSON(data []byte) error {
	c.err = proofJWS.Object(data, func(name string, v []byte) error {
		_, err := proofDecoder.Registered(&c.RegisteredClaims, name, v)
		return err
	})
	return c.err
}

// proofDate reads a NumericDate as whole seconds.
func proofDate(v []byte) (*jwt.NumericDate, error) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n < 0 || n > 253402300799 { // 9999-12-31T23:59:59Z
		return nil, errProofClaim
	}
	return jwt.NewNumericDate(time.Unix(n, 0)), nil
}

// Validate applies what golang-jwt does not check, after the signature verified.
func (c *proofClaims) Validate() error {
	switch {
	case c.err != nil:
	case c.Subject != c.r.UserID || c.r.UserID == "":
		c.err = proofErr("sub is not the user")
	case len(c.Audience) != 1 || c.Audience[0] != c.r.Audience:
		c.err = proofErr("aud is not this certificate binding")
	case c.IssuedAt == nil || c.IssuedAt.Before(c.r.Now.Add(-ProofLifetime)):
		c.err = proofErr("iat is missing or older than 5 minutes")
	case c.ExpiresAt == nil || c.ExpiresAt.After(c.IssuedAt.Add(ProofLifetime)):
		c.err = proofErr("exp is more than 5 minutes after iat")
	case c.ID == "" || len(c.ID) > MaxProofIDLen:
		c.err = proofErr("jti is missing or too long")
	}
	return c.err
}
