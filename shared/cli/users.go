package cli

import "github.com/spf13/cobra"

// users are users and their columns.
var users = resource{path: "/v1/users", idField: "userId", cols: []column{{"USER ID", "userId"}, {"USERNAME", "username"}, {"ROLES", "roles"}, {"SCOPES", "scopes"}, {"DISABLED", "disabled"}, {"RATE LIMIT", "rateLimit"}, {"CREATED", "createdAt"}}}

func usersCmd(env *Env, g *globals) *cobra.Command {
	var username string
	var roles, scopes []string
	var limits limitFlags
	create := command("create --username NAME [--roles a,b] [--scopes a,b] [--rate-limit N/DURATION]", "Create a user (admins only)",
		"  tollgate users create --username alice --roles credential-issuer --scopes credentials:read,credentials:write\n"+
			"  tollgate users create --username batch --scopes echo:read --rate-limit 1000/1m",
		func(c *cobra.Command) error {
			if username == "" {
				return usagef("--username is required")
			}
			body := map[string]any{"username": username, "roles": append([]string{}, roles...), "scopes": append([]string{}, scopes...)}
			if err := limits.addTo(body); err != nil {
				return err
			}
			return users.show(c, env, g, "POST", users.path, body, "")
		})
	limits.register(create, false, true)
	create.Flags().StringVar(&username, "username", "", "the user's name")
	create.Flags().StringSliceVar(&roles, "roles", nil, "roles: admin, credential-issuer")
	create.Flags().StringSliceVar(&scopes, "scopes", nil, "the user's scopes, comma-separated")

	list := command("list", "List users (admins only)", "  tollgate users list --output json", func(c *cobra.Command) error {
		return users.list(c, env, g, nil, 0)
	})
	get := byID("get", "USER_ID", "Show one user (admins only)", "  tollgate users get usr_...", func(c *cobra.Command, id string) error {
		return users.show(c, env, g, "GET", users.path+"/"+id, nil, "")
	})
	del := byID("delete", "USER_ID", "Delete a user; all its credentials stop (admins only)", "  tollgate users delete usr_...", func(c *cobra.Command, id string) error {
		return users.remove(c, env, g, id, "Deleted")
	})
	return group("users", "Manage users (admins only)", "  tollgate users create --username alice --scopes echo:read\n  tollgate users list",
		create, list, get, userUpdateCmd(env, g), del)
}

func userUpdateCmd(env *Env, g *globals) *cobra.Command {
	var upRoles, upScopes []string
	var disabled, enabled bool
	var limits limitFlags
	update := byID("update", "USER_ID", "Change a user's roles, scopes, status or rate limit (admins only)",
		"  tollgate users update usr_... --scopes echo:read --roles credential-issuer\n  tollgate users update usr_... --disabled\n"+
			"  tollgate users update usr_... --rate-limit 1000/1m", func(c *cobra.Command, id string) error {
			body := map[string]any{}
			if c.Flags().Changed("roles") {
				body["roles"] = append([]string{}, upRoles...)
			}
			if c.Flags().Changed("scopes") {
				body["scopes"] = append([]string{}, upScopes...)
			}
			switch {
			case disabled && enabled:
				return usagef("give --disabled or --enabled, not both")
			case disabled || enabled:
				body["disabled"] = disabled
			}
			if err := limits.addTo(body); err != nil {
				return err
			}
			if len(body) == 0 {
				return usagef("give at least one of --roles, --scopes, --disabled, --enabled, --rate-limit, --no-rate-limit")
			}
			return users.show(c, env, g, "PATCH", users.path+"/"+id, body, "")
		})
	update.Flags().StringSliceVar(&upRoles, "roles", nil, `the new roles ("": none)`)
	update.Flags().StringSliceVar(&upScopes, "scopes", nil, `the new scopes ("": none)`)
	update.Flags().BoolVar(&disabled, "disabled", false, "disable the user: all its credentials stop")
	update.Flags().BoolVar(&enabled, "enabled", false, "enable the user again")
	limits.register(update, true, true)
	return update
}
