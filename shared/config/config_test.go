package config

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr []string
		check   func(Config) bool
	}{
		{"defaults", map[string]string{EnvTable: "t"}, nil, func(c Config) bool {
			return c.ProjectID == DefaultProjectID && c.CacheTTL() == 30*time.Second && !c.QueryTokens && c.AllowNonExpiringKeys
		}},
		{"gateway cache shortens the in-process cache", map[string]string{EnvTable: "t", EnvAuthorizerCacheTTL: "10s"}, nil,
			func(c Config) bool { return c.CacheTTL() == 20*time.Second }},
		{"caching off", map[string]string{EnvTable: "t", EnvRevocationBound: "0s"}, nil,
			func(c Config) bool { return c.CacheTTL() == 0 }},
		{"every problem at once", map[string]string{EnvQueryTokens: "maybe", EnvStoreTimeout: "soon"},
			[]string{EnvTable, EnvQueryTokens, EnvStoreTimeout}, nil},
		{"gateway cache longer than the bound", map[string]string{EnvTable: "t", EnvAuthorizerCacheTTL: "31s"},
			[]string{EnvAuthorizerCacheTTL}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse(func(k string) string { return c.env[k] })
			for _, w := range c.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("err = %v, want it to name %s", err, w)
				}
			}
			if c.wantErr == nil && (err != nil || !c.check(cfg)) {
				t.Fatalf("cfg = %+v, err = %v", cfg, err)
			}
		})
	}
}
