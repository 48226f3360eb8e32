package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// loginFlags are login's flags: the API's URL and exactly one credential.
type loginFlags struct {
	apiURL, token, tokenEnv, refresh, refreshEnv, clientID, secret, secretEnv, username, password, passwordEnv string
	certFile, keyFile, userID, issuer                                                                          string
	insecure, noDPoP                                                                                           bool
}

const loginLong = `Save a credential as a profile (--profile, default "default") in the configuration
file: os.UserConfigDir()/tollgate/config.json, or TOLLGATE_CONFIG. The file is written
atomically with mode 0600.

Give exactly one credential:
  --token               an API key or personal JWT, used as is
  --refresh-token       a refresh token: access tokens are renewed automatically, and
                        bound to a DPoP key (RFC 9449) made at login and kept beside the
                        configuration file (dpop-<profile>.pem, mode 0600): every
                        exchange and every call carries a fresh proof made with it, so
                        a stolen refresh or access token is useless without the key.
                        The first exchange binds the refresh token to the key for good.
                        --no-dpop opts out (Bearer tokens).
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
reuse and revokes the family: log in again.`

func loginCmd(env *Env, g *globals) *cobra.Command {
	var f loginFlags
	c := &cobra.Command{
		Use:   "login --api-url URL (--token | --refresh-token | --client-id/--client-secret | --username/--password | --cert/--key/--user)",
		Short: "Save a credential as a profile, after checking it with the API",
		Long:  loginLong,
		Example: `  tollgate login --api-url http://localhost:8080 --token-env TOLLGATE_KEY
  cat .tollgate/admin.key | tollgate login --api-url http://localhost:8080 --token -
  tollgate login --api-url https://api.example.com --refresh-token - --profile cli
  tollgate login --api-url https://api.example.com --client-id cli_... --client-secret-env CLIENT_SECRET
  tollgate login --api-url https://127.0.0.1:8443 --issuer http://localhost:8080 --insecure-skip-verify \
    --cert alice.pem --key alice.key --user usr_...`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			p, err := f.profile(c.Context(), env)
			if err != nil {
				return err
			}
			return login(c.Context(), env, g, p, p.Kind == KindRefresh && !f.noDPoP)
		},
	}
	f.register(c.Flags())
	return c
}

func (f *loginFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.apiURL, "api-url", "", "the API's base URL")
	fs.StringVar(&f.token, "token", "", `an API key or JWT ("-": read from stdin)`)
	fs.StringVar(&f.tokenEnv, "token-env", "", "the environment variable holding the token")
	fs.StringVar(&f.refresh, "refresh-token", "", `a refresh token ("-": read from stdin)`)
	fs.StringVar(&f.refreshEnv, "refresh-token-env", "", "the environment variable holding the refresh token")
	fs.StringVar(&f.clientID, "client-id", "", "a client id (cli_…)")
	fs.StringVar(&f.secret, "client-secret", "", `the client's secret ("-": read from stdin)`)
	fs.StringVar(&f.secretEnv, "client-secret-env", "", "the environment variable holding the client secret")
	fs.StringVar(&f.username, "username", "", "a username (password sign-in, for testing)")
	fs.StringVar(&f.password, "password", "", `the password ("-": read from stdin)`)
	fs.StringVar(&f.passwordEnv, "password-env", "", "the environment variable holding the password")
	fs.StringVar(&f.certFile, "cert", "", "private_key_jwt: the PEM certificate bound to --user")
	fs.StringVar(&f.keyFile, "key", "", "private_key_jwt: its PEM private key (PKCS#8, PKCS#1 or SEC1)")
	fs.StringVar(&f.userID, "user", "", "private_key_jwt: the user id (usr_…) the certificate is bound to")
	fs.StringVar(&f.issuer, "issuer", "", "private_key_jwt: the issuer URL, whose /oauth/token is the assertion's audience (default: --api-url)")
	fs.BoolVar(&f.noDPoP, "no-dpop", false, "--refresh-token: use Bearer tokens, without a DPoP key")
	fs.BoolVar(&f.insecure, "insecure-skip-verify", false, "do not verify the API's server certificate (the local stack's self-signed one)")
}

// isHTTPURL reports whether s is an absolute http(s) URL.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// check refuses a missing or malformed URL and anything but exactly one
// credential, before anything is read or sent.
func (f *loginFlags) check() error {
	if f.apiURL == "" {
		return usagef("--api-url is required")
	}
	if !isHTTPURL(f.apiURL) {
		return usagef("--api-url must be an http(s) URL")
	}
	n := 0
	for _, set := range []bool{f.token != "" || f.tokenEnv != "", f.refresh != "" || f.refreshEnv != "",
		f.clientID != "" || f.secret != "" || f.secretEnv != "", f.username != "" || f.password != "" || f.passwordEnv != "",
		f.certFile != "" || f.keyFile != "" || f.userID != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return usagef("give exactly one of --token, --refresh-token, --client-id/--client-secret, --username/--password, --cert/--key/--user")
	}
	if f.noDPoP && f.refresh == "" && f.refreshEnv == "" {
		return usagef("--no-dpop goes with --refresh-token")
	}
	if f.issuer != "" {
		if !isHTTPURL(f.issuer) {
			return usagef("--issuer must be an http(s) URL")
		}
		if f.certFile == "" {
			return usagef("--issuer goes with --cert/--key/--user")
		}
	}
	return nil
}

// profile reads the credential the flags give into a new profile.
func (f *loginFlags) profile(ctx context.Context, env *Env) (*Profile, error) {
	p := &Profile{APIURL: strings.TrimRight(f.apiURL, "/"), InsecureSkipVerify: f.insecure}
	if f.insecure {
		fmt.Fprintln(env.Stderr, "warning: --insecure-skip-verify: the API's server certificate is not checked (local stack only)")
	}
	var err error
	switch {
	case f.token != "" || f.tokenEnv != "":
		p.Kind = KindToken
		p.Token, err = env.readSecret("token", f.token, f.tokenEnv)
	case f.refresh != "" || f.refreshEnv != "":
		p.Kind = KindRefresh
		p.RefreshToken, err = env.readSecret("refresh-token", f.refresh, f.refreshEnv)
	case f.clientID != "":
		p.Kind, p.ClientID = KindClient, f.clientID
		p.ClientSecret, err = env.readSecret("client-secret", f.secret, f.secretEnv)
	case f.username != "":
		err = f.signIn(ctx, env, p)
	case f.certFile != "" || f.keyFile != "" || f.userID != "":
		err = f.assertionKey(env, p)
	default:
		return nil, usagef("--client-id and --username need their secret, and the other way round")
	}
	if err != nil {
		return nil, err
	}
	if (p.Kind == KindToken && p.Token == "") || (p.Kind == KindRefresh && p.RefreshToken == "") ||
		(p.Kind == KindClient && p.ClientSecret == "") || (p.Kind == KindPassword && p.AccessToken == "") {
		return nil, usagef("the credential is empty (a --client-id needs --client-secret, a --username needs --password)")
	}
	return p, nil
}

// signIn makes p a password profile holding the access token the username
// and password get (the password itself is not kept).
func (f *loginFlags) signIn(ctx context.Context, env *Env, p *Profile) error {
	p.Kind, p.Username = KindPassword, f.username
	fmt.Fprintln(env.Stderr, "warning: password sign-in is for testing; use a refresh token or a client in real use")
	pw, err := env.readSecret("password", f.password, f.passwordEnv)
	if err != nil || pw == "" {
		return err
	}
	tok, err := env.exchange(ctx, env.httpClient(), p.APIURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {f.username}, "client_secret": {pw}}, nil)
	if err != nil {
		return err
	}
	p.AccessToken, p.AccessTokenExpiresAt = tok.AccessToken, env.now().Add(time.Duration(tok.ExpiresIn)*time.Second)
	return nil
}

// assertionKey makes p a private_key_jwt profile holding the absolute
// paths of a certificate and key that load.
func (f *loginFlags) assertionKey(env *Env, p *Profile) error {
	if f.certFile == "" || f.keyFile == "" || f.userID == "" {
		return usagef("--cert, --key and --user go together")
	}
	p.Kind, p.UserID, p.Issuer = KindAssertion, f.userID, strings.TrimRight(f.issuer, "/")
	var err error
	if p.CertFile, err = filepath.Abs(f.certFile); err == nil {
		p.KeyFile, err = filepath.Abs(f.keyFile)
	}
	if err == nil {
		_, err = env.loadClientCert(p.CertFile, p.KeyFile)
	}
	return err
}

// login checks p with the API and saves it as the profile g names; with
// withDPoP, a new DPoP key is made for it first (and removed if the login
// fails).
func login(ctx context.Context, env *Env, g *globals, p *Profile, withDPoP bool) (err error) {
	path, cfg, err := env.config()
	if err != nil {
		return err
	}
	previous := cfg.Profiles[g.profile]
	if withDPoP {
		if p.DPoPKeyFile, err = filepath.Abs(dpopKeyPath(path, g.profile)); err != nil {
			return err
		}
		if err := newDPoPKey(p.DPoPKeyFile); err != nil {
			return fmt.Errorf("writing the DPoP key: %w", err)
		}
		defer func() {
			if err != nil {
				os.Remove(p.DPoPKeyFile)
			}
		}()
	}
	cfg.Profiles[g.profile] = p
	s := &Session{env: env, path: path, cfg: cfg, name: g.profile, profile: p}
	// A refresh profile is saved by its first exchange, inside
	// token, before the access token is used; the others once
	// the API has accepted them.
	var who map[string]any
	if err := s.call(ctx, "GET", "/v1/whoami", nil, &who); err != nil {
		return fmt.Errorf("checking the credential: %w", err)
	}
	if err := cfg.Save(path); err != nil {
		return err
	}
	if previous != nil && previous.DPoPKeyFile != "" && previous.DPoPKeyFile != p.DPoPKeyFile {
		os.Remove(previous.DPoPKeyFile) // the replaced login's key: its tokens are gone with it
	}
	if g.output == "json" {
		return printJSON(env, who)
	}
	fmt.Fprintf(env.Stdout, "Logged in to %s as %v (%v), profile %q.\n", p.APIURL, who["principalId"], who["credentialType"], g.profile)
	return nil
}

func whoamiCmd(env *Env, g *globals) *cobra.Command {
	return command("whoami", "Show who the profile's credential is: principal, credential, scopes",
		"  tollgate whoami\n  tollgate whoami --profile ci --output json", func(c *cobra.Command) error {
			return g.showFields(c, env, "GET", "/v1/whoami", nil, "principalId", "credentialType", "credentialId", "scopes", "projectId")
		})
}
