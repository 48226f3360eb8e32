package dpop

import (
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/secret"
)

// Header is the request header that carries a proof (RFC 9449 §4.1).
const Header = "DPoP"

// Scheme is the Authorization scheme of a DPoP-bound access token (§7.1).
const Scheme = "DPoP"

// Type is the typ of every proof.
const Type = "dpop+jwt"

// Limits of what Verify reads.
const (
	MaxProofLen = 4 << 10 // bytes, before any decoding
	MaxIDLen    = 64      // bytes of jti: the caller stores it
	// MaxAge is how long after its iat a proof is accepted, and so how long
	// its jti is remembered; MaxAhead how far iat may run ahead of the
	// verifier's clock (client clock skew).
	MaxAge   = 60 * time.Second
	MaxAhead = 5 * time.Second
)

// Algorithms are the proof algorithms accepted, as advertised in
// dpop_signing_alg_values_supported.
var Algorithms = []string{"ES256", "EdDSA"}

// Proof is what a verified proof establishes.
type Proof struct {
	JKT      string    // RFC 7638 SHA-256 thumbprint of the proof key, base64url
	ID       string    // jti
	IssuedAt time.Time // iat, whole seconds
}

// Request is the HTTP request a proof must be for.
type Request struct {
	Method string // htm, compared exactly
	URL    string // htu, compared after Normalize on both sides
	// AlsoURL, when set, is another URL htu may equal: the token endpoint
	// takes its URL under the issuer as well as the one a request arrived on.
	AlsoURL string
	// TokenHash is the SHA-256 of the access token presented with the
	// proof to a resource (secret.Sum, which the authorizer has computed
	// already): ath must then be its base64url. The zero Hash at the token
	// endpoint, where ath is not checked.
	TokenHash secret.Hash
}

// proofJWS reads a proof's header and claims strictly: no duplicate member,
// valid UTF-8, JSON nested at most twice (the jwk in the header).
var proofJWS = accesstoken.NewJWSReader(ErrMalformed, MaxProofLen, 2)

var (
	b64       = base64.RawURLEncoding
	b64Strict = b64.Strict()
)

// isB64URL marks the base64url alphabet.
var isB64URL = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// Verify checks proof for r at now and returns its key's thumbprint, jti
// and iat. The checks run in this order, the first failure returned: shape
// and header (typ, alg, jwk; a header v knows is not read again), alg
// against the key, the signature, then the claims (jti, htm, htu, iat,
// ath, nonce). The caller must still Spend the proof, and check JKT
// against the token's cnf.jkt when one is presented.
func (v *Verifier) Verify(proof string, r Request, now time.Time) (Proof, error) {
	segs, err := split(proof)
	if err != nil {
		return Proof{}, err
	}
	h, known := v.known(segs[0])
	if !known {
		if h.alg, h.key, err = header(segs[0]); err != nil {
			return Proof{}, err
		}
	}
	payload, err1 := b64Strict.DecodeString(segs[1])
	sig, err2 := b64Strict.DecodeString(segs[2])
	if err1 != nil || err2 != nil {
		return Proof{}, errShape
	}
	var buf [MaxProofLen]byte // the signing input, copied on the stack, not the heap
	if !h.key.verify(h.alg, append(buf[:0], proof[:len(segs[0])+1+len(segs[1])]...), sig) {
		return Proof{}, errSigVerify
	}
	if !known {
		h.jkt = h.key.thumbprint()
		v.remember(segs[0], h)
	}
	c, err := readClaims(payload)
	if err != nil {
		return Proof{}, err
	}
	if err := c.check(r, now); err != nil {
		return Proof{}, err
	}
	return Proof{JKT: h.jkt, ID: c.jti, IssuedAt: time.Unix(c.iat, 0)}, nil
}

// split checks the proof's shape: at most MaxProofLen bytes, three
// segments of the base64url alphabet.
func split(proof string) ([3]string, error) {
	var segs [3]string
	if len(proof) > MaxProofLen {
		return segs, errTooLong
	}
	n, start := 0, 0
	for i := 0; i <= len(proof); i++ {
		if i < len(proof) && proof[i] != '.' {
			if !isB64URL[proof[i]] {
				return segs, errShape
			}
			continue
		}
		if n == 3 {
			return segs, errShape
		}
		segs[n], n, start = proof[start:i], n+1, i+1
	}
	if n != 3 {
		return segs, errShape
	}
	return segs, nil
}

// header reads the header: exactly typ (dpop+jwt), alg (ES256 or EdDSA)
// and jwk (a public key alg suits).
func header(seg string) (string, *publicKey, error) {
	raw, err := b64Strict.DecodeString(seg)
	if err != nil {
		return "", nil, errShape
	}
	var typ, alg string
	var hasTyp, hasAlg bool
	var key *publicKey
	err = proofJWS.Object(raw, func(name string, v []byte) error {
		switch name {
		case "typ":
			hasTyp = true
			return headerStrings.String(v, &typ)
		case "alg":
			hasAlg = true
			return headerStrings.String(v, &alg)
		case "jwk":
			if v[0] != '{' {
				return errHeaderType
			}
			var err error
			key, err = readKey(v)
			return err
		}
		return errMember
	})
	switch {
	case err != nil:
		return "", nil, err
	case !hasTyp || !strings.EqualFold(typ, Type) && !strings.EqualFold(typ, "application/"+Type):
		return "", nil, ErrType
	case !hasAlg:
		return "", nil, errNoAlg
	case alg != "ES256" && alg != "EdDSA":
		return "", nil, errAlg
	case key == nil:
		return "", nil, errNoKey
	case (alg == "ES256") != (key.kty == "EC"):
		return "", nil, errAlgKey
	}
	return alg, key, nil
}

// claims are a proof's claims; others than these are not read.
type claims struct {
	jti, htm, htu, ath string
	iat                int64
	hasIat, nonce      bool
}

// readClaims decodes the claims object: each known claim of its JSON type,
// iat a NumericDate (a non-negative number, fraction dropped).
func readClaims(raw []byte) (claims, error) {
	var c claims
	err := proofJWS.Object(raw, func(name string, v []byte) error {
		var dst *string
		switch name {
		case "jti":
			dst = &c.jti
		case "htm":
			dst = &c.htm
		case "htu":
			dst = &c.htu
		case "ath":
			dst = &c.ath
		case "iat":
			var ok bool
			c.iat, ok = numericDate(v)
			if !ok {
				return errNoIat
			}
			c.hasIat = true
			return nil
		case "nonce":
			c.nonce = true
			return nil
		default:
			return nil
		}
		return claimStrings.String(v, dst)
	})
	return c, err
}

// maxDateDigits bounds a NumericDate's integer part: 10^12 s is year 33658.
const maxDateDigits = 12

// numericDate reads a non-negative JSON number as whole seconds.
func numericDate(v []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		if i == maxDateDigits {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	if i == 0 {
		return 0, false
	}
	if i < len(v) { // a fraction, nothing else
		if v[i] != '.' || i+1 == len(v) {
			return 0, false
		}
		for _, d := range v[i+1:] {
			if d < '0' || d > '9' {
				return 0, false
			}
		}
	}
	return n, true
}

// check applies the claim rules for r at now.
func (c *claims) check(r Request, now time.Time) error {
	switch {
	case c.jti == "" || len(c.jti) > MaxIDLen:
		return errJti
	case c.htm != r.Method:
		return ErrMethod
	case !sameURL(c.htu, r.URL) && (r.AlsoURL == "" || !sameURL(c.htu, r.AlsoURL)):
		return errHtu
	case !c.hasIat:
		return errNoIat
	case c.iat < now.Add(-MaxAge).Unix():
		return errIatOld
	case c.iat > now.Add(MaxAhead).Unix():
		return errIatAhead
	case r.TokenHash != (secret.Hash{}) && !matchesHash(c.ath, r.TokenHash):
		return errAth
	case c.nonce:
		return errNonce
	}
	return nil
}

// matchesHash reports whether ath is the base64url of sum, a token's
// SHA-256.
func matchesHash(ath string, sum secret.Hash) bool {
	var want [43]byte
	b64.Encode(want[:], sum[:])
	return subtle.ConstantTimeCompare([]byte(ath), want[:]) == 1
}

// Strings of the header, the jwk and the claims, each refusing another
// JSON type with its own error.
var (
	headerStrings = accesstoken.ClaimDecoder{ErrType: errHeaderType}
	keyStrings    = accesstoken.ClaimDecoder{ErrType: errKeyMember}
	claimStrings  = accesstoken.ClaimDecoder{ErrType: errClaimType}
)
