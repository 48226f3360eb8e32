package oauth_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/oauth"
)

// from is req as API Gateway hands it over from source address ip.
func from(ip string, req events.APIGatewayProxyRequest) events.APIGatewayProxyRequest {
	req.RequestContext.Identity.SourceIP = ip
	return req
}

// TestThrottleRace: parallel wrong guesses cannot pass the limit, since
// each attempt is reserved before its secret or password is checked.
func TestThrottleRace(t *testing.T) {
	cases := []struct {
		name  string
		opts  []option
		guess func(t *testing.T, f *fixture) events.APIGatewayProxyRequest
	}{
		{"client secrets", nil, func(t *testing.T, f *fixture) events.APIGatewayProxyRequest {
			c, _ := f.client(t, "alice", nil)
			return basicGrant(c.ID, "tgc_wrong")
		}},
		{"passwords", []option{passwordSignIn}, func(*testing.T, *fixture) events.APIGatewayProxyRequest {
			return tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", "not carol's password"))
		}},
	}
	const n = 12
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.opts...)
			req := c.guess(t, f)
			count := parallel(f, n, req)
			if count[401] > oauth.MaxFailures || count[401]+count[429] != n {
				t.Fatalf("statuses %v, want at most %d 401 and the rest 429", count, oauth.MaxFailures)
			}
		})
	}
}

// TestThrottleNoLockout: identifiers are public, so junk from one source
// must not lock out the holder of the credential presenting it from
// another; the junk's own source stays throttled.
func TestThrottleNoLockout(t *testing.T) {
	cases := []struct {
		name string
		opts []option
		// setup returns a request with a wrong credential and one with the
		// right credential for the same identifier.
		setup func(t *testing.T, f *fixture) (junk, good func() events.APIGatewayProxyRequest)
	}{
		{"assertions", nil, func(t *testing.T, f *fixture) (junk, good func() events.APIGatewayProxyRequest) {
			h := f.bindCertificate(t, "alice")
			forged := h
			forged.key = f.bindCertificate(t, "bob").key // signed with a key alice's certificate does not hold
			return func() events.APIGatewayProxyRequest { return assertionGrant(f.assertion(t, forged), nil) },
				func() events.APIGatewayProxyRequest { return assertionGrant(f.assertion(t, h), nil) }
		}},
		{"client secrets", nil, func(t *testing.T, f *fixture) (junk, good func() events.APIGatewayProxyRequest) {
			c, sec := f.client(t, "alice", nil)
			return func() events.APIGatewayProxyRequest { return basicGrant(c.ID, "tgc_wrong") },
				func() events.APIGatewayProxyRequest { return basicGrant(c.ID, sec) }
		}},
		{"passwords", []option{passwordSignIn}, func(*testing.T, *fixture) (junk, good func() events.APIGatewayProxyRequest) {
			return func() events.APIGatewayProxyRequest {
					return tokenReq(form("grant_type", "client_credentials", "client_id", "carol", "client_secret", "not carol's password"))
				}, func() events.APIGatewayProxyRequest {
					return tokenReq(form("grant_type", "client_credentials", "client_id", "Carol", "client_secret", carolPW))
				}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.opts...)
			junk, good := c.setup(t, f)
			for range oauth.MaxFailures {
				f.call(t, from("203.0.113.7", junk())).wantError(t, 401, "invalid_client")
			}
			f.call(t, from("203.0.113.7", junk())).wantError(t, 429, "slow_down")
			f.call(t, from("203.0.113.7", good())).wantError(t, 429, "slow_down")
			f.ok(t, from("198.51.100.9", good()))
			f.ok(t, from("2001:db8::1", good()))
			// One IPv6 host holds a /64: its addresses count as one source.
			for i := range oauth.MaxFailures {
				f.call(t, from(fmt.Sprintf("2001:db8:0:1::%x", i+1), junk())).wantError(t, 401, "invalid_client")
			}
			f.call(t, from("2001:db8:0:1::ffff", good())).wantError(t, 429, "slow_down")
		})
	}
}

// parallel serves req n times at once and counts the answers by status (0
// for an error from Handle).
func parallel(f *fixture, n int, req events.APIGatewayProxyRequest) map[int]int {
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := f.h.Handle(context.Background(), req)
			if err != nil {
				resp.StatusCode = 0
			}
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	return count
}
