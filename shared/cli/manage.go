package cli

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// do opens the profile's session and makes one API call.
func (g *globals) do(c *cobra.Command, env *Env, method, path string, body, out any) error {
	s, err := g.session(env)
	if err != nil {
		return err
	}
	return s.call(c.Context(), method, path, body, out)
}

// listAll GETs path with q, following nextCursor; limit > 0 asks for one
// page of at most limit items instead.
func listAll[T any](ctx context.Context, s *Session, path string, q url.Values, limit int) ([]T, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", "100")
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	all := []T{}
	for {
		var page struct {
			Items      []T     `json:"items"`
			NextCursor *string `json:"nextCursor"`
		}
		if err := s.call(ctx, "GET", path+"?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if limit > 0 || page.NextCursor == nil || *page.NextCursor == "" {
			return all, nil
		}
		q.Set("cursor", *page.NextCursor)
	}
}

// byID is a subcommand taking one id argument, path-escaped for run.
func byID(use, arg, short, example string, run func(c *cobra.Command, id string) error) *cobra.Command {
	return &cobra.Command{Use: use + " " + arg, Short: short, Example: example, Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error { return run(c, url.PathEscape(a[0])) }}
}

// printDone reports a deletion: idField is the id's JSON name.
func printDone(env *Env, g *globals, idField, id, verb string) error {
	if g.output == "json" {
		return printJSON(env, map[string]any{idField: id, strings.ToLower(verb): true})
	}
	_, err := fmt.Fprintf(env.Stdout, "%s %s.\n", verb, id)
	return err
}

// column is one column of a table: its heading and the JSON field shown.
type column struct{ head, field string }

// cell formats one field of an API object for a table.
func cell(field string, v any, present bool) string {
	switch x := v.(type) {
	case nil:
		if field == "scopes" && present {
			return "(inherits)"
		}
		return "-"
	case []any:
		s := make([]string, len(x))
		for i, e := range x {
			s[i] = fmt.Sprint(e)
		}
		if len(s) == 0 {
			return "(none)"
		}
		return strings.Join(s, ",")
	}
	return fmt.Sprint(v)
}

// printItems prints API objects as a table, or as JSON: an array for a
// list, else the one object. secret names the field holding a new secret,
// shown once (after the table, with the store-it-now line on stderr).
func printItems(env *Env, g *globals, items []map[string]any, list bool, cols []column, secret string) error {
	if secret != "" {
		fmt.Fprintln(env.Stderr, "The secret follows;", StoreItNow+".")
	}
	if g.output == "json" {
		if !list && len(items) == 1 {
			return printJSON(env, items[0])
		}
		if items == nil {
			items = []map[string]any{}
		}
		return printJSON(env, items)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for i, col := range cols {
		if i > 0 {
			fmt.Fprint(w, "\t")
		}
		fmt.Fprint(w, col.head)
	}
	fmt.Fprintln(w)
	for _, it := range items {
		for i, col := range cols {
			if i > 0 {
				fmt.Fprint(w, "\t")
			}
			v, ok := it[col.field]
			fmt.Fprint(w, cell(col.field, v, ok))
		}
		fmt.Fprintln(w)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if secret != "" && len(items) == 1 {
		fmt.Fprintf(env.Stdout, "\n%s: %v\n", secret, items[0][secret])
	}
	return nil
}

// resource is one kind of API object: where it lives and how it prints.
type resource struct {
	path    string // the collection, such as /v1/clients
	idField string
	cols    []column
}

// show makes a call answering one object and prints it.
func (r resource) show(c *cobra.Command, env *Env, g *globals, method, path string, body any, secret string) error {
	var m map[string]any
	if err := g.do(c, env, method, path, body, &m); err != nil {
		return err
	}
	return printItems(env, g, []map[string]any{m}, false, r.cols, secret)
}

// list prints the whole collection (q: extra query parameters).
func (r resource) list(c *cobra.Command, env *Env, g *globals, q url.Values, limit int) error {
	s, err := g.session(env)
	if err != nil {
		return err
	}
	items, err := listAll[map[string]any](c.Context(), s, r.path, q, limit)
	if err != nil {
		return err
	}
	return printItems(env, g, items, true, r.cols, "")
}

// remove DELETEs one object and reports it.
func (r resource) remove(c *cobra.Command, env *Env, g *globals, path, id, verb string) error {
	if err := g.do(c, env, "DELETE", path, nil, nil); err != nil {
		return err
	}
	return printDone(env, g, r.idField, id, verb)
}

// listCmd is a list subcommand with --owner.
func (r resource) listCmd(env *Env, g *globals, short, example string) *cobra.Command {
	var owner string
	c := &cobra.Command{Use: "list [--owner USER]", Short: short, Example: example, Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			q := url.Values{}
			if owner != "" {
				q.Set("owner", owner)
			}
			return r.list(c, env, g, q, 0)
		}}
	c.Flags().StringVar(&owner, "owner", "", "another user's (admins only)")
	return c
}

// issueFlags are the flags of a credential's creation: name, scopes,
// lifetime.
type issueFlags struct {
	name, expiresIn string
	scopes          []string
	inherit         bool
	noExpiry        bool
}

func (f *issueFlags) register(fs *pflag.FlagSet, what string, expiry, allowNoExpiry bool) {
	fs.StringVar(&f.name, "name", "", "the "+what+"'s name")
	fs.StringSliceVar(&f.scopes, "scopes", nil, "the "+what+"'s scopes, comma-separated")
	fs.BoolVar(&f.inherit, "inherit-scopes", false, "the "+what+" follows its owner's scopes, live")
	if expiry {
		fs.StringVar(&f.expiresIn, "expires-in", "", "lifetime, such as 720h (default: the server's)")
	}
	if allowNoExpiry {
		fs.BoolVar(&f.noExpiry, "no-expiry", false, "never expires (if the server allows it)")
	}
}

// createCmd is a create subcommand: it sends the body issue's flags make
// through send, which may add to it.
func createCmd(env *Env, issue *issueFlags, use, short, example string, send func(c *cobra.Command, body map[string]any) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Example: example, Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			body, err := issue.body(env)
			if err != nil {
				return err
			}
			return send(c, body)
		}}
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
	return body, nil
}

// group is a command that only holds subcommands.
func group(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.Name()
	}
	c := &cobra.Command{Use: use, Short: short, Example: example, Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("%s needs a subcommand: %s", use, strings.Join(names, ", "))
		}}
	c.AddCommand(subs...)
	return c
}
