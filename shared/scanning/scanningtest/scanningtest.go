// Package scanningtest plays GitHub's secret scanning in tests: fresh
// ECDSA P-256 keys, the key set in the JSON GitHub publishes, and reports
// signed as GitHub signs them (base64 ASN.1 DER over the raw body).
package scanningtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/tollgate/tollgate/shared/scanning"
)

// GitHub holds signing keys: Keys[0] is current, the others retired.
type GitHub struct {
	Keys []Key
}

// Key is one of GitHub's signing keys.
type Key struct {
	ID      string
	Private *ecdsa.PrivateKey
	Current bool
}

// New makes n keys (at least one), the first current.
func New(t testing.TB, n int) *GitHub {
	t.Helper()
	g := &GitHub{}
	for i := range max(n, 1) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(der) // GitHub's identifiers are 64 hex characters
		g.Keys = append(g.Keys, Key{ID: hex.EncodeToString(sum[:]), Private: k, Current: i == 0})
	}
	return g
}

// KeySet is the key set as https://api.github.com/meta/public_keys/secret_scanning
// serves it.
func (g *GitHub) KeySet(t testing.TB) string {
	t.Helper()
	var entries []scanning.KeySetEntry
	for _, k := range g.Keys {
		entries = append(entries, scanning.KeySetEntry{ID: k.ID, Key: &k.Private.PublicKey, Current: k.Current})
	}
	doc, err := scanning.FormatKeys(entries...)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Sign returns the headers GitHub sends with body, signed with key i.
func (g *GitHub) Sign(t testing.TB, i int, body []byte) map[string]string {
	t.Helper()
	sum := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, g.Keys[i].Private, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"Github-Public-Key-Identifier": g.Keys[i].ID,
		"Github-Public-Key-Signature":  base64.StdEncoding.EncodeToString(sig),
	}
}

// Report is one token as GitHub reports it.
type Report struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// Body is reports as GitHub's JSON array.
func Body(t testing.TB, reports ...Report) []byte {
	t.Helper()
	b, err := json.Marshal(reports)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Leak is a report of token found in a public commit.
func Leak(token string) Report {
	return Report{Token: token, Type: "tollgate_api_key", URL: "https://github.com/octo/repo/blob/abc/config.env", Source: "commit"}
}

// Hash is the token_hash of token: hex SHA-256.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
