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
	upload := command("upload --user USER_ID --file PEM|-", "Bind a certificate to a user (for mutual TLS and private_key_jwt)",
		`  tollgate certs upload --user usr_... --file client.pem
  cat client.pem | tollgate certs upload --user usr_... --file -`,
		func(c *cobra.Command) error {
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
		})
	upload.Flags().StringVar(&f.file, "file", "", `the PEM certificate ("-": read from stdin)`)
	return upload
}
