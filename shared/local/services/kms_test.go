package services_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/local/services"
)

// TestKMSListensWhereTold probes local-kms as someone on the network
// would: it checks no credentials, so it must answer on 127.0.0.1 and on
// the hosts it is given, and on no other address of this machine.
func TestKMSListensWhereTold(t *testing.T) {
	bin, err := services.FindKMS(".")
	if err != nil {
		if os.Getenv(localtest.RequireKMS) != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	others := machineAddrs(t)
	var hosts []string
	if len(others) > 1 { // one of them given, the others not
		hosts, others = others[:1], others[1:]
	}
	ctx := context.Background()
	srv, err := services.StartSeededKMS(ctx, bin, t.TempDir(), "", hosts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	client, err := services.KMSClient(ctx, srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListKeys(ctx, &kms.ListKeysInput{}); err != nil {
		t.Fatalf("on 127.0.0.1: %v", err)
	}
	u, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(h, u.Port()), time.Second)
		if err != nil {
			t.Fatalf("not listening on %s, a host it was given: %v", h, err)
		}
		c.Close()
	}
	for _, h := range others {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(h, u.Port()), time.Second); err == nil {
			c.Close()
			t.Fatalf("listening on %s", h)
		}
	}
}

// machineAddrs are this machine's addresses other than loopback ones.
func machineAddrs(t *testing.T) []string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && !ip.IP.IsLinkLocalUnicast() {
			out = append(out, ip.IP.String())
		}
	}
	if len(out) == 0 {
		t.Log("no address but loopback: nothing to probe")
	}
	return out
}
