package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// StoreItNow is printed on stderr with every secret.
const StoreItNow = "store it now: it is not shown again"

func printJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printJSONItems prints items as JSON: an array for a list (never null),
// else the one item.
func printJSONItems[T any](env *Env, items []T, list bool) error {
	if !list && len(items) == 1 {
		return printJSON(env, items[0])
	}
	if items == nil {
		items = []T{}
	}
	return printJSON(env, items)
}

// printFields prints a JSON object as NAME  VALUE lines, in order.
func printFields(env *Env, m map[string]any, names ...string) error {
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, n := range names {
		if v, ok := m[n]; ok {
			fmt.Fprintf(w, "%s\t%v\n", n, v)
		}
	}
	return w.Flush()
}

func printToken(env *Env, g *globals, token string) error {
	if g.output == "json" {
		return printJSON(env, map[string]string{"token": token})
	}
	_, err := fmt.Fprintln(env.Stdout, token)
	return err
}

// printKeys prints keys as a table, or as JSON: an array for a list, else
// the one key. secret: the key holds a new secret, shown once.
func printKeys(env *Env, g *globals, keys []key, list, secret bool) error {
	if secret {
		fmt.Fprintln(env.Stderr, "The key's secret follows;", StoreItNow+".")
	}
	if g.output == "json" {
		return printJSONItems(env, keys, list)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KEY ID\tNAME\tSTATUS\tSCOPES\tEXPIRES\tOWNER\tRATE LIMIT\tQUOTA")
	for _, k := range keys {
		sc := "(inherits)"
		if k.Scopes != nil {
			sc = strings.Join(k.Scopes, ",")
			if sc == "" {
				sc = "(none)"
			}
		}
		exp := "never"
		if k.ExpiresAt != nil {
			exp = k.ExpiresAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.KeyID, k.Name, k.Status, sc, exp, k.Owner, k.RateLimit, k.Quota)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if secret && len(keys) == 1 {
		fmt.Fprintf(env.Stdout, "\nkey: %s\n", keys[0].Key)
	}
	return nil
}
