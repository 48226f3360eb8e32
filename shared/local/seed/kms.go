package seed

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"strings"
)

// Key ids of the seeded keys in local-kms (KMSSeed): the JWT signing key
// (ECC_NIST_P256, SIGN_VERIFY, SigningKey) and the envelope key
// (SYMMETRIC_DEFAULT, SealKey).
const (
	SigningKeyID = "7e11a7e0-5eed-4e11-a001-000000000001"
	SealKeyID    = "7e11a7e0-5eed-4e11-a001-000000000002"
)

// KMSSeed is a local-kms seed file (KMS_SEED_PATH) holding the signing and
// envelope keys under SigningKeyID and SealKeyID, so that local-kms signs
// and seals as the seed's samples expect.
func KMSSeed() []byte {
	der, err := x509.MarshalECPrivateKey(SigningKey)
	if err != nil {
		panic(err)
	}
	pemKey := strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))
	var b strings.Builder
	b.WriteString("Keys:\n  Symmetric:\n    Aes:\n")
	b.WriteString("      - Metadata:\n          KeyId: " + SealKeyID + "\n          Description: Tollgate seed envelope key\n")
	b.WriteString("        BackingKeys:\n          - " + hex.EncodeToString(SealKey[:]) + "\n")
	b.WriteString("  Asymmetric:\n    Ecc:\n")
	b.WriteString("      - Metadata:\n          KeyId: " + SigningKeyID + "\n          KeyUsage: SIGN_VERIFY\n          Description: Tollgate seed JWT signing key\n")
	b.WriteString("        PrivateKeyPem: |\n")
	for _, line := range strings.Split(pemKey, "\n") {
		b.WriteString("          " + line + "\n")
	}
	return []byte(b.String())
}

// KMSKeyARN is the ARN local-kms gives the key id in region and account,
// as services.StartKMS runs it.
func KMSKeyARN(region, account, keyID string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + keyID
}
