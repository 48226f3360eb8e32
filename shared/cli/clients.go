package cli

import "github.com/spf13/cobra"

// clients are OAuth clients (service accounts) and their columns.
var clients = resource{path: "/v1/clients", idField: "clientId", cols: []column{{"CLIENT ID", "clientId"}, {"NAME", "name"}, {"STATUS", "status"}, {"SCOPES", "scopes"}, {"SECRET HINT", "secretHint"}, {"OWNER", "owner"}, {"RATE LIMIT", "rateLimit"}, {"QUOTA", "quota"}}}

func clientsCmd(env *Env, g *globals) *cobra.Command {
	var limits limitFlags
	create := createCmd(env, issuing{what: "client"}, "create --name NAME [--scopes a,b | --inherit-scopes] "+limitsUse,
		"Create a client (service account); its secret is printed once",
		"  tollgate clients create --name svc --scopes echo:read\n  tollgate clients create --name batch --scopes echo:read --rate-limit 50/1s",
		func(c *cobra.Command, body map[string]any) error {
			if err := limits.addTo(body); err != nil {
				return err
			}
			return clients.show(c, env, g, "POST", clients.path, body, "clientSecret")
		})
	limits.register(create, false, false)
	get := byID("get", "CLIENT_ID", "Show one client", "  tollgate clients get cli_...", func(c *cobra.Command, id string) error {
		return clients.show(c, env, g, "GET", clients.path+"/"+id, nil, "")
	})
	rotate := byID("rotate-secret", "CLIENT_ID", "Give a client a new secret, printed once; the old one works for 24 h",
		"  tollgate clients rotate-secret cli_...", func(c *cobra.Command, id string) error {
			return clients.show(c, env, g, "POST", clients.path+"/"+id+"/secret", nil, "clientSecret")
		})
	del := byID("delete", "CLIENT_ID", "Delete a client; its tokens stop", "  tollgate clients delete cli_...", func(c *cobra.Command, id string) error {
		return clients.remove(c, env, g, id, "Deleted")
	})
	return group("clients", "Manage clients (service accounts)", "  tollgate clients create --name svc --scopes echo:read\n  tollgate clients list",
		create, clients.listCmd(env, g, "List clients", "  tollgate clients list --output json"), get, clientUpdateCmd(env, g), rotate, del,
		usageCmd(env, g, "CLIENT_ID", "client", func(id string) string { return "/v1/clients/" + id + "/usage" }))
}

func clientUpdateCmd(env *Env, g *globals) *cobra.Command {
	var limits limitFlags
	update := byID("update", "CLIENT_ID", "Change a client's limits",
		"  tollgate clients update cli_... --rate-limit 50/1s --quota 100000 --refill 100000/month\n  tollgate clients update cli_... --no-quota",
		func(c *cobra.Command, id string) error {
			body := map[string]any{}
			if err := limits.addTo(body); err != nil {
				return err
			}
			if len(body) == 0 {
				return usagef("give at least one of --rate-limit, --quota, --remaining, --no-rate-limit, --no-quota")
			}
			return clients.show(c, env, g, "PATCH", clients.path+"/"+id, body, "")
		})
	limits.register(update, true, false)
	return update
}
