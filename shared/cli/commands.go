package cli

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tollgate/tollgate/shared/sas"
)

// globals are the persistent flags.
type globals struct {
	profile string
	output  string
}

// NewRoot returns the tollgate command tree for login, whoami, keys,
// tokens, clients, certs, users, audit and sas; the caller adds any other commands (dev, bootstrap, …).
func NewRoot(env *Env) *cobra.Command {
	env.fill()
	g := &globals{}
	root := &cobra.Command{
		Use:   "tollgate",
		Short: "Tollgate: API credentials (API keys, tokens, SAS) from the command line",
		Example: `  tollgate login --api-url http://localhost:8080 --token-env TOLLGATE_TOKEN
  tollgate whoami
  tollgate keys create --name ci --scopes echo:read`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.PersistentFlags().StringVar(&g.profile, "profile", "default", "the saved login to use")
	root.PersistentFlags().StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if g.output != "table" && g.output != "json" {
			return usagef("--output must be table or json")
		}
		return nil
	}
	root.AddCommand(loginCmd(env, g), whoamiCmd(env, g), keysCmd(env, g), tokensCmd(env, g), clientsCmd(env, g),
		certsCmd(env, g), usersCmd(env, g), auditCmd(env, g), sasCmd(env, g))
	return root
}

// session opens the config and the profile g names.
func (g *globals) session(env *Env) (*Session, error) {
	path, err := ConfigPath(env.Getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	p, ok := cfg.Profiles[g.profile]
	if !ok {
		return nil, fmt.Errorf("no profile %q in %s: run tollgate login first", g.profile, path)
	}
	return &Session{env: env, path: path, cfg: cfg, name: g.profile, profile: p}, nil
}

func loginCmd(env *Env, g *globals) *cobra.Command {
	var apiURL, token, tokenEnv, refresh, refreshEnv, clientID, secret, secretEnv, username, password, passwordEnv string
	var certFile, keyFile, userID, issuer string
	var insecure bool
	c := &cobra.Command{
		Use:   "login --api-url URL (--token | --refresh-token | --client-id/--client-secret | --username/--password | --cert/--key/--user)",
		Short: "Save a credential as a profile, after checking it with the API",
		Long: `Save a credential as a profile (--profile, default "default") in the configuration
file: os.UserConfigDir()/tollgate/config.json, or TOLLGATE_CONFIG. The file is written
atomically with mode 0600.

Give exactly one credential:
  --token               an API key or personal JWT, used as is
  --refresh-token       a refresh token: access tokens are renewed automatically
  --client-id/--client-secret   a client (service account)
  --username/--password a password sign-in (for testing; the password is not saved,
                        log in again when the access token expires)
  --cert/--key/--user   private_key_jwt (RFC 7523): the key of the certificate bound to
                        the user signs a client assertion; the certificate-bound access
                        token works only over mutual TLS, so the profile keeps the PEM
                        files' paths and presents the certificate on every call. Use the
                        HTTPS listener as --api-url and --issuer for the issuer whose
                        token endpoint is the assertion's audience (default: --api-url).

Keep secrets out of the command line, where other users can see them: every
secret flag has an -env variant naming an environment variable, and the
value "-" reads one line from standard input.

Refresh tokens rotate on every exchange. The CLI saves the new refresh token
before it uses the new access token. If it dies between the exchange and the
save, the next run presents the old refresh token again; within the server's
grace period (10 s) that gets the same successor. After it, the server sees
reuse and revokes the family: log in again.`,
		Example: `  tollgate login --api-url http://localhost:8080 --token-env TOLLGATE_KEY
  cat .tollgate/admin.key | tollgate login --api-url http://localhost:8080 --token -
  tollgate login --api-url https://api.example.com --refresh-token - --profile cli
  tollgate login --api-url https://api.example.com --client-id cli_... --client-secret-env CLIENT_SECRET
  tollgate login --api-url https://127.0.0.1:8443 --issuer http://localhost:8080 --insecure-skip-verify \
    --cert alice.pem --key alice.key --user usr_...`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if apiURL == "" {
				return usagef("--api-url is required")
			}
			if u, err := url.Parse(apiURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usagef("--api-url must be an http(s) URL")
			}
			n := 0
			for _, set := range []bool{token != "" || tokenEnv != "", refresh != "" || refreshEnv != "",
				clientID != "" || secret != "" || secretEnv != "", username != "" || password != "" || passwordEnv != "",
				certFile != "" || keyFile != "" || userID != ""} {
				if set {
					n++
				}
			}
			if n != 1 {
				return usagef("give exactly one of --token, --refresh-token, --client-id/--client-secret, --username/--password, --cert/--key/--user")
			}
			if issuer != "" {
				if u, err := url.Parse(issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return usagef("--issuer must be an http(s) URL")
				}
				if certFile == "" {
					return usagef("--issuer goes with --cert/--key/--user")
				}
			}
			p := &Profile{APIURL: strings.TrimRight(apiURL, "/"), InsecureSkipVerify: insecure}
			if insecure {
				fmt.Fprintln(env.Stderr, "warning: --insecure-skip-verify: the API's server certificate is not checked (local stack only)")
			}
			var err error
			switch {
			case token != "" || tokenEnv != "":
				p.Kind = KindToken
				p.Token, err = env.readSecret("token", token, tokenEnv)
			case refresh != "" || refreshEnv != "":
				p.Kind = KindRefresh
				p.RefreshToken, err = env.readSecret("refresh-token", refresh, refreshEnv)
			case clientID != "":
				p.Kind, p.ClientID = KindClient, clientID
				p.ClientSecret, err = env.readSecret("client-secret", secret, secretEnv)
			case username != "":
				p.Kind, p.Username = KindPassword, username
				fmt.Fprintln(env.Stderr, "warning: password sign-in is for testing; use a refresh token or a client in real use")
				var pw string
				if pw, err = env.readSecret("password", password, passwordEnv); err == nil && pw != "" {
					var tok *tokenAnswer
					if tok, err = env.exchange(c.Context(), env.httpClient(), p.APIURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {username}, "client_secret": {pw}}); err == nil {
						p.AccessToken, p.AccessTokenExpiresAt = tok.AccessToken, env.now().Add(time.Duration(tok.ExpiresIn)*time.Second)
					}
				}
			case certFile != "" || keyFile != "" || userID != "":
				if certFile == "" || keyFile == "" || userID == "" {
					return usagef("--cert, --key and --user go together")
				}
				p.Kind, p.UserID, p.Issuer = KindAssertion, userID, strings.TrimRight(issuer, "/")
				if p.CertFile, err = filepath.Abs(certFile); err == nil {
					p.KeyFile, err = filepath.Abs(keyFile)
				}
				if err == nil {
					_, err = env.loadClientCert(p.CertFile, p.KeyFile)
				}
			default:
				return usagef("--client-id and --username need their secret, and the other way round")
			}
			if err != nil {
				return err
			}
			if (p.Kind == KindToken && p.Token == "") || (p.Kind == KindRefresh && p.RefreshToken == "") ||
				(p.Kind == KindClient && p.ClientSecret == "") || (p.Kind == KindPassword && p.AccessToken == "") {
				return usagef("the credential is empty (a --client-id needs --client-secret, a --username needs --password)")
			}
			path, err := ConfigPath(env.Getenv)
			if err != nil {
				return err
			}
			cfg, err := LoadConfig(path)
			if err != nil {
				return err
			}
			cfg.Profiles[g.profile] = p
			s := &Session{env: env, path: path, cfg: cfg, name: g.profile, profile: p}
			// A refresh profile is saved by its first exchange, inside
			// token, before the access token is used; the others once
			// the API has accepted them.
			var who map[string]any
			if err := s.call(c.Context(), "GET", "/v1/whoami", nil, &who); err != nil {
				return fmt.Errorf("checking the credential: %w", err)
			}
			if err := cfg.Save(path); err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(env, who)
			}
			fmt.Fprintf(env.Stdout, "Logged in to %s as %v (%v), profile %q.\n", p.APIURL, who["principalId"], who["credentialType"], g.profile)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&apiURL, "api-url", "", "the API's base URL")
	f.StringVar(&token, "token", "", `an API key or JWT ("-": read from stdin)`)
	f.StringVar(&tokenEnv, "token-env", "", "the environment variable holding the token")
	f.StringVar(&refresh, "refresh-token", "", `a refresh token ("-": read from stdin)`)
	f.StringVar(&refreshEnv, "refresh-token-env", "", "the environment variable holding the refresh token")
	f.StringVar(&clientID, "client-id", "", "a client id (cli_…)")
	f.StringVar(&secret, "client-secret", "", `the client's secret ("-": read from stdin)`)
	f.StringVar(&secretEnv, "client-secret-env", "", "the environment variable holding the client secret")
	f.StringVar(&username, "username", "", "a username (password sign-in, for testing)")
	f.StringVar(&password, "password", "", `the password ("-": read from stdin)`)
	f.StringVar(&passwordEnv, "password-env", "", "the environment variable holding the password")
	f.StringVar(&certFile, "cert", "", "private_key_jwt: the PEM certificate bound to --user")
	f.StringVar(&keyFile, "key", "", "private_key_jwt: its PEM private key (PKCS#8, PKCS#1 or SEC1)")
	f.StringVar(&userID, "user", "", "private_key_jwt: the user id (usr_…) the certificate is bound to")
	f.StringVar(&issuer, "issuer", "", "private_key_jwt: the issuer URL, whose /oauth/token is the assertion's audience (default: --api-url)")
	f.BoolVar(&insecure, "insecure-skip-verify", false, "do not verify the API's server certificate (the local stack's self-signed one)")
	return c
}

func whoamiCmd(env *Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show who the profile's credential is: principal, credential, scopes",
		Example: "  tollgate whoami\n  tollgate whoami --profile ci --output json",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := g.session(env)
			if err != nil {
				return err
			}
			var who map[string]any
			if err := s.call(c.Context(), "GET", "/v1/whoami", nil, &who); err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(env, who)
			}
			return printFields(env, who, "principalId", "credentialType", "credentialId", "scopes", "projectId")
		},
	}
}

// key is an API key as the API shows it.
type key struct {
	KeyID      string     `json:"keyId"`
	Key        string     `json:"key,omitempty"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	Owner      string     `json:"owner"`
	Status     string     `json:"status"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RotatedTo  string     `json:"rotatedTo,omitempty"`
}

func keysCmd(env *Env, g *globals) *cobra.Command {
	keys := &cobra.Command{
		Use:     "keys",
		Short:   "Manage API keys",
		Example: "  tollgate keys list\n  tollgate keys create --name ci --scopes echo:read --expires-in 720h",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("keys needs a subcommand: %s", "create, list, get, rotate, activate, deactivate, revoke")
		},
	}
	show := func(c *cobra.Command, method, path string, body any, secret bool) error {
		s, err := g.session(env)
		if err != nil {
			return err
		}
		var k key
		if err := s.call(c.Context(), method, path, body, &k); err != nil {
			return err
		}
		return printKeys(env, g, []key{k}, false, secret)
	}

	var issue issueFlags
	var owner string
	create := &cobra.Command{
		Use:   "create --name NAME [--scopes a,b | --inherit-scopes] [--expires-in DURATION | --no-expiry] [--owner USER]",
		Short: "Create an API key; its secret is printed once",
		Example: `  tollgate keys create --name ci --scopes echo:read --expires-in 720h
  tollgate keys create --name laptop --inherit-scopes --owner usr_...`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			body, err := issue.body(env)
			if err != nil {
				return err
			}
			if owner != "" {
				body["owner"] = owner
			}
			return show(c, "POST", "/v1/keys", body, true)
		},
	}
	issue.register(create.Flags(), "key", true, true)
	create.Flags().StringVar(&owner, "owner", "", "the owning user (admins only; default: yourself)")

	var listOwner string
	list := &cobra.Command{
		Use:     "list [--owner USER]",
		Short:   "List API keys, newest first",
		Example: "  tollgate keys list\n  tollgate keys list --owner usr_... --output json",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := g.session(env)
			if err != nil {
				return err
			}
			q := url.Values{}
			if listOwner != "" {
				q.Set("owner", listOwner)
			}
			all, err := listAll[key](c.Context(), s, "/v1/keys", q, 0)
			if err != nil {
				return err
			}
			return printKeys(env, g, all, true, false)
		},
	}
	list.Flags().StringVar(&listOwner, "owner", "", "another user's keys (admins only)")

	get := byID("get", "KEY_ID", "Show one API key", "  tollgate keys get key_...", func(c *cobra.Command, id string) error {
		return show(c, "GET", "/v1/keys/"+id, nil, false)
	})
	var overlap time.Duration
	rotate := byID("rotate", "KEY_ID", "Replace a key with a new secret; the old one works for the overlap",
		"  tollgate keys rotate key_... --overlap 24h\n  tollgate keys rotate key_... --overlap 0", func(c *cobra.Command, id string) error {
			if overlap < 0 || overlap%time.Second != 0 {
				return usagef("--overlap: whole seconds, 0 or more")
			}
			return show(c, "POST", "/v1/keys/"+id+"/rotate", map[string]any{"overlapSeconds": int64(overlap / time.Second)}, true)
		})
	rotate.Flags().DurationVar(&overlap, "overlap", 24*time.Hour, "how long the old key keeps working (0: it stops now; at most 720h)")
	activate := byID("activate", "KEY_ID", "Make an inactive key work again", "  tollgate keys activate key_...", func(c *cobra.Command, id string) error {
		return show(c, "PATCH", "/v1/keys/"+id, map[string]string{"status": "active"}, false)
	})
	deactivate := byID("deactivate", "KEY_ID", "Stop a key until it is activated again", "  tollgate keys deactivate key_...", func(c *cobra.Command, id string) error {
		return show(c, "PATCH", "/v1/keys/"+id, map[string]string{"status": "inactive"}, false)
	})
	revoke := byID("revoke", "KEY_ID", "Delete a key for good", "  tollgate keys revoke key_...", func(c *cobra.Command, id string) error {
		if err := g.do(c, env, "DELETE", "/v1/keys/"+id, nil, nil); err != nil {
			return err
		}
		return printDone(env, g, "keyId", id, "Revoked")
	})
	keys.AddCommand(create, list, get, rotate, activate, deactivate, revoke)
	return keys
}

func sasCmd(env *Env, g *globals) *cobra.Command {
	sasc := &cobra.Command{
		Use:     "sas",
		Short:   "Shared access signatures",
		Example: "  tollgate sas token --key primary --expiry 2026-12-31T17:00:00Z",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("sas needs a subcommand: sign, token, show, regenerate, enable, disable")
		},
	}
	var id, keyFlag, keyEnv, expiry string
	sign := &cobra.Command{
		Use:   "sign --id IDENTIFIER (--key KEY | --key-env NAME | --key -) --expiry TIME",
		Short: "Sign a shared access signature offline, as the server does",
		Long: `Sign a shared access signature offline with one of your SAS keys (from GET /v1/sas),
exactly as the server's POST /v1/sas/token does. No API call is made. The expiry is
RFC 3339, .NET round-trip (2014-08-04T22:03:00.0000000Z) or MM/DD/YYYY H:MM PM (UTC).`,
		Example: `  tollgate sas sign --id 0123456789abcdef01234567 --key-env SAS_KEY --expiry 2026-12-31T17:00:00Z
  echo "$SAS_KEY" | tollgate sas sign --id 0123456789abcdef01234567 --key - --expiry "12/31/2026 5:00 PM"`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if id == "" || expiry == "" {
				return usagef("--id and --expiry are required")
			}
			k, err := env.readSecret("key", keyFlag, keyEnv)
			if err != nil {
				return err
			}
			if k == "" {
				return usagef("give the key with --key-env NAME or --key -")
			}
			t, err := sas.ParseExpiry(expiry)
			if err != nil {
				return usagef("--expiry: RFC 3339, .NET round-trip or MM/DD/YYYY H:MM PM (UTC)")
			}
			return printToken(env, g, sas.Sign(id, k, t))
		},
	}
	sign.Flags().StringVar(&id, "id", "", "the SAS identifier")
	sign.Flags().StringVar(&keyFlag, "key", "", `the SAS key ("-": read from stdin)`)
	sign.Flags().StringVar(&keyEnv, "key-env", "", "the environment variable holding the key")
	sign.Flags().StringVar(&expiry, "expiry", "", "when the signature expires")

	var which, tokExpiry string
	token := &cobra.Command{
		Use:     "token --key primary|secondary --expiry TIME",
		Short:   "Have the server sign a shared access signature with your SAS key",
		Example: `  tollgate sas token --key primary --expiry 2026-12-31T17:00:00Z`,
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if which != "primary" && which != "secondary" {
				return usagef("--key must be primary or secondary")
			}
			if tokExpiry == "" {
				return usagef("--expiry is required")
			}
			s, err := g.session(env)
			if err != nil {
				return err
			}
			var out struct {
				Token string `json:"token"`
			}
			if err := s.call(c.Context(), "POST", "/v1/sas/token", map[string]string{"key": which, "expiry": tokExpiry}, &out); err != nil {
				return err
			}
			return printToken(env, g, out.Token)
		},
	}
	token.Flags().StringVar(&which, "key", "primary", "which SAS key signs: primary or secondary")
	token.Flags().StringVar(&tokExpiry, "expiry", "", "when the signature expires")
	sasc.AddCommand(sign, token)
	sasc.AddCommand(sasManageCmds(env, g)...)
	return sasc
}

// Run is a convenience for tests and main: a fresh tree run with args.
func Run(ctx context.Context, env *Env, args []string) int {
	root := NewRoot(env)
	return Execute(ctx, root, args, env.Stderr)
}
