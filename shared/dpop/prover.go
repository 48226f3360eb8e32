package dpop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/url"
	"time"
)

// Prover makes proofs with one P-256 key (ES256): a client's side of DPoP.
type Prover struct {
	key    *ecdsa.PrivateKey
	header string // base64url of the header, the same for every proof
	jkt    string
}

// NewProver returns a Prover for key, which must be on P-256.
func NewProver(key *ecdsa.PrivateKey) (*Prover, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("dpop: the proof key must be ECDSA P-256")
	}
	point, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	k := &publicKey{kty: "EC", x: b64.EncodeToString(point[1:33]), y: b64.EncodeToString(point[33:])}
	hdr, err := json.Marshal(map[string]any{"typ": Type, "alg": "ES256",
		"jwk": map[string]string{"kty": "EC", "crv": "P-256", "x": k.x, "y": k.y}})
	if err != nil {
		return nil, err
	}
	return &Prover{key: key, header: b64.EncodeToString(hdr), jkt: k.thumbprint()}, nil
}

// JKT is the thumbprint of the proof key, as cnf.jkt names it.
func (p *Prover) JKT() string { return p.jkt }

// Proof returns a fresh proof for a request of method to rawURL (its query
// and fragment left out of htu) at now, with ath for accessToken unless it
// is empty (at the token endpoint).
func (p *Prover) Proof(method, rawURL, accessToken string, now time.Time) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", errors.New("dpop: the request URL does not parse")
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	c := map[string]any{"jti": b64.EncodeToString(jti[:]), "htm": method, "htu": u.String(), "iat": now.Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c["ath"] = b64.EncodeToString(sum[:])
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := p.header + "." + b64.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, p.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig), nil
}
