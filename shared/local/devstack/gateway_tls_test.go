package devstack

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

// selfSigned makes a client certificate like the ones the local stack
// accepts: self-signed, trusted only through the binding.
func selfSigned(t *testing.T) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, der, err := SelfSigned(&x509.Certificate{
		SerialNumber: big.NewInt(4242),
		Subject: pkix.Name{
			Country:      []string{"US"},
			Organization: []string{"Example, Inc."},
			CommonName:   "alice",
		},
		NotBefore:   time.Date(2025, 3, 5, 7, 8, 9, 0, time.UTC),
		NotAfter:    time.Date(2035, 11, 24, 21, 0, 0, 0, time.UTC),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

func TestClientCertificate(t *testing.T) {
	cert, leaf := selfSigned(t)
	c := &capture{}
	g := newGateway(c, allowAll, ok)
	srv := httptest.NewUnstartedServer(g)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	wantPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))
	want := &clientCert{
		ClientCertPem: wantPEM,
		SubjectDN:     `C=US,O=Example\, Inc.,CN=alice`,
		IssuerDN:      `C=US,O=Example\, Inc.,CN=alice`,
		SerialNumber:  "4242",
	}
	want.Validity.NotBefore = "Mar  5 07:08:09 2025 GMT"
	want.Validity.NotAfter = "Nov 24 21:00:00 2035 GMT"

	tests := []struct {
		name  string
		certs []tls.Certificate
		want  *clientCert
	}{
		{"with a client certificate", []tls.Certificate{cert}, want},
		{"without one", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*c = capture{}
			client := srv.Client()
			client.Transport.(*http.Transport).TLSClientConfig.Certificates = tt.certs
			client.Transport.(*http.Transport).DisableKeepAlives = true
			resp, err := client.Get(srv.URL + "/v1/keys/k1")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}

			got := c.authEvent.RequestContext.Identity.ClientCert
			if tt.want == nil {
				if got != (clientCert{}) {
					t.Errorf("authorizer clientCert = %+v, want empty", got)
				}
			} else if got != *tt.want {
				t.Errorf("authorizer clientCert = %+v\nwant %+v", got, *tt.want)
			}
			if fn := c.proxyEvent.RequestContext.Identity.ClientCert; !reflect.DeepEqual(fn, tt.want) {
				t.Errorf("function clientCert = %+v\nwant %+v", fn, tt.want)
			}
			if tt.want != nil {
				block, _ := pem.Decode([]byte(c.proxyEvent.RequestContext.Identity.ClientCert.ClientCertPem))
				if block == nil || string(block.Bytes) != string(leaf.Raw) {
					t.Error("clientCertPem does not decode to the client's certificate")
				}
			}
			h := c.proxyEvent.Headers
			if h["X-Forwarded-Proto"] != "https" || h["X-Forwarded-Port"] != port {
				t.Errorf("X-Forwarded-Proto %q X-Forwarded-Port %q, want https %s", h["X-Forwarded-Proto"], h["X-Forwarded-Port"], port)
			}
			if ip := c.authEvent.RequestContext.Identity.SourceIP; ip != "127.0.0.1" {
				t.Errorf("sourceIp = %q", ip)
			}
		})
	}
}
