package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// globals are the persistent flags.
type globals struct {
	profile string
	output  string
}

// NewRoot returns the tollgate command tree for login, whoami, keys,
// tokens, clients, certs, users, audit and sas; the caller adds any other commands (dev, bootstrap, …).
func NewRoot(env *Env) *cobra.Command {
	env.fill()
	g := &globals{}
	root := &cobra.Command{
		Use:   "tollgate",
		Short: "Tollgate: API credentials (API keys, tokens, SAS) from the command line",
		Example: `  tollgate login --api-url http://localhost:8080 --token-env TOLLGATE_TOKEN
  tollgate whoami
  tollgate keys create --name ci --scopes echo:read`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.PersistentFlags().StringVar(&g.profile, "profile", "default", "the saved login to use")
	root.PersistentFlags().StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		if g.output != "table" && g.output != "json" {
			return usagef("--output must be table or json")
		}
		return nil
	}
	root.AddCommand(loginCmd(env, g), whoamiCmd(env, g), keysCmd(env, g), tokensCmd(env, g), clientsCmd(env, g),
		certsCmd(env, g), usersCmd(env, g), auditCmd(env, g), sasCmd(env, g))
	return root
}

// session opens the config and the profile g names.
func (g *globals) session(env *Env) (*Session, error) {
	path, cfg, err := env.config()
	if err != nil {
		return nil, err
	}
	p, ok := cfg.Profiles[g.profile]
	if !ok {
		return nil, fmt.Errorf("no profile %q in %s: run tollgate login first", g.profile, path)
	}
	return &Session{env: env, path: path, cfg: cfg, name: g.profile, profile: p}, nil
}

// Run is a convenience for tests and main: a fresh tree run with args.
func Run(ctx context.Context, env *Env, args []string) int {
	root := NewRoot(env)
	return Execute(ctx, root, args, env.Stderr)
}
