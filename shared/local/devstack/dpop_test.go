package devstack_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/tollgate/tollgate/shared/dpop"
)

// dpopForm posts an OAuth form with a DPoP header (none when proof is "").
func (c client) dpopForm(auth, proof string, values url.Values) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.url+"/oauth/token", strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if name, value, ok := strings.Cut(auth, ": "); ok {
		req.Header.Set(name, value)
	}
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	status, m, _ := c.send(req)
	return status, m
}

// dpopCall sends GET path with Authorization: <scheme> <tok> and a DPoP
// header proof (none when "").
func (c client) dpopCall(path, scheme, tok, proof string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.url+path, nil)
	req.Header.Set("Authorization", scheme+" "+tok)
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	status, m, _ := c.send(req)
	return status, m
}

func prover(t *testing.T) *dpop.Prover {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p, err := dpop.NewProver(k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func proofFor(t *testing.T, p *dpop.Prover, method, u, tok string) string {
	t.Helper()
	s, err := p.Proof(method, u, tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDPoPEndToEnd: over real HTTP through the local gateway and its
// authorizer, DPoP-bound tokens by client_credentials and by refresh, each
// used on /v1/whoami with a fresh proof; a replayed proof, the token as
// Bearer, a proof of another key and a refresh without the family's key
// are refused; an independent library verifies the bound token through
// the JWKS and reads its cnf.jkt.
func TestDPoPEndToEnd(t *testing.T) {
	base, admin, _ := stack(t)
	c := client{t, base}
	aliceID, key := alice(t, c, admin)
	p, other := prover(t), prover(t)
	whoami := base + "/v1/whoami"

	// client_credentials.
	cl := c.want(201, "POST", "/v1/clients", "x-api-key: "+key, `{"name":"svc","scopes":["echo:read"]}`)
	clientID, secret := cl["clientId"].(string), cl["clientSecret"].(string)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
	status, tok := c.dpopForm("", proofFor(t, p, "POST", base+"/oauth/token", ""), form)
	if status != 200 || tok["token_type"] != "DPoP" {
		t.Fatalf("client_credentials with DPoP: %d %v", status, tok)
	}
	at := tok["access_token"].(string)
	proof := proofFor(t, p, "GET", whoami, at)
	if status, who := c.dpopCall("/v1/whoami", "DPoP", at, proof); status != 200 || who["principalId"] != clientID {
		t.Fatalf("whoami with DPoP: %d %v", status, who)
	}
	for name, call := range map[string][3]string{
		"replayed proof":        {"DPoP", at, proof},
		"as Bearer":             {"Bearer", at, ""},
		"proof of another key":  {"DPoP", at, proofFor(t, other, "GET", whoami, at)},
		"proof for another URL": {"DPoP", at, proofFor(t, p, "GET", base+"/v1/keys", at)},
	} {
		if status, _ := c.dpopCall("/v1/whoami", call[0], call[1], call[2]); status != 401 {
			t.Errorf("%s: status %d, want 401", name, status)
		}
	}
	if status, m := c.dpopForm("", proofFor(t, p, "GET", base+"/oauth/token", ""), form); status != 400 || m["error"] != "invalid_dpop_proof" {
		t.Errorf("bad proof at the token endpoint: %d %v", status, m)
	}

	// An independent library verifies the bound token through the JWKS.
	set, err := jwk.Fetch(context.Background(), base+"/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwxjwt.Parse([]byte(at), jwxjwt.WithKeySet(set), jwxjwt.WithValidate(true), jwxjwt.WithIssuer(base))
	if err != nil {
		t.Fatalf("jwx rejected the DPoP-bound token: %v", err)
	}
	var cnf map[string]any
	if err := parsed.Get("cnf", &cnf); err != nil || cnf["jkt"] != p.JKT() || len(cnf) != 1 {
		t.Fatalf("cnf = %v, %v; want jkt %s", cnf, err, p.JKT())
	}

	// refresh_token: the first exchange with a proof binds the family.
	r := c.want(201, "POST", "/v1/tokens/refresh", "x-api-key: "+key, `{"name":"cli","scopes":["echo:read"]}`)
	refreshForm := func(rt string) url.Values {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	}
	status, tok = c.dpopForm("", proofFor(t, p, "POST", base+"/oauth/token", ""), refreshForm(r["refreshToken"].(string)))
	if status != 200 || tok["token_type"] != "DPoP" {
		t.Fatalf("refresh with DPoP: %d %v", status, tok)
	}
	at, rt := tok["access_token"].(string), tok["refresh_token"].(string)
	if status, who := c.dpopCall("/v1/whoami", "DPoP", at, proofFor(t, p, "GET", whoami, at)); status != 200 || who["principalId"] != aliceID {
		t.Fatalf("whoami with the refreshed token: %d %v", status, who)
	}
	time.Sleep(testGrace + 50*time.Millisecond)
	for name, proof := range map[string]string{"no proof": "", "another key": proofFor(t, other, "POST", base+"/oauth/token", "")} {
		if status, m := c.dpopForm("", proof, refreshForm(rt)); status != 400 || m["error"] != "invalid_grant" {
			t.Errorf("bound refresh with %s: %d %v", name, status, m)
		}
	}
	status, tok = c.dpopForm("", proofFor(t, p, "POST", base+"/oauth/token", ""), refreshForm(rt))
	if status != 200 || tok["token_type"] != "DPoP" {
		t.Fatalf("bound refresh with its key: %d %v", status, tok)
	}
}
