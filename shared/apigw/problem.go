package apigw

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tollgate/tollgate/shared/apikey"
	"github.com/tollgate/tollgate/shared/store"
)

// Problem is an RFC 9457 problem detail; it is also an error.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func (p *Problem) Error() string { return p.Detail }

// NewProblem makes a problem with the standard title for status.
func NewProblem(status int, format string, args ...any) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: fmt.Sprintf(format, args...)}
}

// Invalid reports a bad request naming the field at fault.
func Invalid(field, format string, args ...any) *Problem {
	return NewProblem(http.StatusBadRequest, "%s: "+format, append([]any{field}, args...)...)
}

// Forbidden reports an action the caller may not take.
func Forbidden(format string, args ...any) *Problem {
	return NewProblem(http.StatusForbidden, format, args...)
}

// ProblemFrom maps err to the problem a client sees; internal reports whether err
// was unexpected (to be logged, and answered with a generic 500).
func ProblemFrom(err error) (p *Problem, internal bool) {
	switch {
	case errors.As(err, &p):
		return p, false
	case errors.Is(err, store.ErrNotFound):
		return NewProblem(http.StatusNotFound, "no such resource"), false
	case errors.Is(err, store.ErrBadCursor):
		return Invalid("cursor", "not a cursor this list returned"), false
	case errors.Is(err, apikey.ErrRotated):
		return NewProblem(http.StatusConflict, "the key has already been rotated"), false
	case errors.Is(err, store.ErrConflict):
		return NewProblem(http.StatusConflict, "the resource changed or already exists"), false
	}
	return NewProblem(http.StatusInternalServerError, "internal error"), true
}
