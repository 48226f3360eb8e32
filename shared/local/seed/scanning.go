package seed

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"

	"github.com/tollgate/tollgate/shared/scanning"
)

// A key of bob's committed by mistake: what secret-scanning-github.json
// reports. No other sample uses it.
const (
	LeakedKeyID = "key_1Vj26Wj42QLF9nEBK"
	LeakedToken = "tgk_4rANvzcRfHHs0zeVE5CGAMV5L20t9htIF8p3dwKjZPQ4bDOec"
)

// GitHubKey plays GitHub's secret scanning signing key.
var GitHubKey = FixedKey("tollgate events github secret scanning key")

// GitHubKeyID is GitHubKey's identifier: the hex SHA-256 of its public
// key (GitHub's are 64 hex characters).
var GitHubKeyID = func() string {
	sum := sha256.Sum256(gitHubPublicDER())
	return hex.EncodeToString(sum[:])
}()

func gitHubPublicDER() []byte {
	der, err := x509.MarshalPKIXPublicKey(&GitHubKey.PublicKey)
	if err != nil {
		panic(err)
	}
	return der
}

// ScanningKeys is the secret scanning key set holding GitHubKey, in the
// JSON GitHub publishes: TOLLGATE_GITHUB_SCANNING_KEYS of a seeded stack.
func ScanningKeys() string {
	doc, err := scanning.FormatKeys(scanning.KeySetEntry{ID: GitHubKeyID, Key: &GitHubKey.PublicKey, Current: true})
	if err != nil {
		panic(err)
	}
	return doc
}

// GitHubSignature is GitHub's signature of a report body with GitHubKey
// (base64 ASN.1 DER, ECDSA P-256 over SHA-256), deterministic (RFC 6979)
// so that the sample stays the same across runs.
func GitHubSignature(body string) string {
	digest := sha256.Sum256([]byte(body))
	der, err := GitHubKey.Sign(nil, digest[:], crypto.SHA256) // nil: deterministic
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}
