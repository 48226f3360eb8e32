package cli

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// assertionLifetime is how far ahead a client assertion's exp is (the
// server accepts at most 5 minutes).
const assertionLifetime = 2 * time.Minute

// assertionType is RFC 7523's client_assertion_type of a JWT client
// assertion, the value the token endpoint requires.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// readPEMFile reads a PEM file, warning on stderr when warnPerm and group
// or other can read it.
func (e *Env) readPEMFile(path string, warnPerm bool) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if warnPerm && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(e.Stderr, "warning: %s can be read by other users (mode %04o): chmod 600 it\n", path, fi.Mode().Perm())
	}
	return os.ReadFile(path)
}

// loadClientCert reads the certificate (first CERTIFICATE block) and its
// private key (PKCS#8, PKCS#1 or SEC1 PEM), checking they belong together.
func (e *Env) loadClientCert(certFile, keyFile string) (tls.Certificate, error) {
	cb, err := e.readPEMFile(certFile, false)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--cert: %w", err)
	}
	var der []byte
	for rest := cb; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		if blk.Type == "CERTIFICATE" {
			der = blk.Bytes
			break
		}
	}
	if der == nil {
		return tls.Certificate{}, fmt.Errorf("--cert: %s holds no PEM CERTIFICATE", certFile)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--cert: %w", err)
	}
	kb, err := e.readPEMFile(keyFile, true)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--key: %w", err)
	}
	key, err := parsePrivateKey(kb)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("--key %s: %w", keyFile, err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return tls.Certificate{}, errors.New("the --key does not match the --cert's public key")
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// parsePrivateKey reads the first private key block: PKCS#8, PKCS#1 (RSA)
// or SEC1 (EC).
func parsePrivateKey(b []byte) (crypto.Signer, error) {
	for rest := b; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			return nil, errors.New("no PEM private key (PKCS#8, PKCS#1 or SEC1)")
		}
		var k any
		var err error
		switch blk.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(blk.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted private keys are not supported: decrypt it (openssl pkey) first")
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		switch k := k.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		}
		return nil, fmt.Errorf("unsupported key type %T", k)
	}
}

// signAssertion is a private_key_jwt client assertion (RFC 7523) for user,
// signed with cert's key, for the token endpoint aud.
func signAssertion(cert tls.Certificate, user, aud string, now time.Time) (string, error) {
	jti, err := newJTI()
	if err != nil {
		return "", err
	}
	return signJWT(cert, map[string]any{"iss": user, "sub": user, "aud": aud, "jti": jti,
		"iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix()})
}

// newJTI is a random one-time JWT id.
func newJTI() (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	return hex.EncodeToString(jti), nil
}

// signJWT signs claims with cert's key, the header naming the certificate
// (x5t#S256) and the algorithm its key takes; the key never leaves here.
func signJWT(cert tls.Certificate, claims map[string]any) (string, error) {
	key, ok := cert.PrivateKey.(crypto.Signer)
	if !ok {
		return "", errors.New("the certificate's key cannot sign")
	}
	var alg string
	var hash crypto.Hash
	switch k := key.(type) {
	case *rsa.PrivateKey:
		alg, hash = "RS256", crypto.SHA256
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			alg, hash = "ES256", crypto.SHA256
		case elliptic.P384():
			alg, hash = "ES384", crypto.SHA384
		case elliptic.P521():
			alg, hash = "ES512", crypto.SHA512
		default:
			return "", errors.New("unsupported EC curve (P-256, P-384 or P-521)")
		}
	case ed25519.PrivateKey:
		alg = "EdDSA"
	default:
		return "", fmt.Errorf("unsupported key type %T", key)
	}
	sum := sha256.Sum256(cert.Certificate[0])
	b64 := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "x5t#S256": b64.EncodeToString(sum[:])})
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	digest := []byte(input)
	if hash != 0 {
		hh := hash.New()
		hh.Write(digest)
		digest = hh.Sum(nil)
	}
	var sig []byte
	if k, ok := key.(*ecdsa.PrivateKey); ok { // JWS wants fixed-size r||s, not ASN.1
		r, ss, e := ecdsa.Sign(rand.Reader, k, digest)
		if e != nil {
			return "", e
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = append(r.FillBytes(make([]byte, size)), ss.FillBytes(make([]byte, size))...)
	} else if sig, err = key.Sign(rand.Reader, digest, hash); err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// assertionForm is the token request of a private_key_jwt profile.
func (s *Session) assertionForm() (url.Values, error) {
	cert, err := s.clientCert()
	if err != nil {
		return nil, err
	}
	p := s.profile
	issuer := p.Issuer
	if issuer == "" {
		issuer = p.APIURL
	}
	tok, err := signAssertion(cert, p.UserID, strings.TrimRight(issuer, "/")+"/oauth/token", s.env.now())
	if err != nil {
		return nil, err
	}
	return url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {assertionType}, "client_assertion": {tok}}, nil
}

// clientCert loads the profile's certificate and key once per session.
func (s *Session) clientCert() (tls.Certificate, error) {
	if s.cert == nil {
		c, err := s.env.loadClientCert(s.profile.CertFile, s.profile.KeyFile)
		if err != nil {
			return tls.Certificate{}, err
		}
		s.cert = &c
	}
	return *s.cert, nil
}

// client is the HTTP client of the session: the Env's, or one presenting
// the profile's client certificate (and skipping server verification when
// the profile says so).
func (s *Session) client() (*http.Client, error) {
	p := s.profile
	if p.CertFile == "" && !p.InsecureSkipVerify {
		return s.env.httpClient(), nil
	}
	if s.hc != nil {
		return s.hc, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: p.InsecureSkipVerify} //nolint:gosec // opted in with --insecure-skip-verify
	if p.CertFile != "" {
		c, err := s.clientCert()
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{c}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	base := s.env.httpClient()
	s.hc = &http.Client{Transport: tr, Timeout: base.Timeout, CheckRedirect: base.CheckRedirect, Jar: base.Jar}
	return s.hc, nil
}
