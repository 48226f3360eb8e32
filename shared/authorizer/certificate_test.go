package authorizer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/user"
)

// certFixture adds a client certificate bound to the owner to the JWT
// fixture (whose signer issues certificate-bound tokens).
type certFixture struct {
	*jwtFixture
	pem     string
	binding certbind.Binding
}

func newCertFixture(t testing.TB) *certFixture {
	t.Helper()
	f := &certFixture{jwtFixture: newJWTFixture(t)}
	f.bind(t, clientCert(t, t0.Add(-time.Hour), t0.Add(24*time.Hour)), f.owner.ID)
	return f
}

// bind binds the certificate pem to owner, in place of the fixture's.
func (f *certFixture) bind(t testing.TB, pem, owner string) {
	t.Helper()
	ctx := context.Background()
	if f.pem != "" {
		if err := f.store.UnbindCertificate(ctx, f.binding); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := certbind.FromClientCert(pem)
	if err != nil {
		t.Fatal(err)
	}
	f.pem, f.binding = pem, certbind.Binding{ProjectID: project, Owner: owner, Certificate: cert, CreatedAt: t0}
	if err := f.store.BindCertificate(ctx, f.binding); err != nil {
		t.Fatal(err)
	}
}

// clientCert returns the PEM of a new self-signed client certificate.
func clientCert(t testing.TB, notBefore, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client"},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// overMTLS is a whoami request over mutual TLS with the client certificate pem.
func overMTLS(pem string, headers map[string]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	req := whoami(headers)
	req.RequestContext.Identity.ClientCert.ClientCertPem = pem
	return req
}

func TestCertificate(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		change   func(t *testing.T, f *certFixture) string // returns the PEM presented
		headers  func(f *certFixture) map[string]string
		wantType string // "": Unauthorized
	}{
		{"bound", func(_ *testing.T, f *certFixture) string { return f.pem }, nil, "certificate"},
		{"not bound", func(t *testing.T, _ *certFixture) string { return clientCert(t, t0.Add(-time.Hour), t0.Add(time.Hour)) }, nil, ""},
		{"unreadable", func(*testing.T, *certFixture) string {
			return "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		}, nil, ""},
		{"expired", func(_ *testing.T, f *certFixture) string { f.clock.Advance(24 * time.Hour); return f.pem }, nil, ""},
		{"not yet valid", func(t *testing.T, f *certFixture) string {
			f.bind(t, clientCert(t, t0.Add(time.Hour), t0.Add(2*time.Hour)), f.owner.ID)
			return f.pem
		}, nil, ""},
		{"owner disabled", func(t *testing.T, f *certFixture) string {
			f.setOwner(t, func(u *user.User) { u.Disabled = true })
			return f.pem
		}, nil, ""},
		{"unbound", func(_ *testing.T, f *certFixture) string { _ = f.store.UnbindCertificate(ctx, f.binding); return f.pem }, nil, ""},
		{"a key over mutual TLS", func(_ *testing.T, f *certFixture) string { return f.pem },
			func(f *certFixture) map[string]string { return map[string]string{"x-api-key": f.token} }, "api_key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newCertFixture(t)
			var headers map[string]string
			if c.headers != nil {
				headers = c.headers(f)
			}
			resp, err := f.auth.Handle(ctx, overMTLS(c.change(t, f), headers))
			if c.wantType == "" {
				if !errors.Is(err, authorizer.ErrUnauthorized) {
					t.Fatalf("err = %v, want Unauthorized", err)
				}
				return
			}
			if err != nil || resp.Context["credentialType"] != c.wantType || resp.PrincipalID != f.owner.ID {
				t.Fatalf("err %v, context %v", err, resp.Context)
			}
			if c.wantType == "certificate" && resp.Context["credentialId"] != f.binding.Thumbprint {
				t.Fatalf("credentialId %v, want the thumbprint", resp.Context["credentialId"])
			}
		})
	}
}

func TestUnreadableCertificateNeverReachesTheStore(t *testing.T) {
	f := newCertFixture(t)
	reads := f.store.Reads.Load()
	for _, pem := range []string{"x", f.pem + f.pem, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"} {
		if _, err := f.auth.Handle(context.Background(), overMTLS(pem, nil)); !errors.Is(err, authorizer.ErrUnauthorized) {
			t.Fatal(err)
		}
	}
	if f.store.Reads.Load() != reads {
		t.Fatal("an unreadable certificate reached the store")
	}
}

// TestCertificateBoundToken: a token whose cnf names a certificate counts
// only over mutual TLS with that certificate, still bound to its owner.
func TestCertificateBoundToken(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(f *certFixture) string // returns the PEM presented
		want   error
	}{
		{"with its certificate", func(f *certFixture) string { return f.pem }, nil},
		{"without a certificate", func(*certFixture) string { return "" }, authorizer.ErrUnauthorized},
		{"with another certificate", func(*certFixture) string { return clientCert(t, t0.Add(-time.Hour), t0.Add(time.Hour)) },
			authorizer.ErrUnauthorized},
		{"certificate bound to another user", func(f *certFixture) string {
			bob := user.User{ProjectID: project, ID: "usr_bob", Username: "bob", CreatedAt: t0}
			_ = f.store.CreateUser(ctx, bob)
			f.bind(t, f.pem, bob.ID)
			f.clock.Advance(30 * time.Second) // past the revocation bound
			return f.pem
		}, authorizer.ErrUnauthorized},
		{"certificate unbound", func(f *certFixture) string {
			_ = f.store.UnbindCertificate(ctx, f.binding)
			f.clock.Advance(30 * time.Second) // past the revocation bound
			return f.pem
		}, authorizer.ErrUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newCertFixture(t)
			cl := f.claims()
			cl.Confirmation = &accesstoken.Confirmation{X5tS256: f.binding.X5tS256}
			tok := f.issue(t, cl)
			// The first use, with the certificate, warms the caches.
			if _, err := f.auth.Handle(ctx, overMTLS(f.pem, map[string]string{"Authorization": "Bearer " + tok})); err != nil {
				t.Fatal(err)
			}
			_, err := f.auth.Handle(ctx, overMTLS(c.change(f), map[string]string{"Authorization": "Bearer " + tok}))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}
