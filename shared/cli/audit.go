package cli

import (
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

// records are audit records and their columns.
var records = resource{path: "/v1/audit", idField: "id", cols: []column{{"TIME", "time"}, {"ACTION", "action"}, {"ACTOR", "actor"}, {"TARGET TYPE", "targetType"}, {"TARGET ID", "targetId"}}}

func auditCmd(env *Env, g *globals) *cobra.Command {
	var target, since string
	var limit int
	list := command("list [--target ID] [--since RFC3339] [--limit N]",
		"List audit records, newest first (admins only); every page unless --limit",
		`  tollgate audit list --since 2026-01-01T00:00:00Z
  tollgate audit list --target key_... --output json
  tollgate audit list --limit 20`,
		func(c *cobra.Command) error {
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
		})
	list.Flags().StringVar(&target, "target", "", "only this target's records (a user, key, token, client or SAS identifier)")
	list.Flags().StringVar(&since, "since", "", "records from this time on (default: the server's, 90 days back)")
	list.Flags().IntVar(&limit, "limit", 0, "at most this many records (one page)")
	return group("audit", "Read the audit log (admins only)", "  tollgate audit list --limit 20", list)
}
