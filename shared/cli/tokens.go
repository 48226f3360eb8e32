package cli

import "github.com/spf13/cobra"

// Columns of personal JWTs and refresh-token families.
var (
	jwts     = resource{path: "/v1/tokens/jwt", idField: "tokenId", cols: []column{{"TOKEN ID", "tokenId"}, {"NAME", "name"}, {"STATUS", "status"}, {"SCOPES", "scopes"}, {"EXPIRES", "expiresAt"}, {"OWNER", "owner"}}}
	families = resource{path: "/v1/tokens/refresh", idField: "tokenId", cols: []column{{"TOKEN ID", "tokenId"}, {"NAME", "name"}, {"STATUS", "status"}, {"SCOPES", "scopes"}, {"ACCESS TTL", "accessTokenTTL"}, {"EXPIRES", "expiresAt"}, {"OWNER", "owner"}}}
)

func tokensCmd(env *Env, g *globals) *cobra.Command {
	return group("tokens", "Manage personal JWTs and refresh tokens", "  tollgate tokens jwt create --name ci --scopes echo:read\n  tollgate tokens refresh list",
		jwtCmd(env, g), refreshCmd(env, g))
}

func jwtCmd(env *Env, g *globals) *cobra.Command {
	create := createCmd(env, issuing{what: "JWT", expiry: true}, "create --name NAME [--scopes a,b | --inherit-scopes] [--expires-in DURATION]",
		"Create a personal JWT; it is printed once", "  tollgate tokens jwt create --name ci --scopes echo:read --expires-in 720h",
		func(c *cobra.Command, body map[string]any) error {
			return jwts.show(c, env, g, "POST", jwts.path, body, "token")
		})
	revoke := byID("revoke", "TOKEN_ID", "Revoke a personal JWT", "  tollgate tokens jwt revoke jwt_...", func(c *cobra.Command, id string) error {
		return jwts.remove(c, env, g, id, "Revoked")
	})
	return group("jwt", "Personal JWTs", "  tollgate tokens jwt list", create,
		jwts.listCmd(env, g, "List personal JWTs", "  tollgate tokens jwt list --output json"), revoke)
}

func refreshCmd(env *Env, g *globals) *cobra.Command {
	var ttl int64
	create := createCmd(env, issuing{what: "refresh token", expiry: true, owner: true},
		"create --name NAME [--scopes a,b | --inherit-scopes] [--expires-in DURATION] [--access-token-ttl SECONDS] [--owner USER]",
		"Create a refresh token (a new family); it is printed once",
		`  tollgate tokens refresh create --name laptop --scopes echo:read --access-token-ttl 3600
  tollgate tokens refresh create --name cli --inherit-scopes --owner usr_...`,
		func(c *cobra.Command, body map[string]any) error {
			if c.Flags().Changed("access-token-ttl") {
				if ttl <= 0 {
					return usagef("--access-token-ttl: a positive number of seconds")
				}
				body["accessTokenTTL"] = ttl
			}
			return families.show(c, env, g, "POST", families.path, body, "refreshToken")
		})
	create.Flags().Int64Var(&ttl, "access-token-ttl", 0, "the access tokens' lifetime in seconds (default: the server's, 10800)")
	revoke := byID("revoke", "TOKEN_ID", "Revoke a refresh token family and every token from it", "  tollgate tokens refresh revoke rt_...", func(c *cobra.Command, id string) error {
		return families.remove(c, env, g, id, "Revoked")
	})
	return group("refresh", "Refresh tokens", "  tollgate tokens refresh list", create,
		families.listCmd(env, g, "List refresh token families", "  tollgate tokens refresh list --output json"), revoke)
}
