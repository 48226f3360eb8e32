package seed

import "time"

// Certificates: self-signed P-256 client certificates valid from
// CertNotBefore to CertNotAfter, their keys FixedKey(seed). They were made
// once with x509.CreateCertificate (serial numbers 0x7a11a7e and 0x7a11a7f,
// subject O=Example Corp and the CN below, key usage digital signature,
// extended key usage client auth, not a CA). A certificate's bytes are its
// identity (the binding is by thumbprint), so unlike the other seeded
// times their validity is fixed. DaveCert is bound to dave; BobCert to no
// one until put-certificate.json binds it to bob.
const (
	DaveCertSeed       = "tollgate events dave certificate key"
	DaveCertThumbprint = "023EEDD15FD751E484D34455895D772E1BB0D532D3EB05F7BB2305D8AABBDE09"
	DaveCertPEM        = `-----BEGIN CERTIFICATE-----
MIIBgDCCASegAwIBAgIEB6EafjAKBggqhkjOPQQDAjAtMRUwEwYDVQQKEwxFeGFt
cGxlIENvcnAxFDASBgNVBAMTC2RhdmUgbGFwdG9wMB4XDTI2MDEwMTAwMDAwMFoX
DTI3MTIzMTIzNTk1OVowLTEVMBMGA1UEChMMRXhhbXBsZSBDb3JwMRQwEgYDVQQD
EwtkYXZlIGxhcHRvcDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEUMSUmL2rqU
16e4C7dRqSPX5DR7nWzayqk9/h0uQi7M9R0AJdzevCOnbh4dFW2VwmvUxPO86xIc
ed+7QDQJFKyjNTAzMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcD
AjAMBgNVHRMBAf8EAjAAMAoGCCqGSM49BAMCA0cAMEQCIHmxaJS66r2dBE36kn/9
hF8upEhCqRCdlK4jTs8n0oMKAiAFtf+GdzsoxvCq68NLOBIHFI7VG4ws8iQ5Ki6f
xJkFYw==
-----END CERTIFICATE-----
`
	BobCertSeed       = "tollgate events unbound certificate key"
	BobCertThumbprint = "A459433EF3CFD1E4AC30735BFE6AC1961F75CE84E72DBECC7D5920CBDB7B901D"
	BobCertPEM        = `-----BEGIN CERTIFICATE-----
MIIBijCCAS+gAwIBAgIEB6EafzAKBggqhkjOPQQDAjAxMRUwEwYDVQQKEwxFeGFt
cGxlIENvcnAxGDAWBgNVBAMTD2JvYiB3b3Jrc3RhdGlvbjAeFw0yNjAxMDEwMDAw
MDBaFw0yNzEyMzEyMzU5NTlaMDExFTATBgNVBAoTDEV4YW1wbGUgQ29ycDEYMBYG
A1UEAxMPYm9iIHdvcmtzdGF0aW9uMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
tSvFpHmrb5efcE6iauQ+0DCsgkAylIyoEXi7U2Ttq9YdTldCkCfpXWwLO6K0MuQb
bWLlnZjkqrCBEprvh5cOSqM1MDMwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoG
CCsGAQUFBwMCMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwIDSQAwRgIhAMlfkSfw
t2W7CGx01bTaIT+9a1VibBRKXeawwTANGvUUAiEA1a3H5KGirTCAkcNWr6/1R/mz
yu74xMf4zCMuzOVg6kE=
-----END CERTIFICATE-----
`
)

// CertNotBefore and CertNotAfter bound both certificates' validity.
var (
	CertNotBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	CertNotAfter  = time.Date(2027, 12, 31, 23, 59, 59, 0, time.UTC)
)
