package cli

import "github.com/spf13/cobra"

// clients are OAuth clients (service accounts) and their columns.
var clients = resource{path: "/v1/clients", idField: "clientId", cols: []column{{"CLIENT ID", "clientId"}, {"NAME", "name"}, {"STATUS", "status"}, {"SCOPES", "scopes"}, {"SECRET HINT", "secretHint"}, {"OWNER", "owner"}}}

func clientsCmd(env *Env, g *globals) *cobra.Command {
	create := createCmd(env, issuing{what: "client"}, "create --name NAME [--scopes a,b | --inherit-scopes]",
		"Create a client (service account); its secret is printed once", "  tollgate clients create --name svc --scopes echo:read",
		func(c *cobra.Command, body map[string]any) error {
			return clients.show(c, env, g, "POST", clients.path, body, "clientSecret")
		})
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
		create, clients.listCmd(env, g, "List clients", "  tollgate clients list --output json"), get, rotate, del)
}
