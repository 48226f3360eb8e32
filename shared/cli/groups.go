package cli

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Columns of the sessions (JWTs, refresh families, clients), users and
// audit records.
var (
	jwts     = resource{path: "/v1/tokens/jwt", idField: "tokenId", cols: []column{{"TOKEN ID", "tokenId"}, {"NAME", "name"}, {"STATUS", "status"}, {"SCOPES", "scopes"}, {"EXPIRES", "expiresAt"}, {"OWNER", "owner"}}}
	families = resource{path: "/v1/tokens/refresh", idField: "tokenId", cols: []column{{"TOKEN ID", "tokenId"}, {"NAME", "name"}, {"STATUS", "status"}, {"SCOPES", "scopes"}, {"ACCESS TTL", "accessTokenTTL"}, {"EXPIRES", "expiresAt"}, {"OWNER", "owner"}}}
	clients  = resource{path: "/v1/clients", idField: "clientId", cols: []column{{"CLIENT ID", "clientId"}, {"NAME", "name"}, {"STATUS", "status"}, {"SCOPES", "scopes"}, {"SECRET HINT", "secretHint"}, {"OWNER", "owner"}}}
	users    = resource{path: "/v1/users", idField: "userId", cols: []column{{"USER ID", "userId"}, {"USERNAME", "username"}, {"ROLES", "roles"}, {"SCOPES", "scopes"}, {"DISABLED", "disabled"}, {"CREATED", "createdAt"}}}
	records  = resource{path: "/v1/audit", idField: "id", cols: []column{{"TIME", "time"}, {"ACTION", "action"}, {"ACTOR", "actor"}, {"TARGET TYPE", "targetType"}, {"TARGET ID", "targetId"}}}
)

func tokensCmd(env *Env, g *globals) *cobra.Command {
	var jwtIssue issueFlags
	jwtCreate := &cobra.Command{
		Use:     "create --name NAME [--scopes a,b | --inherit-scopes] [--expires-in DURATION]",
		Short:   "Create a personal JWT; it is printed once",
		Example: "  tollgate tokens jwt create --name ci --scopes echo:read --expires-in 720h",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			body, err := jwtIssue.body(env)
			if err != nil {
				return err
			}
			return jwts.show(c, env, g, "POST", jwts.path, body, "token")
		},
	}
	jwtIssue.register(jwtCreate.Flags(), "JWT", true, false)
	jwtRevoke := byID("revoke", "TOKEN_ID", "Revoke a personal JWT", "  tollgate tokens jwt revoke jwt_...", func(c *cobra.Command, id string) error {
		return jwts.remove(c, env, g, jwts.path+"/"+id, id, "Revoked")
	})
	jwt := group("jwt", "Personal JWTs", "  tollgate tokens jwt list", jwtCreate,
		jwts.listCmd(env, g, "List personal JWTs", "  tollgate tokens jwt list --output json"), jwtRevoke)

	var rtIssue issueFlags
	var ttl int64
	var owner string
	rtCreate := &cobra.Command{
		Use:   "create --name NAME [--scopes a,b | --inherit-scopes] [--expires-in DURATION] [--access-token-ttl SECONDS] [--owner USER]",
		Short: "Create a refresh token (a new family); it is printed once",
		Example: `  tollgate tokens refresh create --name laptop --scopes echo:read --access-token-ttl 3600
  tollgate tokens refresh create --name cli --inherit-scopes --owner usr_...`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			body, err := rtIssue.body(env)
			if err != nil {
				return err
			}
			if c.Flags().Changed("access-token-ttl") {
				if ttl <= 0 {
					return usagef("--access-token-ttl: a positive number of seconds")
				}
				body["accessTokenTTL"] = ttl
			}
			if owner != "" {
				body["owner"] = owner
			}
			return families.show(c, env, g, "POST", families.path, body, "refreshToken")
		},
	}
	rtIssue.register(rtCreate.Flags(), "refresh token", true, false)
	rtCreate.Flags().Int64Var(&ttl, "access-token-ttl", 0, "the access tokens' lifetime in seconds (default: the server's, 10800)")
	rtCreate.Flags().StringVar(&owner, "owner", "", "the owning user (admins only; default: yourself)")
	rtRevoke := byID("revoke", "TOKEN_ID", "Revoke a refresh token family and every token from it", "  tollgate tokens refresh revoke rt_...", func(c *cobra.Command, id string) error {
		return families.remove(c, env, g, families.path+"/"+id, id, "Revoked")
	})
	rt := group("refresh", "Refresh tokens", "  tollgate tokens refresh list", rtCreate,
		families.listCmd(env, g, "List refresh token families", "  tollgate tokens refresh list --output json"), rtRevoke)

	return group("tokens", "Manage personal JWTs and refresh tokens", "  tollgate tokens jwt create --name ci --scopes echo:read\n  tollgate tokens refresh list", jwt, rt)
}

func clientsCmd(env *Env, g *globals) *cobra.Command {
	var issue issueFlags
	create := &cobra.Command{
		Use:     "create --name NAME [--scopes a,b | --inherit-scopes]",
		Short:   "Create a client (service account); its secret is printed once",
		Example: "  tollgate clients create --name svc --scopes echo:read",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			body, err := issue.body(env)
			if err != nil {
				return err
			}
			return clients.show(c, env, g, "POST", clients.path, body, "clientSecret")
		},
	}
	issue.register(create.Flags(), "client", false, false)
	get := byID("get", "CLIENT_ID", "Show one client", "  tollgate clients get cli_...", func(c *cobra.Command, id string) error {
		return clients.show(c, env, g, "GET", clients.path+"/"+id, nil, "")
	})
	rotate := byID("rotate-secret", "CLIENT_ID", "Give a client a new secret, printed once; the old one works for 24 h",
		"  tollgate clients rotate-secret cli_...", func(c *cobra.Command, id string) error {
			return clients.show(c, env, g, "POST", clients.path+"/"+id+"/secret", nil, "clientSecret")
		})
	del := byID("delete", "CLIENT_ID", "Delete a client; its tokens stop", "  tollgate clients delete cli_...", func(c *cobra.Command, id string) error {
		return clients.remove(c, env, g, clients.path+"/"+id, id, "Deleted")
	})
	return group("clients", "Manage clients (service accounts)", "  tollgate clients create --name svc --scopes echo:read\n  tollgate clients list",
		create, clients.listCmd(env, g, "List clients", "  tollgate clients list --output json"), get, rotate, del)
}

// readCertificate reads a PEM file ("-": stdin), refusing one holding a
// private key before anything is sent.
func (e *Env) readCertificate(file string) (string, error) {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(e.stdin, 1<<20))
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return "", fmt.Errorf("--file: %w", err)
	}
	if strings.Contains(string(b), "PRIVATE KEY") {
		return "", errors.New("--file " + file + " contains a private key: refusing to send it; upload only the certificate (the CERTIFICATE block)")
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", usagef("--file %s is empty", file)
	}
	return string(b), nil
}

func certsCmd(env *Env, g *globals) *cobra.Command {
	var user, file string
	certPath := func() (string, error) {
		if user == "" {
			return "", usagef("--user is required")
		}
		return "/v1/users/" + url.PathEscape(user) + "/certificate", nil
	}
	showCert := func(c *cobra.Command, method string, body any) error {
		path, err := certPath()
		if err != nil {
			return err
		}
		var m map[string]any
		if err := g.do(c, env, method, path, body, &m); err != nil {
			return err
		}
		if g.output == "json" {
			return printJSON(env, m)
		}
		return printFields(env, m, "thumbprint", "thumbprintSha1", "subject", "issuer", "notBefore", "notAfter")
	}
	upload := &cobra.Command{
		Use:   "upload --user USER_ID --file PEM|-",
		Short: "Bind a certificate to a user (for mutual TLS and private_key_jwt)",
		Example: `  tollgate certs upload --user usr_... --file client.pem
  cat client.pem | tollgate certs upload --user usr_... --file -`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if _, err := certPath(); err != nil {
				return err
			}
			if file == "" {
				return usagef("--file is required")
			}
			pem, err := env.readCertificate(file)
			if err != nil {
				return err
			}
			return showCert(c, "PUT", map[string]string{"certificate": pem})
		},
	}
	upload.Flags().StringVar(&file, "file", "", `the PEM certificate ("-": read from stdin)`)
	show := &cobra.Command{
		Use:     "show --user USER_ID",
		Short:   "Show a user's bound certificate",
		Example: "  tollgate certs show --user usr_...",
		Args:    args(cobra.NoArgs),
		RunE:    func(c *cobra.Command, _ []string) error { return showCert(c, "GET", nil) },
	}
	revoke := &cobra.Command{
		Use:     "revoke --user USER_ID",
		Short:   "Unbind a user's certificate",
		Example: "  tollgate certs revoke --user usr_...",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			path, err := certPath()
			if err != nil {
				return err
			}
			if err := g.do(c, env, "DELETE", path, nil, nil); err != nil {
				return err
			}
			return printDone(env, g, "userId", user, "Revoked the certificate of")
		},
	}
	for _, c := range []*cobra.Command{upload, show, revoke} {
		c.Flags().StringVar(&user, "user", "", "the user's id")
	}
	return group("certs", "Manage users' client certificates", "  tollgate certs upload --user usr_... --file client.pem", upload, show, revoke)
}

func usersCmd(env *Env, g *globals) *cobra.Command {
	var username string
	var roles, scopes []string
	create := &cobra.Command{
		Use:     "create --username NAME [--roles a,b] [--scopes a,b]",
		Short:   "Create a user (admins only)",
		Example: "  tollgate users create --username alice --roles credential-issuer --scopes credentials:read,credentials:write",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if username == "" {
				return usagef("--username is required")
			}
			body := map[string]any{"username": username, "roles": append([]string{}, roles...), "scopes": append([]string{}, scopes...)}
			return users.show(c, env, g, "POST", users.path, body, "")
		},
	}
	create.Flags().StringVar(&username, "username", "", "the user's name")
	create.Flags().StringSliceVar(&roles, "roles", nil, "roles: admin, credential-issuer")
	create.Flags().StringSliceVar(&scopes, "scopes", nil, "the user's scopes, comma-separated")

	list := &cobra.Command{
		Use: "list", Short: "List users (admins only)", Example: "  tollgate users list --output json", Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return users.list(c, env, g, nil, 0) },
	}
	get := byID("get", "USER_ID", "Show one user (admins only)", "  tollgate users get usr_...", func(c *cobra.Command, id string) error {
		return users.show(c, env, g, "GET", users.path+"/"+id, nil, "")
	})
	var upRoles, upScopes []string
	var disabled, enabled bool
	update := byID("update", "USER_ID", "Change a user's roles, scopes or status (admins only)",
		"  tollgate users update usr_... --scopes echo:read --roles credential-issuer\n  tollgate users update usr_... --disabled", func(c *cobra.Command, id string) error {
			body := map[string]any{}
			if c.Flags().Changed("roles") {
				body["roles"] = append([]string{}, upRoles...)
			}
			if c.Flags().Changed("scopes") {
				body["scopes"] = append([]string{}, upScopes...)
			}
			switch {
			case disabled && enabled:
				return usagef("give --disabled or --enabled, not both")
			case disabled || enabled:
				body["disabled"] = disabled
			}
			if len(body) == 0 {
				return usagef("give at least one of --roles, --scopes, --disabled, --enabled")
			}
			return users.show(c, env, g, "PATCH", users.path+"/"+id, body, "")
		})
	update.Flags().StringSliceVar(&upRoles, "roles", nil, `the new roles ("": none)`)
	update.Flags().StringSliceVar(&upScopes, "scopes", nil, `the new scopes ("": none)`)
	update.Flags().BoolVar(&disabled, "disabled", false, "disable the user: all its credentials stop")
	update.Flags().BoolVar(&enabled, "enabled", false, "enable the user again")
	del := byID("delete", "USER_ID", "Delete a user; all its credentials stop (admins only)", "  tollgate users delete usr_...", func(c *cobra.Command, id string) error {
		return users.remove(c, env, g, users.path+"/"+id, id, "Deleted")
	})
	return group("users", "Manage users (admins only)", "  tollgate users create --username alice --scopes echo:read\n  tollgate users list", create, list, get, update, del)
}

func auditCmd(env *Env, g *globals) *cobra.Command {
	var target, since string
	var limit int
	list := &cobra.Command{
		Use:   "list [--target ID] [--since RFC3339] [--limit N]",
		Short: "List audit records, newest first (admins only); every page unless --limit",
		Example: `  tollgate audit list --since 2026-01-01T00:00:00Z
  tollgate audit list --target key_... --output json
  tollgate audit list --limit 20`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			q := url.Values{}
			if target != "" {
				q.Set("targetId", target)
			}
			if since != "" {
				if _, err := time.Parse(time.RFC3339, since); err != nil {
					return usagef("--since: an RFC 3339 time such as 2026-01-01T00:00:00Z")
				}
				q.Set("since", since)
			}
			if c.Flags().Changed("limit") && limit <= 0 {
				return usagef("--limit: a positive number")
			}
			return records.list(c, env, g, q, limit)
		},
	}
	list.Flags().StringVar(&target, "target", "", "only this target's records (a user, key, token, client or SAS identifier)")
	list.Flags().StringVar(&since, "since", "", "records from this time on (default: the server's, 90 days back)")
	list.Flags().IntVar(&limit, "limit", 0, "at most this many records (one page)")
	return group("audit", "Read the audit log (admins only)", "  tollgate audit list --limit 20", list)
}

// sasManageCmds are sas show, regenerate, enable and disable.
func sasManageCmds(env *Env, g *globals) []*cobra.Command {
	showSAS := func(c *cobra.Command, method, path string, body any) error {
		var m map[string]any
		if err := g.do(c, env, method, path, body, &m); err != nil {
			return err
		}
		if g.output == "json" {
			return printJSON(env, m)
		}
		return printFields(env, m, "identifier", "enabled", "primaryKey", "secondaryKey")
	}
	show := &cobra.Command{
		Use:     "show",
		Short:   "Show your SAS identifier and keys (created on first use)",
		Example: "  tollgate sas show\n  tollgate sas show --output json",
		Args:    args(cobra.NoArgs),
		RunE:    func(c *cobra.Command, _ []string) error { return showSAS(c, "GET", "/v1/sas", nil) },
	}
	var which string
	regen := &cobra.Command{
		Use:     "regenerate --key primary|secondary",
		Short:   "Replace one SAS key; signatures made with the old key stop working",
		Example: "  tollgate sas regenerate --key secondary",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if which != "primary" && which != "secondary" {
				return usagef("--key must be primary or secondary")
			}
			return showSAS(c, "POST", "/v1/sas/regenerate", map[string]string{"key": which})
		},
	}
	regen.Flags().StringVar(&which, "key", "", "which key: primary or secondary")
	toggle := func(use, short string, on bool) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Example: "  tollgate sas " + use, Args: args(cobra.NoArgs),
			RunE: func(c *cobra.Command, _ []string) error {
				return showSAS(c, "PATCH", "/v1/sas", map[string]bool{"enabled": on})
			}}
	}
	return []*cobra.Command{show, regen, toggle("enable", "Make your shared access signatures work again", true),
		toggle("disable", "Stop all your shared access signatures until enabled", false)}
}
