package management

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/tollgate/tollgate/shared/apigw"
	"github.com/tollgate/tollgate/shared/audit"
	"github.com/tollgate/tollgate/shared/id"
	"github.com/tollgate/tollgate/shared/password"
	"github.com/tollgate/tollgate/shared/scope"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/user"
)

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$`)

type userJSON struct {
	UserID    string         `json:"userId"`
	Username  string         `json:"username"`
	Roles     []string       `json:"roles"`
	Scopes    scope.Set      `json:"scopes"`
	Disabled  bool           `json:"disabled"`
	CreatedAt time.Time      `json:"createdAt"`
	RateLimit *rateLimitJSON `json:"rateLimit"` // the ceiling of all the user's credentials together
}

func showUser(u user.User) userJSON {
	j := userJSON{UserID: u.ID, Username: u.Username, Roles: u.Roles, Scopes: u.Scopes, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt.UTC().Truncate(time.Second), RateLimit: showRateLimit(u.RateLimit)}
	if j.Roles == nil {
		j.Roles = []string{}
	}
	if j.Scopes == nil {
		j.Scopes = scope.Set{}
	}
	return j
}

// userTag is the entity tag of u as GET shows it.
func userTag(u user.User) string { return apigw.ETag(u.Version, showUser(u)) }

type createUserBody struct {
	Username  string      `json:"username"`
	Roles     *[]string   `json:"roles"`
	Scopes    *[]string   `json:"scopes"`
	Password  *string     `json:"password"`
	RateLimit limitMember `json:"rateLimit"`
}

// setAccess validates and sets the roles, scopes and rate limit given
// (nil, or rate not set: unchanged; rate null: none).
func setAccess(u *user.User, roles, scopes *[]string, rate limitMember) error {
	var err error
	if rate.set {
		if u.RateLimit, err = parseRateLimit(rate); err != nil {
			return err
		}
	}
	if roles != nil {
		if u.Roles, err = parseRoles(*roles); err != nil {
			return err
		}
	}
	if scopes != nil {
		if u.Scopes, err = scope.Parse(*scopes); err != nil {
			return apigw.Invalid("scopes", "%v", err)
		}
	}
	return nil
}

func parseRoles(in []string) ([]string, error) {
	for _, r := range in {
		if r != user.RoleAdmin && r != user.RoleCredentialIssuer {
			return nil, apigw.Invalid("roles", "%q is not a role (admin, credential-issuer)", r)
		}
	}
	out := append([]string{}, in...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (h *Handler) createUser(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body createUserBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if !usernamePattern.MatchString(body.Username) {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("username", "must be 1 to 100 characters of A-Z a-z 0-9 . _ @ + -, starting with a letter or digit")
	}
	u := user.User{ProjectID: h.opt.ProjectID, ID: id.New(user.IDPrefix), Username: body.Username, CreatedAt: c.now,
		Roles: []string{}, Scopes: scope.Set{}}
	if body.Password != nil {
		if !h.opt.PasswordSignIn {
			return events.APIGatewayProxyResponse{}, apigw.Invalid("password", "password sign-in is not enabled in this deployment")
		}
		if err := password.Validate(*body.Password); err != nil {
			return events.APIGatewayProxyResponse{}, apigw.Invalid("password", "must be %d to %d characters", password.MinLen, password.MaxLen)
		}
	}
	if err := setAccess(&u, body.Roles, body.Scopes, body.RateLimit); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if body.Password != nil {
		// Hashed last: Argon2id is deliberately slow, and only a request
		// that passed every check pays for it.
		hash, err := password.Hash(*body.Password)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		u.PasswordHash = hash
	}
	if err := h.store.CreateUser(h.audit(ctx, c, audit.UserCreate, audit.User(u.ID)), u); errors.Is(err, store.ErrConflict) {
		return events.APIGatewayProxyResponse{}, apigw.NewProblem(http.StatusConflict, "username %q is taken", u.Username)
	} else if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusCreated, showUser(u), map[string]string{"Location": "/v1/users/" + u.ID}), nil
}

// userFor reads the user named in the path.
func (h *Handler) userFor(ctx context.Context, c *call) (user.User, error) {
	return inPath(ctx, h, c, "userId", user.IDPrefix, h.store.GetUser, apigw.NewProblem(http.StatusNotFound, "no such user"))
}

func (h *Handler) getUser(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	u, err := h.userFor(ctx, c)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.JSON(http.StatusOK, showUser(u), apigw.Tagged(userTag(u), nil)), nil
}

func (h *Handler) listUsers(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	p, err := page(c.req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	users, next, err := h.store.ListUsers(ctx, h.opt.ProjectID, p)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = showUser(u)
	}
	return apigw.JSON(http.StatusOK, newList(out, next), nil), nil
}

type updateUserBody struct {
	Roles     *[]string   `json:"roles"`
	Scopes    *[]string   `json:"scopes"`
	Disabled  *bool       `json:"disabled"`
	RateLimit limitMember `json:"rateLimit"`
}

func (h *Handler) updateUser(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	var body updateUserBody
	if err := decode(c.req, &body); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	if body.Roles == nil && body.Scopes == nil && body.Disabled == nil && !body.RateLimit.set {
		return events.APIGatewayProxyResponse{}, apigw.Invalid("roles", "roles, scopes, disabled or rateLimit is required")
	}
	var u user.User
	err := retried(func() error {
		var err error
		if u, err = h.userFor(ctx, c); err != nil {
			return err
		}
		if err := apigw.IfMatch(c.req, func() string { return userTag(u) }); err != nil {
			return err
		}
		if err := setAccess(&u, body.Roles, body.Scopes, body.RateLimit); err != nil {
			return err
		}
		if body.Disabled != nil {
			u.Disabled = *body.Disabled
		}
		if u.ID == c.user.ID && (!u.IsAdmin() || u.Disabled) {
			return apigw.NewProblem(http.StatusConflict, "an admin cannot demote or disable itself; ask another admin")
		}
		return h.store.UpdateUser(h.audit(ctx, c, audit.UserUpdate, audit.User(u.ID)), u)
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	u.Version++
	return apigw.JSON(http.StatusOK, showUser(u), apigw.Tagged(userTag(u), nil)), nil
}

func (h *Handler) deleteUser(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	err := retried(func() error {
		u, err := h.userFor(ctx, c)
		if err != nil {
			return err
		}
		if err := apigw.IfMatch(c.req, func() string { return userTag(u) }); err != nil {
			return err
		}
		if u.ID == c.user.ID {
			return apigw.NewProblem(http.StatusConflict, "an admin cannot delete itself; ask another admin")
		}
		return h.store.DeleteUser(h.audit(ctx, c, audit.UserDelete, audit.User(u.ID)), u)
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return apigw.NoContent(), nil
}
