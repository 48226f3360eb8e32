package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/tollgate/tollgate/shared/dpop"
)

// dpopKeyPath is where a new DPoP key of profile is kept: beside the
// configuration file, named for the profile and unique to this login, so
// a failed login again leaves the profile's current key alone.
func dpopKeyPath(configPath, profile string) string {
	return filepath.Join(filepath.Dir(configPath), "dpop-"+url.PathEscape(profile)+"-"+rand.Text()[:10]+".pem")
}

// newDPoPKey generates a P-256 proof key and writes it to path as PKCS#8
// PEM, mode 0600, atomically (a temporary file renamed over path).
func newDPoPKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePrivate(path, ".dpop-*.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// prover loads the profile's DPoP key once; nil when the profile has none.
func (s *Session) prover() (*dpop.Prover, error) {
	if s.profile.DPoPKeyFile == "" || s.dpop != nil {
		return s.dpop, nil
	}
	b, err := os.ReadFile(s.profile.DPoPKeyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the DPoP key of profile %q (log in again): %w", s.name, err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("the DPoP key file of profile %q is not a PKCS#8 PEM key (log in again)", s.name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	ec, ok := k.(*ecdsa.PrivateKey)
	if err != nil || !ok {
		return nil, fmt.Errorf("the DPoP key file of profile %q holds no ECDSA key (log in again)", s.name)
	}
	if s.dpop, err = dpop.NewProver(ec); err != nil {
		return nil, err
	}
	return s.dpop, nil
}

// prove adds a fresh DPoP proof for req to it, made with the profile's key,
// with ath for token unless it is empty (at the token endpoint). Without
// a key it adds nothing.
func (s *Session) prove(req *http.Request, token string) error {
	p, err := s.prover()
	if err != nil || p == nil {
		return err
	}
	proof, err := p.Proof(req.Method, req.URL.String(), token, s.env.now())
	if err != nil {
		return errors.New("making the DPoP proof: " + err.Error())
	}
	req.Header.Set(dpop.Header, proof)
	return nil
}
