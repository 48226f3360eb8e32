package authorizer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/access"
	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/authorizer"
	"github.com/tollgate/tollgate/shared/dpop"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/memory"
)

// The URL a client calls /v1/whoami at, as API Gateway's event gives it:
// the default execute-api endpoint, with the stage in the path.
const (
	apiHost    = "abc123.execute-api.us-east-1.amazonaws.com"
	whoamiPath = "/prod/v1/whoami"
	whoamiURL  = "https://" + apiHost + whoamiPath
)

func newProver(tb testing.TB) *dpop.Prover {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := dpop.NewProver(k)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// bound is an access token of the fixture's session bound to p's key.
func (f *jwtFixture) bound(tb testing.TB, p *dpop.Prover) string {
	c := f.claims()
	c.Confirmation = &accesstoken.Confirmation{JKT: p.JKT()}
	return f.issue(tb, c)
}

// dpopWhoami is GET /v1/whoami presenting tok with scheme and, unless
// empty, a DPoP header proof, with the headers API Gateway adds.
func dpopWhoami(scheme, tok, proof string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	h := map[string]string{"Authorization": scheme + " " + tok, "Host": apiHost, "X-Forwarded-Proto": "https"}
	if proof != "" {
		h["DPoP"] = proof
	}
	req := whoami(h)
	req.RequestContext.Path = whoamiPath
	return req
}

// edProof is an EdDSA (Ed25519) proof of key, made by hand: Prover makes
// ES256 ones only.
func edProof(key ed25519.PrivateKey, method, url, tok string, at time.Time) string {
	sum := sha256.Sum256([]byte(tok))
	h, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "EdDSA",
		"jwk": map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(key.Public().(ed25519.PublicKey))}})
	c, _ := json.Marshal(map[string]any{"jti": rand.Text(), "htm": method, "htu": url, "iat": at.Unix(), "ath": b64.EncodeToString(sum[:])})
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	return input + "." + b64.EncodeToString(ed25519.Sign(key, []byte(input)))
}

// edJKT is the RFC 7638 thumbprint of an Ed25519 key.
func edJKT(key ed25519.PrivateKey) string {
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(key.Public().(ed25519.PublicKey)) + `"}`))
	return b64.EncodeToString(sum[:])
}

func mustProof(tb testing.TB, p *dpop.Prover, method, url, tok string, at time.Time) string {
	tb.Helper()
	s, err := p.Proof(method, url, tok, at)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestDPoPAccepted(t *testing.T) {
	f := newJWTFixture(t)
	p := newProver(t)
	tok := f.bound(t, p)
	for i := range 3 { // each request with a fresh proof; the second and third from the decision cache
		req := dpopWhoami("DPoP", tok, mustProof(t, p, "GET", whoamiURL, tok, t0))
		resp, err := f.auth.Handle(context.Background(), req)
		if err != nil || effect(resp, req.MethodArn) != authorizer.Allow {
			t.Fatalf("request %d: %v %+v", i, err, resp)
		}
	}
	// The scheme's name is case-insensitive (RFC 9110 §11.1).
	if _, err := f.auth.Handle(context.Background(), dpopWhoami("dpop", tok, mustProof(t, p, "GET", whoamiURL, tok, t0))); err != nil {
		t.Fatal(err)
	}
}

// TestDPoPRefused: each way a DPoP request fails is Unauthorized on its
// own, and none of them records a jti except the replay's own attempt.
func TestDPoPRefused(t *testing.T) {
	f := newJWTFixture(t)
	p, other := newProver(t), newProver(t)
	tok := f.bound(t, p)
	unbound := f.issue(t, f.claims())
	replayed := mustProof(t, p, "GET", whoamiURL, tok, t0)
	if _, err := f.auth.Handle(context.Background(), dpopWhoami("DPoP", tok, replayed)); err != nil {
		t.Fatal(err)
	}
	twoProofs := dpopWhoami("DPoP", tok, mustProof(t, p, "GET", whoamiURL, tok, t0))
	twoProofs.MultiValueHeaders = map[string][]string{"DPoP": {mustProof(t, p, "GET", whoamiURL, tok, t0), twoProofs.Headers["DPoP"]}}
	withoutStage := dpopWhoami("DPoP", tok, mustProof(t, p, "GET", "https://"+apiHost+"/v1/whoami", tok, t0))
	cases := map[string]events.APIGatewayCustomAuthorizerRequestTypeRequest{
		"bound token as Bearer":         dpopWhoami("Bearer", tok, ""),
		"bound token as Bearer + proof": dpopWhoami("Bearer", tok, mustProof(t, p, "GET", whoamiURL, tok, t0)),
		"DPoP scheme, unbound token":    dpopWhoami("DPoP", unbound, mustProof(t, p, "GET", whoamiURL, unbound, t0)),
		"proof of another key":          dpopWhoami("DPoP", tok, mustProof(t, other, "GET", whoamiURL, tok, t0)),
		"no proof":                      dpopWhoami("DPoP", tok, ""),
		"two proofs":                    twoProofs,
		"wrong htm":                     dpopWhoami("DPoP", tok, mustProof(t, p, "POST", whoamiURL, tok, t0)),
		"wrong htu":                     dpopWhoami("DPoP", tok, mustProof(t, p, "GET", "https://"+apiHost+"/prod/v1/keys", tok, t0)),
		"htu without the stage":         withoutStage,
		"stale iat":                     dpopWhoami("DPoP", tok, mustProof(t, p, "GET", whoamiURL, tok, t0.Add(-2*time.Minute))),
		"future iat":                    dpopWhoami("DPoP", tok, mustProof(t, p, "GET", whoamiURL, tok, t0.Add(time.Minute))),
		"wrong ath":                     dpopWhoami("DPoP", tok, mustProof(t, p, "GET", whoamiURL, unbound, t0)),
		"replayed jti":                  dpopWhoami("DPoP", tok, replayed),
		"DPoP scheme, API key":          dpopWhoami("DPoP", f.token, mustProof(t, p, "GET", whoamiURL, f.token, t0)),
	}
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := f.auth.Handle(context.Background(), req); !errors.Is(err, authorizer.ErrUnauthorized) {
				t.Fatalf("err = %v, want Unauthorized", err)
			}
		})
	}
}

// TestDPoPMalformedReadsNothing: a DPoP request whose token or header is
// malformed is refused before any store read.
func TestDPoPMalformedReadsNothing(t *testing.T) {
	f := newJWTFixture(t)
	p := newProver(t)
	tok := f.bound(t, p)
	for name, req := range map[string]events.APIGatewayCustomAuthorizerRequestTypeRequest{
		"not a JWT": dpopWhoami("DPoP", "abc", mustProof(t, p, "GET", whoamiURL, "abc", t0)),
		"no proof":  dpopWhoami("DPoP", tok, ""),
	} {
		reads := f.store.Reads.Load()
		if _, err := f.auth.Handle(context.Background(), req); !errors.Is(err, authorizer.ErrUnauthorized) {
			t.Fatalf("%s: err = %v", name, err)
		}
		if f.store.Reads.Load() != reads {
			t.Fatalf("%s: read the store", name)
		}
	}
}

// failingRecorder is the memory store whose jti records fail.
type failingRecorder struct{ *memory.Store }

func (failingRecorder) RecordAssertion(context.Context, string, string, string, time.Time) error {
	return errors.New("throttled")
}

// TestDPoPStoreFailureFailsClosed: when the proof's jti cannot be recorded
// the request is an error (API Gateway answers 500), never an Allow.
func TestDPoPStoreFailureFailsClosed(t *testing.T) {
	f := newJWTFixture(t)
	a := authorizer.New(failingRecorder{f.store}, authorizer.Options{
		ProjectID: project, CacheTTL: 30 * time.Second, StoreTimeout: time.Second, Routes: access.NewTable(access.Routes), Clock: f.clock,
		Verifier: &accesstoken.Verifier{Keys: accesstoken.NewKeyring(&f.key.PublicKey), Issuer: issuer, Audience: audience, Clock: f.clock},
	})
	p := newProver(t)
	tok := f.bound(t, p)
	_, err := a.Handle(context.Background(), dpopWhoami("DPoP", tok, mustProof(t, p, "GET", whoamiURL, tok, t0)))
	if err == nil || errors.Is(err, authorizer.ErrUnauthorized) || errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want a store error", err)
	}
}

// BenchmarkDPoPDecision compares the authorizer's decision on a
// DPoP-bound token with its proof to its decision on the same kind of
// token, unbound, as Bearer, at the same cache state: "miss" (tokens not
// seen: each is verified, its session and owner come from their caches)
// and "cached" (the token's decision cached; a DPoP proof is still
// verified and its jti spent, in the in-memory store, on every request).
// Proofs (ES256 and EdDSA) are made ahead, a fresh one per request: a
// client's cost.
func BenchmarkDPoPDecision(b *testing.B) {
	f := newJWTFixture(b)
	p := newProver(b)
	const n = 512
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	bearer, bound, edBound := make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		c := f.claims()
		c.ID = "at_" + big.NewInt(int64(i)).String()
		bearer[i] = f.issue(b, c)
		c.Confirmation = &accesstoken.Confirmation{JKT: p.JKT()}
		bound[i] = f.issue(b, c)
		c.Confirmation = &accesstoken.Confirmation{JKT: edJKT(ed)}
		edBound[i] = f.issue(b, c)
	}
	// requests are n requests presenting toks (the first only, when
	// cached), each with a fresh proof when scheme is DPoP: EdDSA when ed,
	// else ES256.
	requests := func(scheme string, toks []string, ed25519Proof, cached bool) []events.APIGatewayCustomAuthorizerRequestTypeRequest {
		reqs := make([]events.APIGatewayCustomAuthorizerRequestTypeRequest, n)
		for i := range reqs {
			tok := toks[i]
			if cached {
				tok = toks[0]
			}
			var proof string
			switch {
			case scheme == "Bearer":
			case ed25519Proof:
				proof = edProof(ed, "GET", whoamiURL, tok, f.clock.Now())
			default:
				proof = mustProof(b, p, "GET", whoamiURL, tok, f.clock.Now())
			}
			reqs[i] = dpopWhoami(scheme, tok, proof)
		}
		return reqs
	}
	for _, bc := range []struct {
		name       string
		scheme     string
		toks       []string
		ed, cached bool
	}{
		{"miss/jwt", "Bearer", bearer, false, false},
		{"miss/dpop-es256", "DPoP", bound, false, false},
		{"miss/dpop-eddsa", "DPoP", edBound, true, false},
		{"cached/jwt", "Bearer", bearer, false, true},
		{"cached/dpop-es256", "DPoP", bound, false, true},
		{"cached/dpop-eddsa", "DPoP", edBound, true, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f.clock.Advance(31 * time.Second) // past the cache TTL
			reqs := requests(bc.scheme, bc.toks, bc.ed, bc.cached)
			if bc.cached { // the token's decision made before the timer starts
				warm := requests(bc.scheme, bc.toks, bc.ed, true)[0]
				if _, err := f.auth.Handle(context.Background(), warm); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i > 0 && i%n == 0 {
					b.StopTimer()
					if !bc.cached {
						f.clock.Advance(31 * time.Second) // every token is verified again
					}
					reqs = requests(bc.scheme, bc.toks, bc.ed, bc.cached)
					b.StartTimer()
				}
				if _, err := f.auth.Handle(context.Background(), reqs[i%n]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// The 401's challenge (access.Challenge, a constant the CDK app links
// without the dpop package) names exactly the proof algorithms accepted.
func TestChallengeNamesDPoPAlgorithms(t *testing.T) {
	if want := `DPoP algs="` + strings.Join(dpop.Algorithms, " ") + `"`; !strings.Contains(access.Challenge, want) {
		t.Errorf("access.Challenge = %q, want it to hold %q", access.Challenge, want)
	}
}
