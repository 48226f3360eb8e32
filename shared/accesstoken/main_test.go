package accesstoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/clock"
	"github.com/tollgate/tollgate/shared/local/localtest"
)

func TestMain(m *testing.M) { localtest.Main(m) }

const (
	testIssuer   = "https://tollgate.example"
	testAudience = "https://api.tollgate.example"
)

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testX5t is the certificate thumbprint of the cnf claims tests issue.
const testX5t = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"

// sentinels are Verify's sentinel errors.
var sentinels = []error{ErrMalformed, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrExpired, ErrNotYetValid, ErrClaims}

// fixedKey derives a P-256 key from seed, so fuzz corpora stay valid across runs.
func fixedKey(seed string) *ecdsa.PrivateKey {
	sum := sha256.Sum256([]byte(seed))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), sum[:])
	if err != nil {
		panic(err)
	}
	return k
}

// fixture: the current key and a previous one in the ring, plus an attacker key.
type fixture struct {
	key, prev, attacker  *ecdsa.PrivateKey
	kid, prevKid, attKid string
	signer               Signer
	ring                 *Keyring
	verifier             *Verifier
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{
		key:      fixedKey("tollgate test key"),
		prev:     fixedKey("tollgate previous key"),
		attacker: fixedKey("attacker key"),
	}
	f.signer = NewLocalSigner(f.key)
	f.kid = f.signer.KeyID()
	f.prevKid = NewLocalSigner(f.prev).KeyID()
	f.attKid = NewLocalSigner(f.attacker).KeyID()
	f.ring = NewKeyring(&f.key.PublicKey, &f.prev.PublicKey)
	f.verifier = newVerifier(f.ring)
	return f
}

// newVerifier verifies tokens signed by ring's keys for testIssuer and
// testAudience, at testNow.
func newVerifier(ring *Keyring) *Verifier {
	return &Verifier{Keys: ring, Issuer: testIssuer, Audience: testAudience, Clock: clock.NewFake(testNow)}
}

// issue is Issue(c) signed by s; tb fails if Issue refuses.
func issue(tb testing.TB, s Signer, c Claims) string {
	tb.Helper()
	tok, err := Issue(context.Background(), s, c)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func validClaims() Claims {
	return Claims{
		Issuer:    testIssuer,
		Subject:   "usr_0123456789",
		Audience:  testAudience,
		ExpiresAt: testNow.Add(time.Hour).Unix(),
		IssuedAt:  testNow.Add(-time.Minute).Unix(),
		ID:        "jti_abcdef",
		Scope:     "keys:read echo:read",
		SessionID: "jwt_0123456789",
	}
}

// fullClaims are validClaims with every optional claim set.
func fullClaims() Claims {
	c := validClaims()
	c.NotBefore = c.IssuedAt
	c.ClientID = "cli_123"
	c.Confirmation = &Confirmation{X5tS256: testX5t}
	return c
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func encB(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// header renders {"alg","kid","typ"} in that order.
func hdrJSON(alg, kid, typ string) string {
	return mustJSON(joseHeader{Alg: alg, Kid: kid, Typ: typ})
}

// rawSig signs input with key: JOSE r||s.
func rawSig(key *ecdsa.PrivateKey, input string) []byte {
	d := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

// signJSON builds a token from header and payload JSON text signed by key.
func signJSON(key *ecdsa.PrivateKey, hdr, payload string) string {
	in := enc(hdr) + "." + enc(payload)
	return in + "." + encB(rawSig(key, in))
}

// hmacJSON builds an HS256 token with secret.
func hmacJSON(secret []byte, hdr, payload string) string {
	in := enc(hdr) + "." + enc(payload)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + encB(m.Sum(nil))
}

func split3(tb testing.TB, tok string) (h, p, s string) {
	tb.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d segments", len(parts))
	}
	return parts[0], parts[1], parts[2]
}

// claimsJSON renders validClaims with edits applied to the member map; a nil
// value deletes the member.
func claimsJSON(edit map[string]any) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(mustJSON(validClaims())), &m); err != nil {
		panic(err)
	}
	for k, v := range edit {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return mustJSON(m)
}
