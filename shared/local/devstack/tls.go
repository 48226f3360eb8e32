package devstack

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Server certificate files of the HTTPS listener, in the state folder.
const (
	TLSCertFile = "tls/server.pem"
	TLSKeyFile  = "tls/server.key"
)

// TLSConfig is the HTTPS listener's configuration: a self-signed server
// certificate for 127.0.0.1 and localhost, made on first run and kept in
// the state folder, and a request for a client certificate. Any client
// certificate is accepted here, self-signed included: trust comes from
// binding it to a user, which the authorizer checks (as API Gateway's
// mutual TLS with a truststore passes any certificate it chains).
func TLSConfig(stateDir string, now time.Time) (*tls.Config, error) {
	certPath, keyPath := filepath.Join(stateDir, TLSCertFile), filepath.Join(stateDir, TLSKeyFile)
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		if err := makeServerCert(certPath, keyPath, now); err != nil {
			return nil, err
		}
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("loading the local server certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}, nil
}

// SelfSigned makes a P-256 key and a certificate from tmpl that the key
// signs itself, with a random 63-bit serial unless tmpl has one.
func SelfSigned(tmpl *x509.Certificate) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.SerialNumber == nil {
		if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63)); err != nil {
			return nil, nil, err
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return key, der, err
}

func makeServerCert(certPath, keyPath string, now time.Time) error {
	key, der, err := SelfSigned(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "Tollgate local stack"},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	})
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
