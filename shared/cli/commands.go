package cli

import (
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// command is a subcommand taking no arguments.
func command(use, short, example string, run func(c *cobra.Command) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Example: example, Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error { return run(c) }}
}

// byID is a subcommand taking one id argument, path-escaped for run.
func byID(use, arg, short, example string, run func(c *cobra.Command, id string) error) *cobra.Command {
	return &cobra.Command{Use: use + " " + arg, Short: short, Example: example, Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error { return run(c, url.PathEscape(a[0])) }}
}

// group is a command that only holds subcommands.
func group(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.Name()
	}
	c := command(use, short, example, func(*cobra.Command) error {
		return usagef("%s needs a subcommand: %s", use, strings.Join(names, ", "))
	})
	c.AddCommand(subs...)
	return c
}

// ownerListCmd is a list subcommand with --owner (help: that flag's help):
// list gets the query it makes.
func ownerListCmd(short, example, help string, list func(c *cobra.Command, q url.Values) error) *cobra.Command {
	var owner string
	c := command("list [--owner USER]", short, example, func(c *cobra.Command) error {
		q := url.Values{}
		if owner != "" {
			q.Set("owner", owner)
		}
		return list(c, q)
	})
	c.Flags().StringVar(&owner, "owner", "", help)
	return c
}

// issuing is what a create subcommand issues: what names the credential in
// the flags' help; expiry adds --expires-in, noExpiry --no-expiry and owner
// --owner to the flags every creation takes.
type issuing struct {
	what                    string
	expiry, noExpiry, owner bool
}

// issueFlags are the flags of a credential's creation: name, scopes,
// lifetime, owner.
type issueFlags struct {
	name, expiresIn, owner string
	scopes                 []string
	inherit                bool
	noExpiry               bool
}

func (f *issueFlags) register(fs *pflag.FlagSet, is issuing) {
	fs.StringVar(&f.name, "name", "", "the "+is.what+"'s name")
	fs.StringSliceVar(&f.scopes, "scopes", nil, "the "+is.what+"'s scopes, comma-separated")
	fs.BoolVar(&f.inherit, "inherit-scopes", false, "the "+is.what+" follows its owner's scopes, live")
	if is.expiry {
		fs.StringVar(&f.expiresIn, "expires-in", "", "lifetime, such as 720h (default: the server's)")
	}
	if is.noExpiry {
		fs.BoolVar(&f.noExpiry, "no-expiry", false, "never expires (if the server allows it)")
	}
	if is.owner {
		fs.StringVar(&f.owner, "owner", "", "the owning user (admins only; default: yourself)")
	}
}

// createCmd is a create subcommand: it sends the body its flags make
// through send, which may add to it.
func createCmd(env *Env, is issuing, use, short, example string, send func(c *cobra.Command, body map[string]any) error) *cobra.Command {
	var f issueFlags
	c := command(use, short, example, func(c *cobra.Command) error {
		body, err := f.body(env)
		if err != nil {
			return err
		}
		return send(c, body)
	})
	f.register(c.Flags(), is)
	return c
}

// body is the creation's JSON body.
func (f *issueFlags) body(env *Env) (map[string]any, error) {
	if f.name == "" {
		return nil, usagef("--name is required")
	}
	body := map[string]any{"name": f.name}
	switch {
	case f.inherit && len(f.scopes) > 0:
		return nil, usagef("give --scopes or --inherit-scopes, not both")
	case !f.inherit:
		body["scopes"] = append([]string{}, f.scopes...)
	}
	switch {
	case f.noExpiry && f.expiresIn != "":
		return nil, usagef("give --expires-in or --no-expiry, not both")
	case f.noExpiry:
		body["expiresAt"] = nil
	case f.expiresIn != "":
		d, err := time.ParseDuration(f.expiresIn)
		if err != nil || d <= 0 {
			return nil, usagef("--expires-in: a positive duration such as 720h")
		}
		body["expiresAt"] = env.now().Add(d).Truncate(time.Second).Format(time.RFC3339)
	}
	if f.owner != "" {
		body["owner"] = f.owner
	}
	return body, nil
}
