package management

import (
	"errors"
	"net/http"

	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/store"
)

// retried runs attempt, one read-modify-write whose write is conditional
// on the version it read, again while the store reports that the record
// changed in between (store.Retry). Each attempt reads afresh and applies
// only the request's own change, so concurrent changes to other fields are
// all kept and a 2xx is never silently undone; an If-Match checked in the
// attempt turns such a change into a 412 instead. After store.MaxAttempts,
// 409.
func retried(attempt func() error) error {
	err := store.Retry(attempt)
	if errors.Is(err, store.ErrConflict) {
		return apigw.NewProblem(http.StatusConflict, "the resource kept changing while this request was applied; retry it")
	}
	return err
}
