package scanning_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/scanning"
	"github.com/tollgate/tollgate/shared/scanning/scanningtest"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/store/memory"
)

func TestMain(m *testing.M) { localtest.Main(m) }

// stores are the stores the handler tests run against: the in-memory fake
// and a fresh table in DynamoDB Local (which requires audit records, as
// deployed stores do).
func stores(t *testing.T) map[string]backend {
	return map[string]backend{"memory": memory.New(), "dynamodb": dynamo.New(localtest.NewTable(t)).RequireAudit()}
}

// reporters is how many requests report the same leaks at once.
const reporters = 16

// TestConcurrentReports: requests reporting the same three leaks at once
// (each twice in its batch) all answer true_positive, and each credential
// is acted on, audited and announced once.
func TestConcurrentReports(t *testing.T) {
	for _, action := range []scanning.Action{scanning.Deactivate, scanning.Revoke, scanning.Notify} {
		for name, st := range stores(t) {
			t.Run(name+"/"+string(action), func(t *testing.T) {
				f := newFixture(t, st, action)
				k, keyTok := f.key()
				fam, famTok := f.family()
				cl, clientSec := f.client()
				reports := []scanningtest.Report{scanningtest.Leak(keyTok), scanningtest.Leak(famTok), scanningtest.Leak(clientSec)}
				body := scanningtest.Body(t, reports[0], reports[1], reports[2], reports[2], reports[1], reports[0])
				start := make(chan struct{})
				var wg sync.WaitGroup
				for range reporters {
					hdr := f.gh.Sign(t, 0, body)
					wg.Go(func() {
						<-start
						status, got, answer := f.post(body, hdr)
						if status != http.StatusOK {
							t.Errorf("answered %d %s", status, answer)
							return
						}
						for i, r := range got {
							if r.Label != scanning.TruePositive {
								t.Errorf("result %d: %+v", i, r)
							}
						}
					})
				}
				close(start)
				wg.Wait()
				f.once(k.ID, credential.TypeAPIKey, reports[0])
				f.once(fam.ID, credential.TypeRefreshToken, reports[1])
				f.once(cl.ID, credential.TypeClient, reports[2])
				got, err := k2(f, k.ID)
				switch action {
				case scanning.Deactivate:
					if err != nil || got.Status != "inactive" || got.Version != 2 {
						t.Errorf("key %+v, %v: want inactive at version 2", got, err)
					}
				case scanning.Revoke:
					if err == nil {
						t.Errorf("key %+v still stored", got)
					}
				case scanning.Notify:
					if err != nil || got.Status != "active" || got.Version != 1 {
						t.Errorf("key %+v, %v: want it unchanged", got, err)
					}
				}
			})
		}
	}
}
