package certbind

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var sentinels = []error{ErrTooLarge, ErrPrivateKey, ErrNotCertificate, ErrSeveral, ErrExpired,
	ErrNotYetValid, ErrCA, ErrWeakKey, ErrWeakSignature}

// checkRefusal: err is the wanted sentinel (and no other), and its text
// quotes nothing of the input.
func checkRefusal(t *testing.T, got Certificate, err, want error, input string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("error %v is also %v", err, s)
		}
	}
	if !reflect.DeepEqual(got, Certificate{}) {
		t.Fatalf("refused input returned %+v", got)
	}
	checkErrorText(t, err, input)
	t.Log(err)
}

// checkErrorText: no run of 12 non-space characters of input is in err.
func checkErrorText(t testing.TB, err error, input string) {
	t.Helper()
	msg := err.Error()
	for _, f := range strings.Fields(input) {
		for i := 0; i+12 <= len(f); i += 6 {
			if strings.Contains(msg, f[i:i+12]) {
				t.Fatalf("error text %q quotes the input", msg)
			}
		}
	}
}

func TestParseAccepts(t *testing.T) {
	k := keys()
	p256 := newCert(t, spec{})
	rsaDER := newCert(t, spec{key: k.rsa2048})
	named := newCert(t, spec{cn: "PRIVATE-KEY"})
	cases := []struct {
		name  string
		der   []byte
		input string
		now   time.Time
	}{
		{name: "PEM, P-256", der: p256, input: pemOf(p256)},
		{name: "PEM, P-384", der: newCert(t, spec{key: k.p384})},
		{name: "PEM, P-521", der: newCert(t, spec{key: k.p521})},
		{name: "PEM, RSA 2048", der: rsaDER, input: pemOf(rsaDER)},
		{name: "PEM, Ed25519", der: newCert(t, spec{key: k.ed})},
		{name: "PEM, RSA-PSS signature", der: newCert(t, spec{key: k.rsa2048, sigAlg: x509.SHA256WithRSAPSS})},
		{name: "PEM, ECDSA SHA-384 signature", der: newCert(t, spec{key: k.p256, sigAlg: x509.ECDSAWithSHA384})},
		{name: "PEM, issued by a CA", der: newCert(t, spec{key: k.p256, parent: caCert(t), parentKey: k.caP256})},
		{name: "PEM, no basic constraints", der: newCert(t, spec{noBasic: true})},
		{name: "PEM with CRLF and blank lines", der: p256, input: "\r\n\r\n" + strings.ReplaceAll(pemOf(p256), "\n", "\r\n") + "\r\n \t\r\n"},
		{name: "PEM without final newline", der: p256, input: strings.TrimSuffix(pemOf(p256), "\n")},
		{name: "base64 DER", der: p256, input: b64Of(p256)},
		{name: "base64 DER, 64-char lines", der: rsaDER, input: wrap(b64Of(rsaDER), 64, "\n") + "\n"},
		{name: "base64 DER, CRLF and tabs", der: rsaDER, input: "\t" + wrap(b64Of(rsaDER), 76, "\r\n\t")},
		{name: "base64 DER, unpadded", der: p256, input: base64.RawStdEncoding.EncodeToString(p256)},
		{name: "padded to exactly MaxInput", der: p256, input: pemOf(p256) + strings.Repeat(" ", MaxInput-len(pemOf(p256)))},
		{name: "valid until this very second", der: newCert(t, spec{notAfter: testNow})},
		{name: "notBefore within the clock skew", der: newCert(t, spec{notBefore: testNow.Add(ClockSkew)})},
		{name: "PEM, named Private Key Service", der: newCert(t, spec{cn: "Private Key Service"})},
		{name: "base64, named PRIVATE-KEY", der: named, input: b64Of(named)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.input == "" {
				c.input = pemOf(c.der)
			}
			got, err := Parse(c.input, testNow)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkCertificate(t, got, c.der)
		})
	}
}

// checkCertificate compares got with what the standard library says of der.
func checkCertificate(t testing.TB, got Certificate, der []byte) {
	t.Helper()
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	s256, s1 := sha256.Sum256(der), sha1.Sum(der)
	want := Certificate{
		Thumbprint:     strings.ToUpper(hex.EncodeToString(s256[:])),
		ThumbprintSHA1: strings.ToUpper(hex.EncodeToString(s1[:])),
		X5tS256:        base64.RawURLEncoding.EncodeToString(s256[:]),
		Subject:        x.Subject.String(),
		Issuer:         x.Issuer.String(),
		NotBefore:      x.NotBefore.UTC(),
		NotAfter:       x.NotAfter.UTC(),
		DER:            der,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if len(got.Thumbprint) != 64 || len(got.ThumbprintSHA1) != 40 || len(got.X5tS256) != 43 {
		t.Fatalf("thumbprint lengths %d %d %d", len(got.Thumbprint), len(got.ThumbprintSHA1), len(got.X5tS256))
	}
}

func caCert(t testing.TB) *x509.Certificate {
	t.Helper()
	der := newCert(t, spec{key: keys().caP256, ca: true, cn: "Tollgate Test CA"})
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestParseRefuses(t *testing.T) {
	leaf := newCert(t, spec{})
	cases := slices.Concat(
		privateKeyRefusals(t, leaf),
		notOneCertificateRefusals(t, leaf),
		datesAndPolicyRefusals(t),
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.input, testNow)
			if c.want == nil { // a control case: the helper makes good certificates
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkRefusal(t, got, err, c.want, c.input)
		})
	}
}

// refusalCase is an input Parse must refuse with want (nil: a control case
// it accepts).
type refusalCase struct {
	name  string
	input string
	want  error
}

// privateKeyRefusals: inputs over MaxInput, and inputs that hold a private key
// in any form, beside the certificate leaf or instead of it.
func privateKeyRefusals(t testing.TB, leaf []byte) []refusalCase {
	leafPEM := pemOf(leaf)
	forms := privateKeyForms(t)
	pkcs8PEM := forms[1].pem
	return []refusalCase{
		// Size comes first, even before the private key check.
		{"64 KiB + 1", leafPEM + strings.Repeat(" ", MaxInput+1-len(leafPEM)), ErrTooLarge},
		{"64 KiB + 1 holding a private key", pkcs8PEM + strings.Repeat("A", MaxInput+1-len(pkcs8PEM)), ErrTooLarge},

		// Private keys, anywhere, in any form.
		{"private key before the certificate", pkcs8PEM + leafPEM, ErrPrivateKey},
		{"private key after the certificate", leafPEM + pkcs8PEM, ErrPrivateKey},
		{"private key instead of the certificate", pkcs8PEM, ErrPrivateKey},
		{"RSA PRIVATE KEY (PKCS#1)", leafPEM + forms[3].pem, ErrPrivateKey},
		{"EC PRIVATE KEY (SEC1)", forms[4].pem + leafPEM, ErrPrivateKey},
		{"ENCRYPTED PRIVATE KEY", forms[5].pem, ErrPrivateKey},
		{"OPENSSH PRIVATE KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", ErrPrivateKey},
		{"lower-case label", strings.ReplaceAll(pkcs8PEM, "PRIVATE KEY", "private key"), ErrPrivateKey},
		{"private key block with broken base64", leafPEM + "-----BEGIN PRIVATE KEY-----\nMIG!!!\n-----END PRIVATE KEY-----\n", ErrPrivateKey},
		{"label only, in junk", leafPEM + "my PRIVATE KEY is below\n", ErrPrivateKey},
		{"PKCS#8 DER in a CERTIFICATE block", pemBlock("CERTIFICATE", forms[1].der), ErrPrivateKey},
		{"PKCS#1 DER in a CERTIFICATE block after a certificate", leafPEM + pemBlock("CERTIFICATE", forms[3].der), ErrPrivateKey},
		{"base64 PKCS#8 RSA", b64Of(forms[0].der), ErrPrivateKey},
		{"base64 PKCS#8 EC", b64Of(forms[1].der), ErrPrivateKey},
		{"base64 PKCS#8 Ed25519", b64Of(forms[2].der), ErrPrivateKey},
		{"base64 PKCS#1", wrap(b64Of(forms[3].der), 64, "\n"), ErrPrivateKey},
		{"base64 SEC1", b64Of(forms[4].der), ErrPrivateKey},
		{"base64 encrypted PKCS#8", b64Of(forms[5].der), ErrPrivateKey},
		{"base64 of a PEM private key", b64Of([]byte(pkcs8PEM)), ErrPrivateKey},
		{"raw DER private key", string(forms[0].der), ErrPrivateKey},
		{"PuTTY key file", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", ErrPrivateKey},
	}
}

// notOneCertificateRefusals: inputs around the certificate leaf that hold
// several certificates, none, or something besides it.
func notOneCertificateRefusals(t testing.TB, leaf []byte) []refusalCase {
	k := keys()
	leafPEM := pemOf(leaf)
	other := pemOf(newCert(t, spec{key: k.p384}))
	b64Lines := strings.Split(strings.TrimSpace(leafPEM), "\n")
	body := strings.Join(b64Lines[1:len(b64Lines)-1], "\n")
	pkix, err := x509.MarshalPKIXPublicKey(k.p256.Public())
	if err != nil {
		t.Fatal(err)
	}
	return []refusalCase{
		{"two certificates", leafPEM + other, ErrSeveral},
		{"certificate and its CA", leafPEM + pemOf(caCert(t).Raw), ErrSeveral},
		{"two DER certificates in base64", b64Of(append(append([]byte{}, leaf...), derOfPEM(t, other)...)), ErrSeveral},
		{"two DER certificates in one PEM block", pemBlock("CERTIFICATE", append(append([]byte{}, leaf...), derOfPEM(t, other)...)), ErrSeveral},
		{"empty", "", ErrNotCertificate},
		{"whitespace", " \r\n\t ", ErrNotCertificate},
		{"text", "hello, world", ErrNotCertificate},
		{"JSON", `{"certificate":"x"}`, ErrNotCertificate},
		{"PEM then junk", leafPEM + "junk\n", ErrNotCertificate},
		{"junk then PEM", "Certificate:\n    Data: ...\n" + leafPEM, ErrNotCertificate},
		{"junk between two PEM blocks", leafPEM + "x\n" + other, ErrNotCertificate},
		{"junk on the END line", strings.TrimSpace(leafPEM) + "junk\n", ErrNotCertificate},
		{"junk on the BEGIN line", strings.Replace(leafPEM, "CERTIFICATE-----", "CERTIFICATE-----junk", 1), ErrNotCertificate},
		{"missing END", strings.Join(b64Lines[:len(b64Lines)-1], "\n"), ErrNotCertificate},
		{"mismatched END", strings.Replace(leafPEM, "END CERTIFICATE", "END X509 CRL", 1), ErrNotCertificate},
		{"broken block before a good one", "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n" + leafPEM, ErrNotCertificate},
		{"PUBLIC KEY block", pemBlock("PUBLIC KEY", pkix), ErrNotCertificate},
		{"certificate then PUBLIC KEY block", leafPEM + pemBlock("PUBLIC KEY", pkix), ErrNotCertificate},
		{"X509 CRL block", pemBlock("X509 CRL", leaf), ErrNotCertificate},
		{"TRUSTED CERTIFICATE block", pemBlock("TRUSTED CERTIFICATE", leaf), ErrNotCertificate},
		{"PEM headers", strings.Replace(leafPEM, "-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1), ErrNotCertificate},
		{"PEM body not base64", "-----BEGIN CERTIFICATE-----\n" + strings.ReplaceAll(body, "A", "*") + "\n-----END CERTIFICATE-----\n", ErrNotCertificate},
		{"garbage DER in PEM", pemBlock("CERTIFICATE", []byte("not DER at all")), ErrNotCertificate},
		{"truncated DER", b64Of(leaf[:len(leaf)-1]), ErrNotCertificate},
		{"DER with trailing bytes", b64Of(append(append([]byte{}, leaf...), 0, 0)), ErrNotCertificate},
		{"base64url DER", base64.RawURLEncoding.EncodeToString(leaf) + "-_", ErrNotCertificate},
		{"base64 with a bad padding", b64Of(leaf) + "=", ErrNotCertificate},
		{"public key as base64", b64Of(pkix), ErrNotCertificate},
	}
}

// datesAndPolicyRefusals: certificates out of their dates, CAs, and weak keys
// or signature algorithms.
func datesAndPolicyRefusals(t testing.TB) []refusalCase {
	k := keys()
	// signRSA signs a digest with k.rsa2048, for certificates re-signed by resign.
	signRSA := func(hash crypto.Hash, digest []byte) []byte {
		sig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa2048, hash, digest)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	sha1Key := func(tbs []byte) []byte {
		sum := sha1.Sum(tbs)
		return signRSA(crypto.SHA1, sum[:])
	}
	sha256Key := func(tbs []byte) []byte {
		sum := sha256.Sum256(tbs)
		return signRSA(crypto.SHA256, sum[:])
	}
	unknownOID := resign(t, newCert(t, spec{key: k.rsa2048}), asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, nil, func([]byte) []byte {
		return make([]byte, 256)
	})
	sha1Resigned := resign(t, newCert(t, spec{key: k.rsa2048}), asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, nil, sha1Key)
	x25519SPKI, err := x509.MarshalPKIXPublicKey(k.x25519.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	x25519 := resign(t, newCert(t, spec{key: k.rsa2048}), asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, x25519SPKI, sha256Key)
	return []refusalCase{
		// Dates.
		{"expired", pemOf(newCert(t, spec{notBefore: testNow.Add(-48 * time.Hour), notAfter: testNow.Add(-time.Second)})), ErrExpired},
		{"not yet valid", pemOf(newCert(t, spec{notBefore: testNow.Add(ClockSkew + time.Second)})), ErrNotYetValid},
		{"not yet valid, as base64", b64Of(newCert(t, spec{notBefore: testNow.Add(time.Hour), notAfter: testNow.Add(48 * time.Hour)})), ErrNotYetValid},

		// Policy.
		{"self-signed CA", pemOf(caCert(t).Raw), ErrCA},
		{"RSA 1024", pemOf(newCert(t, spec{key: k.rsa1024})), ErrWeakKey},
		{"P-224", pemOf(newCert(t, spec{key: k.p224})), ErrWeakKey},
		{"X25519 key", pemOf(x25519), ErrWeakKey},
		{"well re-signed control", pemOf(resign(t, newCert(t, spec{key: k.rsa2048}), asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, nil, sha256Key)), nil},
		{"DSA key (openssl)", readFixture(t, "dsa.pem"), ErrWeakKey},
		{"SHA-1 with RSA (Go)", pemOf(newCert(t, spec{key: k.rsa2048, sigAlg: x509.SHA1WithRSA})), ErrWeakSignature},
		{"SHA-1 with RSA (re-signed)", pemOf(sha1Resigned), ErrWeakSignature},
		{"SHA-1 with RSA (openssl)", readFixture(t, "sha1.pem"), ErrWeakSignature},
		{"MD5 with RSA (openssl)", readFixture(t, "md5.pem"), ErrWeakSignature},
		{"ECDSA with SHA-1", pemOf(newCert(t, spec{key: k.p256, sigAlg: x509.ECDSAWithSHA1})), ErrWeakSignature},
		{"unknown signature algorithm", pemOf(unknownOID), ErrWeakSignature},
	}
}

// The same certificate as PEM and as base64 DER is the same Certificate.
func TestPEMAndBase64Agree(t *testing.T) {
	k := keys()
	for _, key := range []crypto.Signer{k.rsa2048, k.p256, k.ed} {
		der := newCert(t, spec{key: key})
		fromPEM, err := Parse(pemOf(der), testNow)
		if err != nil {
			t.Fatal(err)
		}
		fromB64, err := Parse(wrap(b64Of(der), 64, "\r\n"), testNow)
		if err != nil {
			t.Fatal(err)
		}
		fromMTLS, err := FromClientCert(pemOf(der))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromPEM, fromB64) || !reflect.DeepEqual(fromPEM, fromMTLS) {
			t.Fatalf("PEM %+v\nbase64 %+v\nmTLS %+v", fromPEM, fromB64, fromMTLS)
		}
	}
}

// Thumbprints and names agree with what openssl printed for its own
// certificate (testdata/README.md).
func TestOpenSSLFixture(t *testing.T) {
	c, err := Parse(readFixture(t, "rsa.pem"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	colonless := func(s string) string { return strings.ReplaceAll(s, ":", "") }
	if want := colonless("62:D2:29:D7:2A:A1:D9:F9:AC:05:A1:2C:7A:5A:22:86:F1:79:EA:FC:6F:79:14:48:8D:56:16:84:E4:50:20:4D"); c.Thumbprint != want {
		t.Errorf("Thumbprint = %s, want %s", c.Thumbprint, want)
	}
	if want := colonless("E5:61:0C:9B:45:D3:3B:EF:D5:88:BB:A2:24:43:AD:73:25:52:CF:C0"); c.ThumbprintSHA1 != want {
		t.Errorf("ThumbprintSHA1 = %s, want %s", c.ThumbprintSHA1, want)
	}
	if want := `CN=openssl leaf,O=Tollgate\, Test,C=DE`; c.Subject != want || c.Issuer != want {
		t.Errorf("Subject = %q, Issuer = %q, want %q", c.Subject, c.Issuer, want)
	}
	if want := time.Date(2126, 10, 31, 22, 23, 42, 0, time.UTC); !c.NotAfter.Equal(want) {
		t.Errorf("NotAfter = %v, want %v", c.NotAfter, want)
	}
	raw, _ := hex.DecodeString(c.Thumbprint)
	if c.X5tS256 != base64.RawURLEncoding.EncodeToString(raw) {
		t.Errorf("X5tS256 = %s does not match the thumbprint", c.X5tS256)
	}
}

func TestFromClientCert(t *testing.T) {
	k := keys()
	leaf := newCert(t, spec{})
	expired := newCert(t, spec{notBefore: testNow.Add(-48 * time.Hour), notAfter: testNow.Add(-24 * time.Hour)})
	future := newCert(t, spec{notBefore: testNow.Add(24 * time.Hour), notAfter: testNow.Add(48 * time.Hour)})
	t.Run("accepts", func(t *testing.T) {
		for name, der := range map[string][]byte{"valid": leaf, "expired": expired, "not yet valid": future} {
			got, err := FromClientCert(pemOf(der))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkCertificate(t, got, der)
		}
	})
	cases := []struct {
		name  string
		input string
		want  error
	}{
		{"empty", "", ErrNotCertificate},
		{"base64 DER is not PEM", b64Of(leaf), ErrNotCertificate},
		{"leaf and CA", pemOf(leaf) + pemOf(caCert(t).Raw), ErrSeveral},
		{"private key", pemOf(leaf) + privateKeyForms(t)[1].pem, ErrPrivateKey},
		{"junk", pemOf(leaf) + ".", ErrNotCertificate},
		{"CA", pemOf(caCert(t).Raw), ErrCA},
		{"weak key", pemOf(newCert(t, spec{key: k.rsa1024})), ErrWeakKey},
		{"weak signature", pemOf(newCert(t, spec{key: k.rsa2048, sigAlg: x509.SHA1WithRSA})), ErrWeakSignature},
		{"too large", strings.Repeat("\n", MaxInput) + pemOf(leaf), ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := FromClientCert(c.input)
			checkRefusal(t, got, err, c.want, c.input)
		})
	}
}

func TestPublicKey(t *testing.T) {
	k := keys()
	for _, key := range []crypto.Signer{k.rsa2048, k.p256, k.p384, k.p521, k.ed} {
		c, err := Parse(pemOf(newCert(t, spec{key: key})), testNow)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := c.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
			t.Fatalf("%T: public key differs", key)
		}
		switch pub.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			t.Fatalf("public key type %T", pub)
		}
	}
	cases := []struct {
		name string
		c    Certificate
		want error
	}{
		{"no DER", Certificate{}, ErrNotCertificate},
		{"garbage DER", Certificate{DER: []byte("x")}, ErrNotCertificate},
		{"weak key", Certificate{DER: newCert(t, spec{key: k.rsa1024})}, ErrWeakKey},
		{"DSA key", Certificate{DER: derOfPEM(t, readFixture(t, "dsa.pem"))}, ErrWeakKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pub, err := c.c.PublicKey()
			if !errors.Is(err, c.want) || pub != nil {
				t.Fatalf("PublicKey = %v, %v; want %v", pub, err, c.want)
			}
		})
	}
}

// The returned DER is a copy: changing it changes nothing else.
func TestDERIsACopy(t *testing.T) {
	der := newCert(t, spec{})
	input := pemOf(der)
	c1, err := Parse(input, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c1.DER[0] ^= 0xff
	c2, err := Parse(input, testNow)
	if err != nil {
		t.Fatal(err)
	}
	checkCertificate(t, c2, der)
}

func TestKeyShaped(t *testing.T) {
	k := keys()
	for _, f := range privateKeyForms(t) {
		if !keyShaped(f.der) {
			t.Errorf("%s not recognised", f.name)
		}
	}
	pkixKey, _ := x509.MarshalPKIXPublicKey(k.rsa2048.Public())
	notKeys := map[string][]byte{
		"certificate":       newCert(t, spec{}),
		"RSA certificate":   newCert(t, spec{key: k.rsa2048}),
		"PKIX public key":   pkixKey,
		"PKCS#1 public key": x509.MarshalPKCS1PublicKey(&k.rsa2048.PublicKey),
		"empty":             nil,
		"short":             {0x30},
		"long length":       {0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		"high tag":          {0x1f, 0x01, 0x00},
	}
	for name, der := range notKeys {
		if keyShaped(der) {
			t.Errorf("%s taken for a private key", name)
		}
	}
}

func TestHasKeyMarker(t *testing.T) {
	for s, want := range map[string]bool{
		"-----BEGIN PRIVATE KEY-----":         true,
		"-----BEGIN PGP PRIVATE KEY BLOCK---": true,
		"private_key":                         true,
		"Private-Key":                         true,
		"PRIVATE \r\n KEY":                    true,
		"PRIVATE PRIVATE KEY":                 true,
		"PRIVATE":                             false,
		"PRIVATEKEYS":                         true,
		"PRIVATE, KEY":                        false,
		"-----BEGIN PUBLIC KEY-----":          false,
		"":                                    false,
	} {
		if got := hasKeyMarker([]byte(s)); got != want {
			t.Errorf("hasKeyMarker(%q) = %v", s, got)
		}
	}
}
