package cli

import (
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// do opens the profile's session and makes one API call.
func (g *globals) do(c *cobra.Command, env *Env, method, path string, body, out any) error {
	s, err := g.session(env)
	if err != nil {
		return err
	}
	return s.call(c.Context(), method, path, body, out)
}

// showFields makes a call answering one object and prints the fields
// named, or the whole object as JSON.
func (g *globals) showFields(c *cobra.Command, env *Env, method, path string, body any, fields ...string) error {
	var m map[string]any
	if err := g.do(c, env, method, path, body, &m); err != nil {
		return err
	}
	if g.output == "json" {
		return printJSON(env, m)
	}
	return printFields(env, m, fields...)
}

// remove DELETEs path and reports it: idField is the id's JSON name, verb
// what the deletion did.
func (g *globals) remove(c *cobra.Command, env *Env, path, idField, id, verb string) error {
	if err := g.do(c, env, "DELETE", path, nil, nil); err != nil {
		return err
	}
	if g.output == "json" {
		return printJSON(env, map[string]any{idField: id, strings.ToLower(verb): true})
	}
	_, err := fmt.Fprintf(env.Stdout, "%s %s.\n", verb, id)
	return err
}

// listAll opens the profile's session and GETs path with q, following
// nextCursor; limit > 0 asks for one page of at most limit items instead.
func listAll[T any](c *cobra.Command, env *Env, g *globals, path string, q url.Values, limit int) ([]T, error) {
	s, err := g.session(env)
	if err != nil {
		return nil, err
	}
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
		if err := s.call(c.Context(), "GET", path+"?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if limit > 0 || page.NextCursor == nil || *page.NextCursor == "" {
			return all, nil
		}
		q.Set("cursor", *page.NextCursor)
	}
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
	case map[string]any:
		return limitCell(field, x)
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
		return printJSONItems(env, items, list)
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
	items, err := listAll[map[string]any](c, env, g, r.path, q, limit)
	if err != nil {
		return err
	}
	return printItems(env, g, items, true, r.cols, "")
}

// remove DELETEs the object id and reports it.
func (r resource) remove(c *cobra.Command, env *Env, g *globals, id, verb string) error {
	return g.remove(c, env, r.path+"/"+id, r.idField, id, verb)
}

// listCmd is a list subcommand with --owner.
func (r resource) listCmd(env *Env, g *globals, short, example string) *cobra.Command {
	return ownerListCmd(short, example, "another user's (admins only)", func(c *cobra.Command, q url.Values) error {
		return r.list(c, env, g, q, 0)
	})
}
