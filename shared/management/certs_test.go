package management_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/certbind"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/user"
)

// Field set of a bound certificate as the API shows it.
var certFields = []string{"issuer", "notAfter", "notBefore", "subject", "thumbprint", "thumbprintSha1"}

// certKeys are generated once per test binary.
var certKeys = sync.OnceValue(func() struct {
	a, b, ca *ecdsa.PrivateKey
	rsa1024  *rsa.PrivateKey
} {
	gen := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	r, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return struct {
		a, b, ca *ecdsa.PrivateKey
		rsa1024  *rsa.PrivateKey
	}{gen(), gen(), gen(), r}
})

// certSpec describes a test certificate; zero fields get defaults.
type certSpec struct {
	key                 crypto.Signer // subject key and signer; default certKeys().a
	cn                  string
	notBefore, notAfter time.Time // default t0-1h, t0+90 days
	ca                  bool
}

func makeCert(t *testing.T, s certSpec) []byte {
	t.Helper()
	if s.key == nil {
		s.key = certKeys().a
	}
	if s.cn == "" {
		s.cn = "dave's laptop"
	}
	if s.notBefore.IsZero() {
		s.notBefore = t0.Add(-time.Hour)
	}
	if s.notAfter.IsZero() {
		s.notAfter = t0.Add(90 * 24 * time.Hour)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: s.cn, Organization: []string{"Tollgate Tests"}},
		NotBefore: s.notBefore, NotAfter: s.notAfter, BasicConstraintsValid: true, IsCA: s.ca,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if s.ca {
		tpl.KeyUsage |= x509.KeyUsageCertSign
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, s.key.Public(), s.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func certBody(cert string) string {
	b, err := json.Marshal(map[string]string{"certificate": cert})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func certReq(method, userID, body string) request {
	return request{method: method, resource: "/v1/users/{userId}/certificate", params: map[string]string{"userId": userID}, body: body}
}

// wantCert checks a certificate answer against der.
func wantCert(t *testing.T, r response, der []byte) {
	t.Helper()
	if got := fieldsOf(r); !slices.Equal(got, certFields) {
		t.Errorf("certificate fields = %v, want exactly %v", got, certFields)
	}
	s256, s1 := sha256.Sum256(der), sha1.Sum(der)
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"thumbprint": strings.ToUpper(hex.EncodeToString(s256[:])), "thumbprintSha1": strings.ToUpper(hex.EncodeToString(s1[:])),
		"subject": x.Subject.String(), "issuer": x.Issuer.String(),
		"notBefore": rfc3339(x.NotBefore), "notAfter": rfc3339(x.NotAfter),
	}
	for k, v := range want {
		if got := r.str(t, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

// privateKeyMaterial returns a private key as PEM and DER, and the strings
// that must never be seen once it was sent: every PEM line and every
// 16-character window of its base64.
func privateKeyMaterial(t *testing.T, k *ecdsa.PrivateKey, pkcs8 bool) (pemText string, der []byte, needles []string) {
	t.Helper()
	var err error
	typ := "EC PRIVATE KEY"
	if pkcs8 {
		typ = "PRIVATE KEY"
		der, err = x509.MarshalPKCS8PrivateKey(k)
	} else {
		der, err = x509.MarshalECPrivateKey(k)
	}
	if err != nil {
		t.Fatal(err)
	}
	pemText = string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	for _, line := range strings.Split(pemText, "\n") {
		if line != "" {
			needles = append(needles, line)
		}
	}
	b64 := base64.StdEncoding.EncodeToString(der)
	for i := 0; i+16 <= len(b64); i += 4 {
		needles = append(needles, b64[i:i+16])
	}
	d := k.D.Bytes()
	needles = append(needles, hex.EncodeToString(d), strings.ToUpper(hex.EncodeToString(d)),
		base64.StdEncoding.EncodeToString(d), base64.RawURLEncoding.EncodeToString(d))
	return pemText, der, needles
}

// putCertCase is one PUT /v1/users/{userId}/certificate and what it must answer.
type putCertCase struct {
	name    string
	who     string
	target  string // the userId in the path
	body    string
	status  int
	field   string
	detail  string
	secrets []string // private key material sent: never to be echoed, stored or logged
	b64body bool     // the request body base64-encoded, as API Gateway sends binary bodies
	before  func(t *testing.T, f *fixture)
	check   func(t *testing.T, f *fixture, r response)
}

// certMaterial is what the PUT cases send: a certificate as DER, PEM and
// base64, another certificate, and a private key as SEC 1 and PKCS #8 with
// the strings that must never be seen once it was sent.
type certMaterial struct {
	der, otherDER            []byte
	pemText, b64             string
	keyPEM, pkcs8PEM         string
	keyDER, pkcs8DER         []byte
	keyNeedles, pkcs8Needles []string
}

func newCertMaterial(t *testing.T) certMaterial {
	t.Helper()
	m := certMaterial{der: makeCert(t, certSpec{}), otherDER: makeCert(t, certSpec{key: certKeys().b, cn: "another"})}
	m.pemText, m.b64 = certPEM(m.der), base64.StdEncoding.EncodeToString(m.der)
	m.keyPEM, m.keyDER, m.keyNeedles = privateKeyMaterial(t, certKeys().a, false)
	m.pkcs8PEM, m.pkcs8DER, m.pkcs8Needles = privateKeyMaterial(t, certKeys().a, true)
	return m
}

// bindDave binds the material's certificate to dave, as dave.
func (m certMaterial) bindDave(t *testing.T, f *fixture) {
	t.Helper()
	f.send(t, "dave", certReq("PUT", "{dave}", f.proved(t, "{dave}", certBody(m.pemText)))).want(t, http.StatusCreated, "")
}

// certBound checks a 201 that bound want: the answer, the stored binding
// of the user its Location names, and that a GET shows the same.
func certBound(want []byte) func(*testing.T, *fixture, response) {
	return func(t *testing.T, f *fixture, r response) {
		t.Helper()
		wantCert(t, r, want)
		owner := f.expand(r.Headers["Location"])
		if !strings.HasPrefix(owner, "/v1/users/") || !strings.HasSuffix(owner, "/certificate") {
			t.Fatalf("Location = %q", r.Headers["Location"])
		}
		uid := strings.TrimSuffix(strings.TrimPrefix(owner, "/v1/users/"), "/certificate")
		b, ok := f.binding(t, uid)
		if !ok || !bytes.Equal(b.DER, want) || b.Owner != uid || b.Thumbprint != r.str(t, "thumbprint") ||
			!b.CreatedAt.Equal(t0) || b.ProjectID != project {
			t.Errorf("stored binding %+v (found %v)", b.Certificate.Thumbprint, ok)
		}
		f.getShows(t, "admin", certReq("GET", uid, ""), r)
	}
}

// certCreated is certBound for a binding to target, which Location names.
func certCreated(want []byte, target string) func(*testing.T, *fixture, response) {
	return func(t *testing.T, f *fixture, r response) {
		t.Helper()
		if loc := r.Headers["Location"]; loc != "/v1/users/"+f.expand(target)+"/certificate" {
			t.Errorf("Location = %q", loc)
		}
		certBound(want)(t, f, r)
	}
}

func TestPutCertificate(t *testing.T) {
	m := newCertMaterial(t)
	tests := slices.Concat(putCertAccepted(t, m), putCertConflicts(m), putCertMalformed(t, m),
		putCertPrivateKeys(t, m), putCertInvalid(t), putCertRefusedCallers(m))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}

// run sends the case to a fixture of its own; a refusal without a before
// step must leave every user without a certificate.
func (tt putCertCase) run(t *testing.T) {
	f := newFixture(t, sasCertUsers)
	if tt.before != nil {
		tt.before(t, f)
	}
	body := tt.body
	if tt.who != "admin" { // a non-admin proves possession of the key (API.md)
		body = f.proved(t, tt.target, body)
	}
	req := certReq("PUT", tt.target, body)
	req.base64 = tt.b64body
	f.private = append(f.private, tt.secrets...)
	r := f.send(t, tt.who, req)
	r.want(t, tt.status, tt.field)
	r.detailHas(t, tt.detail)
	if r.StatusCode >= 400 && tt.before == nil {
		for _, u := range f.users {
			if b, ok := f.binding(t, u.ID); ok {
				t.Errorf("answered %d but %s has a certificate %s", r.StatusCode, u.Username, b.Thumbprint)
			}
		}
	}
	if tt.check != nil {
		tt.check(t, f, r)
	}
}

// putCertAccepted: the encodings and callers that bind a certificate.
func putCertAccepted(t *testing.T, m certMaterial) []putCertCase {
	der, pemText, b64 := m.der, m.pemText, m.b64
	return []putCertCase{
		{name: "PEM", who: "dave", target: "{dave}", body: certBody(pemText), status: http.StatusCreated, check: certCreated(der, "{dave}")},
		{name: "base64 DER", who: "dave", target: "{dave}", body: certBody(b64), status: http.StatusCreated, check: certCreated(der, "{dave}")},
		{name: "base64 DER without padding, in lines", who: "dave", target: "{dave}",
			body: certBody(wrapLines(strings.TrimRight(b64, "="), 76)), status: http.StatusCreated, check: certCreated(der, "{dave}")},
		{name: "PEM with CRLF and surrounding whitespace", who: "dave", target: "{dave}",
			body: certBody("\r\n  " + strings.ReplaceAll(pemText, "\n", "\r\n") + "\t\n"), status: http.StatusCreated, check: certCreated(der, "{dave}")},
		{name: "PEM padded to just under the body limit", who: "dave", target: "{dave}",
			body: certBody(pemText + strings.Repeat(" ", 64<<10-len(certBody(pemText))-1-proofRoom)), status: http.StatusCreated, check: certCreated(der, "{dave}")},
		{name: "base64-encoded request body", who: "dave", target: "{dave}", body: certBody(pemText), b64body: true, status: http.StatusCreated,
			check: certCreated(der, "{dave}")},
		{name: "notBefore within the clock skew", who: "dave", target: "{dave}", status: http.StatusCreated,
			body: certBody(certPEM(makeCert(t, certSpec{notBefore: t0.Add(certbind.ClockSkew - time.Second)})))},
		{name: "admin for another user", who: "admin", target: "{dave}", body: certBody(pemText), status: http.StatusCreated,
			check: certCreated(der, "{dave}")},
		{name: "admin for a user without the issuer role", who: "admin", target: "{erin}", body: certBody(pemText), status: http.StatusCreated,
			check: certCreated(der, "{erin}")},
	}
}

// putCertConflicts: one certificate per user, one user per certificate.
func putCertConflicts(m certMaterial) []putCertCase {
	return []putCertCase{
		{name: "second certificate for the same user", who: "dave", target: "{dave}", body: certBody(certPEM(m.otherDER)), status: http.StatusConflict,
			before: m.bindDave,
			check: func(t *testing.T, f *fixture, r response) {
				if b, ok := f.binding(t, f.users["dave"].ID); !ok || !bytes.Equal(b.DER, m.der) {
					t.Error("the first binding changed")
				}
			}},
		{name: "same certificate again", who: "dave", target: "{dave}", body: certBody(m.b64), status: http.StatusConflict,
			before: m.bindDave},
		{name: "same certificate for another user", who: "admin", target: "{alice}", body: certBody(m.pemText), status: http.StatusConflict,
			before: m.bindDave,
			check: func(t *testing.T, f *fixture, r response) {
				if _, ok := f.binding(t, f.users["alice"].ID); ok {
					t.Error("alice got the certificate")
				}
			}},
		{name: "same certificate, DER, for another user", who: "admin", target: "{erin}", body: certBody(m.b64), status: http.StatusConflict,
			before: m.bindDave},
	}
}

// putCertMalformed: bodies that hold no single certificate, or no
// well-formed body at all.
func putCertMalformed(t *testing.T, m certMaterial) []putCertCase {
	der, otherDER, pemText, b64 := m.der, m.otherDER, m.pemText, m.b64
	return []putCertCase{
		{name: "not a certificate", who: "dave", target: "{dave}", body: certBody("hello"), status: http.StatusBadRequest, field: "certificate"},
		{name: "empty", who: "dave", target: "{dave}", body: certBody(""), status: http.StatusBadRequest, field: "certificate"},
		{name: "certificate missing", who: "dave", target: "{dave}", body: `{}`, status: http.StatusBadRequest, field: "certificate"},
		{name: "certificate null", who: "dave", target: "{dave}", body: `{"certificate":null}`, status: http.StatusBadRequest, field: "certificate"},
		{name: "certificate a number", who: "dave", target: "{dave}", body: `{"certificate":1}`, status: http.StatusBadRequest, field: "certificate"},
		{name: "certificate an array", who: "dave", target: "{dave}", body: `{"certificate":["` + b64 + `"]}`, status: http.StatusBadRequest, field: "certificate"},
		{name: "a public key PEM", who: "dave", target: "{dave}", status: http.StatusBadRequest, field: "certificate",
			body: certBody(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustPKIX(t, certKeys().a.Public())})))},
		{name: "truncated DER", who: "dave", target: "{dave}", body: certBody(base64.StdEncoding.EncodeToString(der[:len(der)-10])),
			status: http.StatusBadRequest, field: "certificate"},
		{name: "text after the PEM block", who: "dave", target: "{dave}", body: certBody(pemText + "trailing"), status: http.StatusBadRequest, field: "certificate"},
		{name: "two certificates in PEM", who: "dave", target: "{dave}", body: certBody(pemText + certPEM(otherDER)),
			status: http.StatusBadRequest, field: "certificate"},
		{name: "the same certificate twice in PEM", who: "dave", target: "{dave}", body: certBody(pemText + pemText),
			status: http.StatusBadRequest, field: "certificate"},
		{name: "two certificates in DER", who: "dave", target: "{dave}", body: certBody(base64.StdEncoding.EncodeToString(slices.Concat(der, otherDER))),
			status: http.StatusBadRequest, field: "certificate"},
		{name: "unknown field", who: "dave", target: "{dave}", body: `{"certificate":"` + b64 + `","owner":"{alice}"}`,
			status: http.StatusBadRequest, field: "owner"},
		{name: "empty body", who: "dave", target: "{dave}", body: ``, status: http.StatusBadRequest, field: "body"},
	}
}

// putCertPrivateKeys: bodies carrying a private key, which is refused and
// never echoed, stored or logged.
func putCertPrivateKeys(t *testing.T, m certMaterial) []putCertCase {
	pemText, keyPEM, pkcs8PEM := m.pemText, m.keyPEM, m.pkcs8PEM
	return []putCertCase{
		{name: "certificate and its EC private key", who: "dave", target: "{dave}", body: certBody(pemText + keyPEM),
			status: http.StatusBadRequest, field: "certificate", secrets: m.keyNeedles},
		{name: "private key before the certificate", who: "dave", target: "{dave}", body: certBody(pkcs8PEM + pemText),
			status: http.StatusBadRequest, field: "certificate", secrets: m.pkcs8Needles},
		{name: "a private key alone", who: "dave", target: "{dave}", body: certBody(pkcs8PEM),
			status: http.StatusBadRequest, field: "certificate", secrets: m.pkcs8Needles},
		{name: "base64 of a PKCS#8 private key", who: "dave", target: "{dave}", body: certBody(base64.StdEncoding.EncodeToString(m.pkcs8DER)),
			status: http.StatusBadRequest, field: "certificate", secrets: m.pkcs8Needles},
		{name: "base64 of an EC private key", who: "dave", target: "{dave}", body: certBody(base64.StdEncoding.EncodeToString(m.keyDER)),
			status: http.StatusBadRequest, field: "certificate", secrets: m.keyNeedles},
		{name: "private key with a bad body otherwise", who: "dave", target: "{dave}",
			body: `{"certificate":` + string(mustJSON(t, pemText+keyPEM)) + `,"name":"x"}`, status: http.StatusBadRequest, field: "name", secrets: m.keyNeedles},
		{name: "no issuer role, with a private key", who: "erin", target: "{erin}", body: certBody(pemText + keyPEM),
			status: http.StatusForbidden, secrets: m.keyNeedles},
	}
}

// putCertInvalid: well-formed certificates that may not be bound.
func putCertInvalid(t *testing.T) []putCertCase {
	return []putCertCase{
		{name: "expired", who: "dave", target: "{dave}", status: http.StatusBadRequest, field: "certificate", detail: "expired",
			body: certBody(certPEM(makeCert(t, certSpec{notBefore: t0.Add(-48 * time.Hour), notAfter: t0.Add(-time.Second)})))},
		{name: "not yet valid", who: "dave", target: "{dave}", status: http.StatusBadRequest, field: "certificate", detail: "not yet valid",
			body: certBody(certPEM(makeCert(t, certSpec{notBefore: t0.Add(time.Hour), notAfter: t0.Add(48 * time.Hour)})))},
		{name: "a CA certificate", who: "dave", target: "{dave}", status: http.StatusBadRequest, field: "certificate", detail: "CA",
			body: certBody(certPEM(makeCert(t, certSpec{key: certKeys().ca, ca: true})))},
		{name: "RSA 1024", who: "dave", target: "{dave}", status: http.StatusBadRequest, field: "certificate", detail: "1024",
			body: certBody(certPEM(makeCert(t, certSpec{key: certKeys().rsa1024})))},
	}
}

// putCertRefusedCallers: callers who may not bind, and paths naming no
// user of theirs.
func putCertRefusedCallers(m certMaterial) []putCertCase {
	body := certBody(m.pemText)
	return []putCertCase{
		{name: "no issuer role", who: "erin", target: "{erin}", body: body, status: http.StatusForbidden, detail: "role"},
		{name: "restricted credential", who: "dave:narrow", target: "{dave}", body: body, status: http.StatusForbidden, detail: "fewer scopes"},
		{name: "admin with a credential short of the owner's scopes", who: "admin:narrow", target: "{dave}", body: body,
			status: http.StatusForbidden},
		{name: "without certificates:write", who: "dave:no-cert-write", target: "{dave}", body: body,
			status: http.StatusForbidden, detail: routeRefusal},
		{name: "owner without certificates:write", who: "frank", target: "{frank}", body: body,
			status: http.StatusForbidden, detail: routeRefusal},
		{name: "another user's path", who: "dave", target: "{alice}", body: body, status: http.StatusNotFound},
		{name: "an admin's path", who: "dave", target: "{admin}", body: body, status: http.StatusNotFound},
		{name: "unknown user", who: "admin", target: id.New(user.IDPrefix), body: body, status: http.StatusNotFound},
		{name: "malformed user id", who: "admin", target: "dave", body: body, status: http.StatusNotFound},
		{name: "a key id for a user id", who: "dave", target: "key_0123456789ABCDEFG", body: body, status: http.StatusNotFound},
	}
}

func TestPutCertificateTooLarge(t *testing.T) {
	pemText := certPEM(makeCert(t, certSpec{}))
	for _, tt := range []struct {
		name string
		cert string
	}{
		{"PEM padded past 64 KiB", pemText + strings.Repeat("\n", 64<<10)},
		{"base64 past 64 KiB", strings.Repeat("A", 64<<10+4)},
		{"exactly one byte over", pemText + strings.Repeat(" ", certbind.MaxInput+1-len(pemText))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sasCertUsers)
			r := f.send(t, "dave", certReq("PUT", "{dave}", certBody(tt.cert)))
			r.want(t, http.StatusBadRequest, "")
			if _, ok := f.binding(t, f.users["dave"].ID); ok {
				t.Error("answered 400 but bound a certificate")
			}
			// The body limit (64 KiB, like certbind.MaxInput) answers first.
			if d := r.str(t, "detail"); !strings.HasPrefix(d, "body: ") && !strings.HasPrefix(d, "certificate: ") {
				t.Errorf("detail = %q, want it to name the body or the certificate", d)
			}
		})
	}
}

func TestPutCertificatePEMAndDERAgree(t *testing.T) {
	der := makeCert(t, certSpec{})
	var answers []response
	for _, cert := range []string{certPEM(der), base64.StdEncoding.EncodeToString(der)} {
		f := newFixture(t, sasCertUsers)
		r := f.send(t, "dave", certReq("PUT", "{dave}", f.proved(t, "{dave}", certBody(cert))))
		r.want(t, http.StatusCreated, "")
		wantCert(t, r, der)
		answers = append(answers, r)
	}
	for _, k := range certFields {
		if string(answers[0].fields[k]) != string(answers[1].fields[k]) {
			t.Errorf("%s: PEM gives %s, DER %s", k, answers[0].fields[k], answers[1].fields[k])
		}
	}
}

// TestCertificateLifecycle: GET, DELETE and who may use them.
func TestCertificateLifecycle(t *testing.T) {
	f := newFixture(t, sasCertUsers)
	davesDER := makeCert(t, certSpec{})
	davesPEM := certPEM(davesDER)
	alicesDER := makeCert(t, certSpec{key: certKeys().b, cn: "alice's build agent"})

	steps := []struct {
		name   string
		who    string
		req    request
		status int
		detail string
		body   []byte // the certificate a 200 or 201 describes
	}{
		{"GET before any", "dave", certReq("GET", "{dave}", ""), http.StatusNotFound, "", nil},
		{"DELETE before any", "dave", certReq("DELETE", "{dave}", ""), http.StatusNotFound, "", nil},
		{"PUT", "dave", certReq("PUT", "{dave}", f.proved(t, "{dave}", certBody(davesPEM))), http.StatusCreated, "", davesDER},
		{"GET", "dave", certReq("GET", "{dave}", ""), http.StatusOK, "", davesDER},
		{"GET without the issuer role needs none", "erin", certReq("GET", "{erin}", ""), http.StatusNotFound, "", nil},
		{"GET with a restricted credential", "dave:narrow", certReq("GET", "{dave}", ""), http.StatusOK, "", davesDER},
		{"GET without certificates:read", "dave:no-cert-read", certReq("GET", "{dave}", ""), http.StatusForbidden, routeRefusal, nil},
		{"GET without any certificate scope", "alice", certReq("GET", "{dave}", ""), http.StatusForbidden, routeRefusal, nil},
		{"DELETE without certificates:write", "dave:no-cert-write", certReq("DELETE", "{dave}", ""), http.StatusForbidden, routeRefusal, nil},
		{"owner without certificates:write deletes", "frank", certReq("DELETE", "{frank}", ""), http.StatusForbidden, routeRefusal, nil},
		{"admin binds alice's", "admin", certReq("PUT", "{alice}", certBody(base64.StdEncoding.EncodeToString(alicesDER))), http.StatusCreated, "", alicesDER},
		{"another user's GET", "dave", certReq("GET", "{alice}", ""), http.StatusNotFound, "", nil},
		{"another user's DELETE", "dave", certReq("DELETE", "{alice}", ""), http.StatusNotFound, "", nil},
		{"a non-admin DELETEs another's", "erin", certReq("DELETE", "{dave}", ""), http.StatusNotFound, "", nil},
		{"admin GETs another user's", "admin", certReq("GET", "{dave}", ""), http.StatusOK, "", davesDER},
		{"admin GETs an admin's own (none)", "admin", certReq("GET", "{admin}", ""), http.StatusNotFound, "", nil},
		{"admin GETs an unknown user's", "admin", certReq("GET", id.New(user.IDPrefix), ""), http.StatusNotFound, "", nil},
		{"malformed user id", "dave", certReq("GET", "usr_", ""), http.StatusNotFound, "", nil},
		{"DELETE", "dave", certReq("DELETE", "{dave}", ""), http.StatusNoContent, "", nil},
		{"GET after DELETE", "dave", certReq("GET", "{dave}", ""), http.StatusNotFound, "", nil},
		{"DELETE again", "dave", certReq("DELETE", "{dave}", ""), http.StatusNotFound, "", nil},
		{"admin sees it gone", "admin", certReq("GET", "{dave}", ""), http.StatusNotFound, "", nil},
		{"the freed certificate binds to another user", "admin", certReq("PUT", "{erin}", certBody(davesPEM)), http.StatusCreated, "", davesDER},
		{"the freed user binds another certificate", "dave", certReq("PUT", "{dave}", f.proved(t, "{dave}", certBody(certPEM(makeCert(t, certSpec{key: certKeys().b, cn: "dave's phone"}))))), http.StatusCreated, "", nil},
		{"admin DELETEs another user's", "admin", certReq("DELETE", "{alice}", ""), http.StatusNoContent, "", nil},
		{"the owner sees it gone", "admin", certReq("GET", "{alice}", ""), http.StatusNotFound, "", nil},
		{"admin DELETEs a non-issuer's", "admin", certReq("DELETE", "{erin}", ""), http.StatusNoContent, "", nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := f.send(t, s.who, s.req)
			r.want(t, s.status, "")
			r.detailHas(t, s.detail)
			if s.body != nil {
				wantCert(t, r, s.body)
			}
			if r.StatusCode == http.StatusOK && r.Headers["Cache-Control"] == "no-store" {
				t.Log("certificate metadata is marked no-store")
			}
		})
	}
	for name, want := range map[string]bool{"alice": false, "erin": false, "dave": true} {
		if _, ok := f.binding(t, f.users[name].ID); ok != want {
			t.Errorf("%s bound = %v at the end, want %v", name, ok, want)
		}
	}
	// alice's certificate is unbound: it is free for anyone again.
	f.send(t, "dave", certReq("DELETE", "{dave}", "")).want(t, http.StatusNoContent, "")
	f.send(t, "dave", certReq("PUT", "{dave}", f.proved(t, "{dave}", certBody(certPEM(alicesDER))))).want(t, http.StatusCreated, "")
}

// TestSASAndCertificateSecretsStayPut: after keys, tokens and a refused
// private key were sent, every route answers without them (send() checks).
func TestSASAndCertificateSecretsStayPut(t *testing.T) {
	f := newFixture(t, sasCertUsers)
	keyPEM, _, needles := privateKeyMaterial(t, certKeys().a, true)
	f.private = append(f.private, needles...)
	pemText := certPEM(makeCert(t, certSpec{}))
	f.send(t, "dave", certReq("PUT", "{dave}", certBody(pemText+keyPEM))).want(t, http.StatusBadRequest, "certificate")
	f.send(t, "dave", sasGet()).want(t, http.StatusOK, "")
	f.send(t, "dave", sasToken(`{"expiry":"2026-12-01T00:00:00Z","key":"primary"}`)).want(t, http.StatusOK, "")
	f.send(t, "dave", sasRegenerate(`{"key":"secondary"}`)).want(t, http.StatusOK, "")
	f.send(t, "dave", certReq("PUT", "{dave}", f.proved(t, "{dave}", certBody(pemText)))).want(t, http.StatusCreated, "")
	for _, s := range []struct {
		who string
		req request
	}{
		{"dave", sasPatch(`{"enabled":false}`)},
		{"dave", sasToken(`{"expiry":"2026-12-02T00:00:00Z","key":"primary"}`)},
		{"dave", sasPatch(`{"enabled":true}`)},
		{"dave", sasToken(`{"expiry":"2026-12-02T00:00:00Z","key":"secondary"}`)},
		{"dave", sasRegenerate(`{"key":"tertiary"}`)},
		{"dave", sasToken(`{"expiry":"garbage","key":"primary"}`)},
		{"dave:narrow", sasGet()},
		{"dave:narrow", sasRegenerate(`{"key":"primary"}`)},
		{"dave", certReq("GET", "{dave}", "")},
		{"admin", certReq("GET", "{dave}", "")},
		{"dave", request{method: "GET", resource: "/v1/whoami"}},
		{"admin", request{method: "GET", resource: "/v1/users"}},
		{"admin", sasGet()},
		{"dave", sasGet()},
		{"dave", certReq("DELETE", "{dave}", "")},
	} {
		f.send(t, s.who, s.req)
	}
	if f.logs.Len() != 0 {
		t.Logf("log:\n%s", f.logs.String())
	}
}

func wrapLines(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteString("\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func mustPKIX(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
