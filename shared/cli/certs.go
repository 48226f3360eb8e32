package cli

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

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

// certFlags are the certs commands' flags: the user all of them take, and
// upload's PEM file, private key file (for the proof of possession) and
// issuer (the proof's audience).
type certFlags struct{ user, file, key, issuer string }

// path is the user's certificate's path; --user is required.
func (f *certFlags) path() (string, error) {
	if f.user == "" {
		return "", usagef("--user is required")
	}
	return "/v1/users/" + url.PathEscape(f.user) + "/certificate", nil
}

// show makes a call answering the user's certificate and prints it.
func (f *certFlags) show(c *cobra.Command, env *Env, g *globals, method string, body any) error {
	path, err := f.path()
	if err != nil {
		return err
	}
	return g.showFields(c, env, method, path, body, "thumbprint", "thumbprintSha1", "subject", "issuer", "notBefore", "notAfter")
}

func certsCmd(env *Env, g *globals) *cobra.Command {
	f := &certFlags{}
	show := command("show --user USER_ID", "Show a user's bound certificate", "  tollgate certs show --user usr_...", func(c *cobra.Command) error {
		return f.show(c, env, g, "GET", nil)
	})
	revoke := command("revoke --user USER_ID", "Unbind a user's certificate", "  tollgate certs revoke --user usr_...", func(c *cobra.Command) error {
		path, err := f.path()
		if err != nil {
			return err
		}
		return g.remove(c, env, path, "userId", f.user, "Revoked the certificate of")
	})
	upload := certUploadCmd(env, g, f)
	for _, c := range []*cobra.Command{upload, show, revoke} {
		c.Flags().StringVar(&f.user, "user", "", "the user's id")
	}
	return group("certs", "Manage users' client certificates", "  tollgate certs upload --user usr_... --file client.pem", upload, show, revoke)
}

func certUploadCmd(env *Env, g *globals, f *certFlags) *cobra.Command {
	upload := command("upload --user USER_ID --file PEM|- [--key KEY_PEM]", "Bind a certificate to a user (for mutual TLS and private_key_jwt)",
		`  tollgate certs upload --user usr_... --file client.pem --key client.key
  cat client.pem | tollgate certs upload --user usr_... --file -      (as an admin: no proof needed)`,
		func(c *cobra.Command) error {
			path, err := f.path()
			if err != nil {
				return err
			}
			if f.file == "" {
				return usagef("--file is required")
			}
			pem, err := env.readCertificate(f.file)
			if err != nil {
				return err
			}
			body := map[string]string{"certificate": pem}
			if f.key != "" {
				if body["proof"], err = f.proof(c, env, g, path); err != nil {
					return err
				}
			}
			return f.show(c, env, g, "PUT", body)
		})
	upload.Flags().StringVar(&f.file, "file", "", `the PEM certificate ("-": read from stdin)`)
	upload.Flags().StringVar(&f.key, "key", "", "the certificate's PEM private key: signs a proof of possession here (the key is never sent); needed unless you are an admin")
	upload.Flags().StringVar(&f.issuer, "issuer", "", "with --key: the API's issuer identifier (default: the profile's, else the API's OAuth metadata)")
	return upload
}

// proof signs a proof of possession of --file's key for binding to --user
// at path (API.md): the key is read here and never sent.
func (f *certFlags) proof(c *cobra.Command, env *Env, g *globals, path string) (string, error) {
	if f.file == "-" {
		return "", usagef("--key needs --file to name the certificate file, not stdin")
	}
	cert, err := env.loadClientCert(f.file, f.key)
	if err != nil {
		return "", err
	}
	s, err := g.session(env)
	if err != nil {
		return "", err
	}
	issuer, err := s.issuerID(c, f.issuer)
	if err != nil {
		return "", err
	}
	jti, err := newJTI()
	if err != nil {
		return "", err
	}
	now := env.now()
	return signJWT(cert, map[string]any{"sub": f.user, "aud": issuer + path, "jti": jti,
		"iat": now.Unix(), "exp": now.Add(assertionLifetime).Unix()})
}

// issuerID is the API's issuer identifier, without a trailing slash: given,
// the profile's, or the issuer of the API's RFC 8414 metadata.
func (s *Session) issuerID(c *cobra.Command, given string) (string, error) {
	if given == "" {
		given = s.profile.Issuer
	}
	if given != "" {
		return strings.TrimRight(given, "/"), nil
	}
	req, err := http.NewRequestWithContext(c.Context(), "GET", strings.TrimRight(s.profile.APIURL, "/")+"/.well-known/oauth-authorization-server", nil)
	if err != nil {
		return "", err
	}
	hc, err := s.client()
	if err != nil {
		return "", err
	}
	var meta struct {
		Issuer string `json:"issuer"`
	}
	if err := s.env.send(hc, req, &meta); err != nil {
		return "", fmt.Errorf("reading the API's issuer (give --issuer): %w", err)
	}
	if meta.Issuer == "" {
		return "", errors.New("the API's metadata names no issuer: give --issuer")
	}
	return strings.TrimRight(meta.Issuer, "/"), nil
}
