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
		{"longest lifetimes by default", map[string]string{EnvTable: "t"}, nil, func(c Config) bool {
			return c.MaxKeyLifetime == DefaultMaxKeyLifetime && c.MaxJWTLifetime == DefaultMaxJWTLifetime &&
				c.MaxRefreshLifetime == DefaultMaxRefreshLifetime && c.AuditRetention == DefaultAuditRetention
		}},
		{"local endpoints", map[string]string{EnvTable: "t", EnvDynamoDBEndpoint: "http://127.0.0.1:8000",
			EnvKMSEndpoint: "http://127.0.0.1:4599"}, nil, func(c Config) bool {
			return c.DynamoDBEndpoint == "http://127.0.0.1:8000" && c.KMSEndpoint == "http://127.0.0.1:4599"
		}},
		{"audit retention set", map[string]string{EnvTable: "t", EnvAuditRetention: "2160h"}, nil,
			func(c Config) bool { return c.AuditRetention == 90*24*time.Hour }},
		{"secret prefix and leak response", map[string]string{EnvTable: "t", EnvSecretPrefix: "acme_",
			EnvScanningKeys: `{"public_keys":[]}`, EnvLeakAction: "notify"}, nil, func(c Config) bool {
			return c.SecretPrefix == "acme_" && c.ScanningKeys == `{"public_keys":[]}` && c.LeakAction == "notify"
		}},
		{"no secret prefix by default", map[string]string{EnvTable: "t"}, nil, func(c Config) bool {
			return c.SecretPrefix == "" && c.ScanningKeys == "" && c.LeakAction == ""
		}},
		{"secret prefix not lowercase", map[string]string{EnvTable: "t", EnvSecretPrefix: "Acme_"}, []string{EnvSecretPrefix}, nil},
		{"secret prefix without its underscore", map[string]string{EnvTable: "t", EnvSecretPrefix: "acme"}, []string{EnvSecretPrefix}, nil},
		{"secret prefix too long for the hint", map[string]string{EnvTable: "t", EnvSecretPrefix: "acme420_"}, []string{EnvSecretPrefix}, nil},
		{"longest lifetimes set", map[string]string{EnvTable: "t", EnvMaxKeyLifetime: "720h", EnvMaxJWTLifetime: "24h",
			EnvMaxRefreshLifetime: "2160h"}, nil, func(c Config) bool {
			return c.MaxKeyLifetime == 30*24*time.Hour && c.MaxJWTLifetime == 24*time.Hour && c.MaxRefreshLifetime == 90*24*time.Hour
		}},
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

func TestCheck(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr []string
	}{
		{"no table needed", map[string]string{}, nil},
		{"deployment settings", map[string]string{EnvRevocationBound: "1m0s", EnvAuthorizerCacheTTL: "20s",
			EnvSweepNotice: "48h0m0s", EnvSweepRetention: "24h0m0s", EnvSweepMaxItems: "5000"}, nil},
		{"gateway cache longer than the default bound", map[string]string{EnvAuthorizerCacheTTL: "31s"},
			[]string{EnvAuthorizerCacheTTL, "must not exceed the revocation bound"}},
		{"negative sweep settings", map[string]string{EnvSweepNotice: "-1h0m0s", EnvSweepRetention: "-1h0m0s", EnvSweepMaxItems: "-1"},
			[]string{EnvSweepNotice, EnvSweepRetention, EnvSweepMaxItems}},
		{"negative bound", map[string]string{EnvRevocationBound: "-1s"}, []string{EnvRevocationBound}},
		{"longest lifetimes zero, negative or not durations", map[string]string{EnvMaxKeyLifetime: "0s", EnvMaxJWTLifetime: "-24h",
			EnvMaxRefreshLifetime: "90d"}, []string{EnvMaxKeyLifetime, EnvMaxJWTLifetime, EnvMaxRefreshLifetime}},
		{"audit retention zero", map[string]string{EnvAuditRetention: "0s"}, []string{EnvAuditRetention}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check(c.env)
			if (err != nil) != (c.wantErr != nil) {
				t.Fatalf("Check = %v, want errors naming %v", err, c.wantErr)
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to name %s", err, w)
				}
			}
		})
	}
}
