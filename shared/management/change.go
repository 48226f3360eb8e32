package management

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/store"
)

// maxAttempts bounds how often a change reads its record again and retries
// after another writer changed the record first.
const maxAttempts = 10

// retried runs attempt, one read-modify-write whose write is conditional
// on the version it read, until the store stops reporting that the record
// changed in between (store.ErrConflict). Each attempt reads afresh and
// applies only the request's own change, so concurrent changes to other
// fields are all kept and a 2xx is never silently undone; an If-Match
// checked in the attempt turns such a change into a 412 instead. After
// maxAttempts, 409.
func retried(attempt func() error) error {
	for n := range maxAttempts {
		err := attempt()
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		// Writers that collided spread out before they read again: a
		// random pause, its bound doubling from 5 ms up to 100 ms.
		time.Sleep(rand.N(min(5*time.Millisecond<<n, 100*time.Millisecond)))
	}
	return apigw.NewProblem(http.StatusConflict, "the resource kept changing while this request was applied; retry it")
}
