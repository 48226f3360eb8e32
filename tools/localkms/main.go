// Command local-kms runs nsmithuk/local-kms (the version go.mod pins)
// listening on chosen addresses only. local-kms checks no credentials, so
// whoever reaches its port can sign and decrypt with its keys, and its own
// main listens on every interface (":"+PORT) with no setting to change it.
// This one listens on each host of KMS_HOSTS (comma-separated, default
// 127.0.0.1) at PORT, and otherwise reads local-kms's variables
// (KMS_ACCOUNT_ID, KMS_REGION, KMS_DATA_PATH, KMS_SEED_PATH) and its seed
// file format, with one difference: a seed file it cannot read, or a key
// or alias in it that cannot be saved, stops it (local-kms logs and goes
// on without it). `make tools` installs it as .tools/bin/local-kms.
package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/nsmithuk/local-kms/src"
	"github.com/nsmithuk/local-kms/src/cmk"
	"github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
	"github.com/syndtr/goleveldb/leveldb"
	"gopkg.in/yaml.v2"
)

func main() {
	if err := run(); err != nil {
		log.Fatalf("local-kms: %v", err)
	}
}

func run() error {
	config.AWSAccountId = env("KMS_ACCOUNT_ID", "111122223333")
	config.AWSRegion = env("KMS_REGION", "eu-west-2")
	dataPath, err := filepath.Abs(env("KMS_DATA_PATH", "/tmp/local-kms"))
	if err != nil {
		return err
	}
	config.DatabasePath = dataPath
	port := env("PORT", "8080")

	var listeners []net.Listener
	for _, host := range strings.Split(env("KMS_HOSTS", "127.0.0.1"), ",") {
		ln, err := net.Listen("tcp", net.JoinHostPort(strings.TrimSpace(host), port))
		if err != nil {
			return err
		}
		listeners = append(listeners, ln)
	}

	database := data.NewDatabase(config.DatabasePath)
	defer database.Close()
	if path := os.Getenv("KMS_SEED_PATH"); path != "" {
		if err := seed(path, database); err != nil {
			return fmt.Errorf("seed file %s: %w", path, err)
		}
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { src.HandleRequest(w, r, database) })
	errs := make(chan error, len(listeners))
	for _, ln := range listeners {
		log.Printf("local-kms: listening on %s", ln.Addr())
		go func() { errs <- http.Serve(ln, handler) }()
	}
	return <-errs
}

// env is the variable name, or def when it is unset or empty.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// seed saves the keys and aliases of the seed file at path that the
// database does not hold yet (local-kms's own seeding, src/seed.go).
func seed(path string, database *data.Database) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var in struct {
		Keys struct {
			Symmetric struct {
				Aes  []cmk.AesKey  `yaml:"Aes"`
				Hmac []cmk.HmacKey `yaml:"Hmac"`
			} `yaml:"Symmetric"`
			Asymmetric struct {
				Rsa []cmk.RsaKey `yaml:"Rsa"`
				Ecc []cmk.EccKey `yaml:"Ecc"`
			} `yaml:"Asymmetric"`
		} `yaml:"Keys"`
		Aliases []data.Alias `yaml:"Aliases"`
	}
	if err := yaml.UnmarshalStrict(raw, &in); err != nil {
		return err
	}
	var keys []cmk.Key
	for i := range in.Keys.Symmetric.Aes {
		keys = append(keys, &in.Keys.Symmetric.Aes[i])
	}
	for i := range in.Keys.Symmetric.Hmac {
		keys = append(keys, &in.Keys.Symmetric.Hmac[i])
	}
	for i := range in.Keys.Asymmetric.Rsa {
		keys = append(keys, &in.Keys.Asymmetric.Rsa[i])
	}
	for i := range in.Keys.Asymmetric.Ecc {
		keys = append(keys, &in.Keys.Asymmetric.Ecc[i])
	}
	for _, k := range keys {
		_, err := database.LoadKey(k.GetArn())
		switch {
		case err == nil: // seeded before
			continue
		case !errors.As(err, &data.KeyNotFoundError):
			return err
		}
		if err := database.SaveKey(k); err != nil {
			return err
		}
	}
	for _, a := range in.Aliases {
		a.AliasArn = config.ArnPrefix() + a.AliasName
		_, err := database.LoadAlias(a.AliasArn)
		switch {
		case err == nil:
			continue
		case !errors.Is(err, leveldb.ErrNotFound):
			return err
		}
		if err := database.SaveAlias(&a); err != nil {
			return err
		}
	}
	return nil
}
