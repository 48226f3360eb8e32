package cli

import (
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

// key is an API key as the API shows it.
type key struct {
	KeyID      string     `json:"keyId"`
	Key        string     `json:"key,omitempty"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	Owner      string     `json:"owner"`
	Status     string     `json:"status"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RotatedTo  string     `json:"rotatedTo,omitempty"`
	RateLimit  *rateLimit `json:"rateLimit"`
	Quota      *quota     `json:"quota"`
}

func keysCmd(env *Env, g *globals) *cobra.Command {
	get := byID("get", "KEY_ID", "Show one API key", "  tollgate keys get key_...", func(c *cobra.Command, id string) error {
		return showKey(c, env, g, "GET", "/v1/keys/"+id, nil, false)
	})
	activate := byID("activate", "KEY_ID", "Make an inactive key work again", "  tollgate keys activate key_...", func(c *cobra.Command, id string) error {
		return showKey(c, env, g, "PATCH", "/v1/keys/"+id, map[string]string{"status": "active"}, false)
	})
	deactivate := byID("deactivate", "KEY_ID", "Stop a key until it is activated again", "  tollgate keys deactivate key_...", func(c *cobra.Command, id string) error {
		return showKey(c, env, g, "PATCH", "/v1/keys/"+id, map[string]string{"status": "inactive"}, false)
	})
	revoke := byID("revoke", "KEY_ID", "Delete a key for good", "  tollgate keys revoke key_...", func(c *cobra.Command, id string) error {
		return g.remove(c, env, "/v1/keys/"+id, "keyId", id, "Revoked")
	})
	return group("keys", "Manage API keys", "  tollgate keys list\n  tollgate keys create --name ci --scopes echo:read --expires-in 720h",
		keyCreateCmd(env, g), keyListCmd(env, g), get, keyUpdateCmd(env, g), keyRotateCmd(env, g), activate, deactivate, revoke,
		usageCmd(env, g, "KEY_ID", "key", func(id string) string { return "/v1/keys/" + id + "/usage" }))
}

// showKey makes a call answering one key and prints it; secret: the
// answer holds the key's new secret.
func showKey(c *cobra.Command, env *Env, g *globals, method, path string, body any, secret bool) error {
	var k key
	if err := g.do(c, env, method, path, body, &k); err != nil {
		return err
	}
	return printKeys(env, g, []key{k}, false, secret)
}

func keyCreateCmd(env *Env, g *globals) *cobra.Command {
	var limits limitFlags
	create := createCmd(env, issuing{what: "key", expiry: true, noExpiry: true, owner: true},
		"create --name NAME [--scopes a,b | --inherit-scopes] [--expires-in DURATION | --no-expiry] [--owner USER] "+limitsUse,
		"Create an API key; its secret is printed once",
		`  tollgate keys create --name ci --scopes echo:read --expires-in 720h
  tollgate keys create --name laptop --inherit-scopes --owner usr_...
  tollgate keys create --name partner --scopes echo:read --rate-limit 100/60s --quota 10000 --refill 10000/day`,
		func(c *cobra.Command, body map[string]any) error {
			if err := limits.addTo(body); err != nil {
				return err
			}
			return showKey(c, env, g, "POST", "/v1/keys", body, true)
		})
	limits.register(create, false, false)
	return create
}

func keyUpdateCmd(env *Env, g *globals) *cobra.Command {
	var limits limitFlags
	var name string
	update := byID("update", "KEY_ID", "Rename a key or change its limits",
		`  tollgate keys update key_... --rate-limit 100/1m --quota 10000 --refill 10000/day
  tollgate keys update key_... --remaining 5000
  tollgate keys update key_... --name ci --no-rate-limit --no-quota`, func(c *cobra.Command, id string) error {
			body := map[string]any{}
			if c.Flags().Changed("name") {
				body["name"] = name
			}
			if err := limits.addTo(body); err != nil {
				return err
			}
			if len(body) == 0 {
				return usagef("give at least one of --name, --rate-limit, --quota, --remaining, --no-rate-limit, --no-quota")
			}
			return showKey(c, env, g, "PATCH", "/v1/keys/"+id, body, false)
		})
	update.Flags().StringVar(&name, "name", "", "the key's new name")
	limits.register(update, true, false)
	return update
}

func keyListCmd(env *Env, g *globals) *cobra.Command {
	return ownerListCmd("List API keys, newest first", "  tollgate keys list\n  tollgate keys list --owner usr_... --output json",
		"another user's keys (admins only)", func(c *cobra.Command, q url.Values) error {
			all, err := listAll[key](c, env, g, "/v1/keys", q, 0)
			if err != nil {
				return err
			}
			return printKeys(env, g, all, true, false)
		})
}

func keyRotateCmd(env *Env, g *globals) *cobra.Command {
	var overlap time.Duration
	rotate := byID("rotate", "KEY_ID", "Replace a key with a new secret; the old one works for the overlap",
		"  tollgate keys rotate key_... --overlap 24h\n  tollgate keys rotate key_... --overlap 0", func(c *cobra.Command, id string) error {
			if overlap < 0 || overlap%time.Second != 0 {
				return usagef("--overlap: whole seconds, 0 or more")
			}
			return showKey(c, env, g, "POST", "/v1/keys/"+id+"/rotate", map[string]any{"overlapSeconds": int64(overlap / time.Second)}, true)
		})
	rotate.Flags().DurationVar(&overlap, "overlap", 24*time.Hour, "how long the old key keeps working (0: it stops now; at most 720h)")
	return rotate
}
