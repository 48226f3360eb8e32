package certbind

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testKeys are generated once per test binary.
type testKeys struct {
	rsa2048, rsa1024 *rsa.PrivateKey
	p256, p384, p521 *ecdsa.PrivateKey
	p224             *ecdsa.PrivateKey
	ed               ed25519.PrivateKey
	x25519           *ecdh.PrivateKey
	caP256           *ecdsa.PrivateKey
}

var keys = sync.OnceValue(func() *testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &testKeys{}
	var err error
	k.rsa2048, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	for _, p := range []struct {
		dst   **ecdsa.PrivateKey
		curve elliptic.Curve
	}{{&k.p256, elliptic.P256()}, {&k.p384, elliptic.P384()}, {&k.p521, elliptic.P521()},
		{&k.p224, elliptic.P224()}, {&k.caP256, elliptic.P256()}} {
		*p.dst, err = ecdsa.GenerateKey(p.curve, rand.Reader)
		must(err)
	}
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	k.x25519, err = ecdh.X25519().GenerateKey(rand.Reader)
	must(err)
	return k
})

// spec describes a test certificate; zero fields get defaults.
type spec struct {
	key       crypto.Signer // subject key, and signer when self-signed
	pub       any           // subject public key, if not key's
	parent    *x509.Certificate
	parentKey crypto.Signer
	ca        bool
	noBasic   bool // no basic constraints extension
	notBefore time.Time
	notAfter  time.Time
	sigAlg    x509.SignatureAlgorithm
	cn        string
}

func newCert(tb testing.TB, s spec) []byte {
	tb.Helper()
	if s.key == nil {
		s.key = keys().p256
	}
	if s.pub == nil {
		s.pub = s.key.Public()
	}
	if s.notBefore.IsZero() {
		s.notBefore = testNow.Add(-time.Hour)
	}
	if s.notAfter.IsZero() {
		s.notAfter = testNow.Add(24 * time.Hour)
	}
	if s.cn == "" {
		s.cn = "usr_test"
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		tb.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: s.cn, Organization: []string{"Tollgate, Tests"}},
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		SignatureAlgorithm:    s.sigAlg,
		BasicConstraintsValid: !s.noBasic,
		IsCA:                  s.ca,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if s.ca {
		tpl.KeyUsage |= x509.KeyUsageCertSign
	}
	parent, signer := tpl, s.key
	if s.parent != nil {
		parent, signer = s.parent, s.parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, s.pub, signer)
	if err != nil {
		tb.Fatalf("creating test certificate: %v", err)
	}
	return der
}

func pemOf(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func pemBlock(typ string, b []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}))
}

func b64Of(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

// wrap breaks s into lines of n characters joined by sep.
func wrap(s string, n int, sep string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteString(sep)
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

// resign rewrites the signature algorithm of a certificate (in the TBS and
// outside it) to oid, replaces its SubjectPublicKeyInfo with spki unless
// nil, and signs the new TBS with sign: a way to make certificates Go's
// x509 refuses to create.
func resign(tb testing.TB, der []byte, oid asn1.ObjectIdentifier, spki []byte, sign func(tbs []byte) []byte) []byte {
	tb.Helper()
	var cert struct {
		TBS    asn1.RawValue
		Alg    asn1.RawValue
		Signed asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) != 0 {
		tb.Fatalf("resign: %v", err)
	}
	var fields []asn1.RawValue
	for rest := cert.TBS.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			tb.Fatalf("resign: %v", err)
		}
		fields = append(fields, f)
	}
	alg, err := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue})
	if err != nil {
		tb.Fatal(err)
	}
	i := 1 // signature: after the serial number, or after the version and it
	if fields[0].Class == asn1.ClassContextSpecific {
		i = 2
	}
	fields[i] = asn1.RawValue{FullBytes: alg}
	if spki != nil {
		fields[i+4] = asn1.RawValue{FullBytes: spki} // after issuer, validity, subject
	}
	var body []byte
	for _, f := range fields {
		body = append(body, f.FullBytes...)
	}
	tbs, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	if err != nil {
		tb.Fatal(err)
	}
	sig := sign(tbs)
	out, err := asn1.Marshal(struct {
		TBS    asn1.RawValue
		Alg    asn1.RawValue
		Signed asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, asn1.RawValue{FullBytes: alg}, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func readFixture(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func derOfPEM(tb testing.TB, text string) []byte {
	tb.Helper()
	b, _ := pem.Decode([]byte(text))
	if b == nil {
		tb.Fatal("no PEM block")
	}
	return b.Bytes
}

// privateKeyForms are one private key in every encoding the tests use.
type keyForm struct {
	name string
	pem  string // as a PEM block
	der  []byte
}

func privateKeyForms(tb testing.TB) []keyForm {
	tb.Helper()
	k := keys()
	pkcs8 := func(key any) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	sec1, err := x509.MarshalECPrivateKey(k.p256)
	if err != nil {
		tb.Fatal(err)
	}
	// EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }.
	encrypted, err := asn1.Marshal(struct {
		Alg  pkix.AlgorithmIdentifier
		Data []byte
	}{pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}}, bytes.Repeat([]byte{0xA5}, 64)})
	if err != nil {
		tb.Fatal(err)
	}
	forms := []keyForm{
		{name: "PKCS#8 RSA", der: pkcs8(k.rsa2048)},
		{name: "PKCS#8 EC", der: pkcs8(k.p256)},
		{name: "PKCS#8 Ed25519", der: pkcs8(k.ed)},
		{name: "PKCS#1 RSA", der: x509.MarshalPKCS1PrivateKey(k.rsa2048)},
		{name: "SEC1 EC", der: sec1},
		{name: "encrypted PKCS#8", der: encrypted},
	}
	labels := []string{"PRIVATE KEY", "PRIVATE KEY", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"}
	for i := range forms {
		forms[i].pem = pemBlock(labels[i], forms[i].der)
	}
	return forms
}
