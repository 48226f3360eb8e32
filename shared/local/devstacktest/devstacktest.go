package devstacktest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/local/openapitest"
)

// Stack is a running local stack.
type Stack struct {
	URL      string        // http://127.0.0.1:port, also the issuer
	TLSURL   string        // https://127.0.0.1:port, self-signed, any client certificate
	AdminKey string        // the bootstrap admin key
	Out      *bytes.Buffer // what the stack printed at start
}

// Start serves a fresh stack until the test ends; settings adjust its
// configuration (whose issuer and audience are the HTTP URL). Every
// exchange with it is checked against docs/openapi.yaml
// (openapitest.Observe): a violation fails t.
func Start(t testing.TB, settings ...func(*config.Config)) Stack {
	t.Helper()
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Stack{URL: "http://" + l.Addr().String(), Out: &bytes.Buffer{}}
	cfg := config.Config{Table: id.New("tollgate"), ProjectID: config.DefaultProjectID, AllowNonExpiringKeys: true,
		StoreTimeout: config.DefaultStoreTimeout, Issuer: s.URL, Audience: s.URL, RefreshGrace: config.DefaultRefreshGrace}
	for _, set := range settings {
		set(&cfg)
	}
	built, err := devstack.Build(context.Background(), localtest.DynamoDB(t), devstack.Options{StateDir: dir, Out: s.Out, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	h := openapitest.Observe(t, built) // before the servers, so its report runs after they close
	plain := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	plain.Start()
	t.Cleanup(plain.Close)
	tlsCfg, err := devstack.TLSConfig(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secure := httptest.NewUnstartedServer(h)
	secure.TLS = tlsCfg
	secure.StartTLS()
	t.Cleanup(secure.Close)
	s.TLSURL = secure.URL
	keyFile := filepath.Join(dir, devstack.AdminKeyFile)
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.key mode %v, want 0600", fi.Mode().Perm())
	}
	s.AdminKey = strings.TrimSpace(string(b))
	return s
}

// Cert is a self-signed, non-CA P-256 client certificate and its key.
type Cert struct {
	TLS tls.Certificate
	Key *ecdsa.PrivateKey
	DER []byte
	PEM string
}

// ClientCert makes a certificate for common name cn, valid from an hour ago
// for a day.
func ClientCert(t testing.TB, cn string) Cert {
	t.Helper()
	key, der, err := devstack.SelfSigned(&x509.Certificate{Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatal(err)
	}
	return Cert{TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, Key: key, DER: der,
		PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// KeyPEM is the certificate's key as PKCS#8 PEM.
func (c Cert) KeyPEM(t testing.TB) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
