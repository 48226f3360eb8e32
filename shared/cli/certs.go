package cli

import (
	"errors"
	"fmt"
	"io"
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
// upload's PEM file.
type certFlags struct{ user, file string }

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
	var m map[string]any
	if err := g.do(c, env, method, path, body, &m); err != nil {
		return err
	}
	if g.output == "json" {
		return printJSON(env, m)
	}
	return printFields(env, m, "thumbprint", "thumbprintSha1", "subject", "issuer", "notBefore", "notAfter")
}

func certsCmd(env *Env, g *globals) *cobra.Command {
	f := &certFlags{}
	show := &cobra.Command{
		Use:     "show --user USER_ID",
		Short:   "Show a user's bound certificate",
		Example: "  tollgate certs show --user usr_...",
		Args:    args(cobra.NoArgs),
		RunE:    func(c *cobra.Command, _ []string) error { return f.show(c, env, g, "GET", nil) },
	}
	revoke := &cobra.Command{
		Use:     "revoke --user USER_ID",
		Short:   "Unbind a user's certificate",
		Example: "  tollgate certs revoke --user usr_...",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			path, err := f.path()
			if err != nil {
				return err
			}
			if err := g.do(c, env, "DELETE", path, nil, nil); err != nil {
				return err
			}
			return printDone(env, g, "userId", f.user, "Revoked the certificate of")
		},
	}
	upload := certUploadCmd(env, g, f)
	for _, c := range []*cobra.Command{upload, show, revoke} {
		c.Flags().StringVar(&f.user, "user", "", "the user's id")
	}
	return group("certs", "Manage users' client certificates", "  tollgate certs upload --user usr_... --file client.pem", upload, show, revoke)
}

func certUploadCmd(env *Env, g *globals, f *certFlags) *cobra.Command {
	upload := &cobra.Command{
		Use:   "upload --user USER_ID --file PEM|-",
		Short: "Bind a certificate to a user (for mutual TLS and private_key_jwt)",
		Example: `  tollgate certs upload --user usr_... --file client.pem
  cat client.pem | tollgate certs upload --user usr_... --file -`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if _, err := f.path(); err != nil {
				return err
			}
			if f.file == "" {
				return usagef("--file is required")
			}
			pem, err := env.readCertificate(f.file)
			if err != nil {
				return err
			}
			return f.show(c, env, g, "PUT", map[string]string{"certificate": pem})
		},
	}
	upload.Flags().StringVar(&f.file, "file", "", `the PEM certificate ("-": read from stdin)`)
	return upload
}
