package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// usage is a credential's usage as GET …/usage answers it.
type usage struct {
	Remaining *int64 `json:"remaining"`
	Hours     []struct {
		Start      time.Time `json:"start"`
		Authorized int64     `json:"authorized"`
		Refused    int64     `json:"refused"`
	} `json:"hours"`
}

// usageCmd is `tollgate <what>s usage ID`: the credential's hourly counts
// of the last 7 days and its quota's balance, from path(id).
func usageCmd(env *Env, g *globals, arg, what string, path func(id string) string) *cobra.Command {
	var all bool
	cmd := byID("usage", arg, "Show a "+what+"'s requests per hour (last 7 days) and its quota's balance",
		"  tollgate "+what+"s usage "+arg+"\n  tollgate "+what+"s usage "+arg+" --all --output json",
		func(c *cobra.Command, id string) error {
			var u usage
			if err := g.do(c, env, "GET", path(id), nil, &u); err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(env, u)
			}
			return printUsage(env, u, all)
		})
	cmd.Flags().BoolVar(&all, "all", false, "list every hour, also those without requests")
	return cmd
}

// printUsage prints u as a table: the balance, then one line per hour
// (only those with requests unless all), oldest first, and the totals.
func printUsage(env *Env, u usage, all bool) error {
	remaining := "no quota"
	if u.Remaining != nil {
		remaining = fmt.Sprint(*u.Remaining)
	}
	fmt.Fprintf(env.Stdout, "QUOTA REMAINING: %s\n", remaining)
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "HOUR (UTC)\tAUTHORIZED\tREFUSED\t")
	var authorized, refused int64
	for _, h := range u.Hours {
		authorized, refused = authorized+h.Authorized, refused+h.Refused
		if all || h.Authorized+h.Refused > 0 {
			fmt.Fprintf(w, "%s\t%d\t%d\t\n", h.Start.UTC().Format("2006-01-02 15:04"), h.Authorized, h.Refused)
		}
	}
	fmt.Fprintf(w, "7 days\t%d\t%d\t\n", authorized, refused)
	return w.Flush()
}
