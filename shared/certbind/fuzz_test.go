package certbind

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzParse: Parse and FromClientCert never panic and fail only with a
// sentinel; an accepted input yields thumbprints of the DER returned, which
// is exactly what pem.Decode or base64 finds in the input; a private key
// that the standard library can read is never accepted.
func FuzzParse(f *testing.F) {
	k := keys()
	leaf := newCert(f, spec{})
	f.Add(pemOf(leaf))
	f.Add(b64Of(leaf))
	f.Add(wrap(b64Of(newCert(f, spec{key: k.rsa2048})), 64, "\r\n"))
	f.Add(pemOf(newCert(f, spec{key: k.ed})))
	f.Add(pemOf(leaf) + pemOf(leaf))
	f.Add(pemOf(leaf) + "junk")
	f.Add(pemOf(newCert(f, spec{key: k.rsa1024})))
	f.Add(pemOf(newCert(f, spec{notAfter: testNow.Add(-time.Second), notBefore: testNow.Add(-time.Hour)})))
	f.Add(readFixture(f, "sha1.pem"))
	f.Add(readFixture(f, "dsa.pem"))
	f.Add(pemOf(caCert(f).Raw))
	for _, kf := range privateKeyForms(f) {
		f.Add(kf.pem)
		f.Add(b64Of(kf.der))
		f.Add(string(kf.der))
		f.Add(pemBlock("CERTIFICATE", kf.der))
	}
	f.Add("")
	f.Add("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")

	f.Fuzz(func(t *testing.T, input string) {
		c, err := Parse(input, testNow)
		mc, mErr := FromClientCert(input)
		if mErr == nil {
			// FromClientCert differs from Parse only by not checking dates.
			if err != nil && !errors.Is(err, ErrExpired) && !errors.Is(err, ErrNotYetValid) {
				t.Fatalf("FromClientCert accepted what Parse refuses with %v", err)
			}
			if err == nil && !reflect.DeepEqual(c, mc) {
				t.Fatalf("Parse %+v, FromClientCert %+v", c, mc)
			}
			checkAccepted(t, input, mc, true)
		} else {
			checkFuzzRefusal(t, input, mc, mErr)
		}
		if err != nil {
			checkFuzzRefusal(t, input, c, err)
			return
		}
		isPEM := strings.Contains(input, "-----BEGIN")
		if isPEM && mErr != nil {
			t.Fatalf("Parse accepted PEM that FromClientCert refuses: %v", mErr)
		}
		checkAccepted(t, input, c, isPEM)
		if c.NotAfter.Before(testNow) || c.NotBefore.After(testNow.Add(ClockSkew)) {
			t.Fatalf("accepted a certificate valid from %v to %v", c.NotBefore, c.NotAfter)
		}
	})
}

func checkFuzzRefusal(t *testing.T, input string, c Certificate, err error) {
	t.Helper()
	known := false
	for _, s := range sentinels {
		known = known || errors.Is(err, s)
	}
	if !known {
		t.Fatalf("error %v is no sentinel", err)
	}
	if !reflect.DeepEqual(c, Certificate{}) {
		t.Fatalf("refused input returned %+v", c)
	}
	if len(input) >= 24 && strings.Contains(err.Error(), input) {
		t.Fatalf("error %q quotes the input", err)
	}
	if len(input) > MaxInput && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%d bytes refused with %v", len(input), err)
	}
}

// checkAccepted checks an accepted certificate the slow, independent way.
func checkAccepted(t *testing.T, input string, c Certificate, isPEM bool) {
	t.Helper()
	if len(input) > MaxInput {
		t.Fatalf("accepted %d bytes", len(input))
	}
	if strings.Contains(strings.ToUpper(input), "PRIVATE KEY") {
		t.Fatal("accepted input with a PRIVATE KEY label")
	}
	s256, s1 := sha256.Sum256(c.DER), sha1.Sum(c.DER)
	if c.Thumbprint != strings.ToUpper(hex.EncodeToString(s256[:])) ||
		c.ThumbprintSHA1 != strings.ToUpper(hex.EncodeToString(s1[:])) ||
		c.X5tS256 != base64.RawURLEncoding.EncodeToString(s256[:]) {
		t.Fatalf("thumbprints %s %s %s do not match the DER", c.Thumbprint, c.ThumbprintSHA1, c.X5tS256)
	}
	x, err := x509.ParseCertificate(c.DER)
	if err != nil {
		t.Fatalf("returned DER does not parse: %v", err)
	}
	if x.BasicConstraintsValid && x.IsCA {
		t.Fatal("accepted a CA")
	}
	if c.Subject != x.Subject.String() || !c.NotAfter.Equal(x.NotAfter) {
		t.Fatalf("names or dates differ from the DER's")
	}
	var der []byte
	if isPEM {
		trimmed := bytes.TrimSpace([]byte(input))
		block, rest := pem.Decode(trimmed)
		if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 ||
			!bytes.HasPrefix(trimmed, []byte("-----BEGIN CERTIFICATE-----")) {
			t.Fatal("accepted PEM that pem.Decode reads as something else")
		}
		der = block.Bytes
	} else {
		clean := strings.Map(func(r rune) rune {
			if strings.ContainsRune(" \t\r\n\v\f", r) {
				return -1
			}
			return r
		}, input)
		var err error
		if der, err = base64.StdEncoding.DecodeString(clean); err != nil {
			der, err = base64.RawStdEncoding.DecodeString(clean)
		}
		if err != nil {
			t.Fatalf("accepted base64 that encoding/base64 refuses: %v", err)
		}
	}
	if !bytes.Equal(der, c.DER) {
		t.Fatal("returned DER is not the input's")
	}
	for _, parse := range []func([]byte) (any, error){
		func(b []byte) (any, error) { return x509.ParsePKCS8PrivateKey(b) },
		func(b []byte) (any, error) { return x509.ParsePKCS1PrivateKey(b) },
		func(b []byte) (any, error) { return x509.ParseECPrivateKey(b) },
	} {
		if _, err := parse(der); err == nil {
			t.Fatal("accepted a private key")
		}
	}
}
