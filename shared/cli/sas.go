package cli

import (
	"github.com/spf13/cobra"
	"github.com/tollgate/tollgate/shared/sas"
)

func sasCmd(env *Env, g *globals) *cobra.Command {
	return group("sas", "Shared access signatures", "  tollgate sas token --key primary --expiry 2026-12-31T17:00:00Z",
		append([]*cobra.Command{sasSignCmd(env, g), sasTokenCmd(env, g)}, sasManageCmds(env, g)...)...)
}

func sasSignCmd(env *Env, g *globals) *cobra.Command {
	var id, keyFlag, keyEnv, expiry string
	sign := &cobra.Command{
		Use:   "sign --id IDENTIFIER (--key KEY | --key-env NAME | --key -) --expiry TIME",
		Short: "Sign a shared access signature offline, as the server does",
		Long: `Sign a shared access signature offline with one of your SAS keys (from GET /v1/sas),
exactly as the server's POST /v1/sas/token does. No API call is made. The expiry is
RFC 3339, .NET round-trip (2014-08-04T22:03:00.0000000Z) or MM/DD/YYYY H:MM PM (UTC).`,
		Example: `  tollgate sas sign --id 0123456789abcdef01234567 --key-env SAS_KEY --expiry 2026-12-31T17:00:00Z
  echo "$SAS_KEY" | tollgate sas sign --id 0123456789abcdef01234567 --key - --expiry "12/31/2026 5:00 PM"`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if id == "" || expiry == "" {
				return usagef("--id and --expiry are required")
			}
			k, err := env.readSecret("key", keyFlag, keyEnv)
			if err != nil {
				return err
			}
			if k == "" {
				return usagef("give the key with --key-env NAME or --key -")
			}
			t, err := sas.ParseExpiry(expiry)
			if err != nil {
				return usagef("--expiry: RFC 3339, .NET round-trip or MM/DD/YYYY H:MM PM (UTC)")
			}
			return printToken(env, g, sas.Sign(id, k, t))
		},
	}
	sign.Flags().StringVar(&id, "id", "", "the SAS identifier")
	sign.Flags().StringVar(&keyFlag, "key", "", `the SAS key ("-": read from stdin)`)
	sign.Flags().StringVar(&keyEnv, "key-env", "", "the environment variable holding the key")
	sign.Flags().StringVar(&expiry, "expiry", "", "when the signature expires")
	return sign
}

func sasTokenCmd(env *Env, g *globals) *cobra.Command {
	var which, tokExpiry string
	token := command("token --key primary|secondary --expiry TIME", "Have the server sign a shared access signature with your SAS key",
		`  tollgate sas token --key primary --expiry 2026-12-31T17:00:00Z`,
		func(c *cobra.Command) error {
			if err := checkSASKey(which); err != nil {
				return err
			}
			if tokExpiry == "" {
				return usagef("--expiry is required")
			}
			var out struct {
				Token string `json:"token"`
			}
			if err := g.do(c, env, "POST", "/v1/sas/token", map[string]string{"key": which, "expiry": tokExpiry}, &out); err != nil {
				return err
			}
			return printToken(env, g, out.Token)
		})
	token.Flags().StringVar(&which, "key", "primary", "which SAS key signs: primary or secondary")
	token.Flags().StringVar(&tokExpiry, "expiry", "", "when the signature expires")
	return token
}

// sasManageCmds are sas show, regenerate, enable and disable.
func sasManageCmds(env *Env, g *globals) []*cobra.Command {
	showSAS := func(c *cobra.Command, method, path string, body any) error {
		return g.showFields(c, env, method, path, body, "identifier", "enabled", "primaryKey", "secondaryKey")
	}
	show := command("show", "Show your SAS identifier and keys (created on first use)", "  tollgate sas show\n  tollgate sas show --output json",
		func(c *cobra.Command) error { return showSAS(c, "GET", "/v1/sas", nil) })
	var which string
	regen := command("regenerate --key primary|secondary", "Replace one SAS key; signatures made with the old key stop working",
		"  tollgate sas regenerate --key secondary", func(c *cobra.Command) error {
			if err := checkSASKey(which); err != nil {
				return err
			}
			return showSAS(c, "POST", "/v1/sas/regenerate", map[string]string{"key": which})
		})
	regen.Flags().StringVar(&which, "key", "", "which key: primary or secondary")
	toggle := func(use, short string, on bool) *cobra.Command {
		return command(use, short, "  tollgate sas "+use, func(c *cobra.Command) error {
			return showSAS(c, "PATCH", "/v1/sas", map[string]bool{"enabled": on})
		})
	}
	return []*cobra.Command{show, regen, toggle("enable", "Make your shared access signatures work again", true),
		toggle("disable", "Stop all your shared access signatures until enabled", false)}
}

// checkSASKey refuses a --key naming neither SAS key.
func checkSASKey(which string) error {
	if which != "primary" && which != "secondary" {
		return usagef("--key must be primary or secondary")
	}
	return nil
}
