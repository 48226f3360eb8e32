package scannertest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fatih/semgroup"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/sources"

	"github.com/tollgate/tollgate/shared/secret"
)

// docsConfig is the gitleaks configuration docs/secret-scanning.md gives:
// its toml block.
func docsConfig(t *testing.T) config.Config {
	t.Helper()
	doc, err := os.ReadFile("../../docs/secret-scanning.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```toml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/secret-scanning.md has no toml block")
	}
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(string(m[1]))); err != nil {
		t.Fatal(err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		t.Fatal(err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestGitleaksFindsMintedSecrets: gitleaks, scanning a folder as `gitleaks
// dir` does, finds every kind of freshly minted secret, with and without a
// deployment prefix, by the documented rule; and nothing else by it.
func TestGitleaksFindsMintedSecrets(t *testing.T) {
	cfg := docsConfig(t)
	var minted []string
	for _, deployment := range []string{"", "acme_", "z9_"} {
		for _, kind := range []string{secret.PrefixAPIKey, secret.PrefixRefreshToken, secret.PrefixClientSecret} {
			tok, err := secret.Generate(deployment, kind)
			if err != nil {
				t.Fatal(err)
			}
			minted = append(minted, tok)
		}
	}
	near := []string{
		"tgx_" + minted[0][4:],       // another kind
		minted[0][:len(minted[0])-1], // one character short
		minted[0] + "Z",              // one too many
		"Acme_" + minted[0],          // not a deployment prefix
		"toolong_" + minted[0],       // a deployment prefix too long
	}
	var file strings.Builder
	file.WriteString("# a config file someone committed\n")
	for i, tok := range minted {
		file.WriteString("TOLLGATE_KEY_" + string(rune('A'+i)) + "=" + tok + "\n")
	}
	for _, s := range near {
		file.WriteString("not_a_secret: " + s + "\n")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "leak.env"), []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	d := detect.NewDetector(cfg)
	findings, err := d.DetectSource(ctx, &sources.Files{Config: &cfg, Path: dir, Sema: semgroup.NewGroup(ctx, 4), MaxFileSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range findings {
		if f.RuleID == "tollgate-secret" {
			found[f.Secret] = true
		}
	}
	for _, tok := range minted {
		if !found[tok] {
			t.Errorf("gitleaks did not find %.12s… (%d findings: %v)", tok, len(findings), ids(found))
		}
	}
	for _, s := range near {
		if found[s] {
			t.Errorf("gitleaks reported %.12s…, which is no Tollgate secret", s)
		}
	}
	if len(found) != len(minted) {
		t.Errorf("gitleaks' tollgate-secret findings: %d, want %d", len(found), len(minted))
	}
}

func ids(found map[string]bool) []string {
	var out []string
	for s := range found {
		out = append(out, s[:min(12, len(s))]+"…")
	}
	return out
}
