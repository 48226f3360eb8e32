package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// EnvConfig names the environment variable overriding the config path.
const EnvConfig = "TOLLGATE_CONFIG"

// Profile kinds: how a profile authenticates.
const (
	KindToken     = "token"              // an API key or JWT, used as is
	KindRefresh   = "refresh_token"      // a refresh token, exchanged and rotated
	KindClient    = "client_credentials" // a client id and secret
	KindPassword  = "password"           // a password sign-in (testing only)
	KindAssertion = "private_key_jwt"    // a certificate's key signs an assertion (RFC 7523)
)

// Profile is one saved login.
type Profile struct {
	APIURL string `json:"apiUrl"`
	Kind   string `json:"kind"`
	// Token is the API key or JWT of a token profile.
	Token string `json:"token,omitempty"`
	// RefreshToken is the current (unspent) refresh token.
	RefreshToken string `json:"refreshToken,omitempty"`
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	Username     string `json:"username,omitempty"`
	// UserID, CertFile, KeyFile and Issuer are a private_key_jwt
	// profile's: the user the certificate is bound to, the PATHS of the
	// PEM certificate and key (presented over mutual TLS on every call),
	// and the issuer whose token endpoint is the assertion's audience
	// (default: APIURL).
	UserID   string `json:"userId,omitempty"`
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// InsecureSkipVerify skips verifying the API's server certificate
	// (the local stack's self-signed one).
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
	// AccessToken and AccessTokenExpiresAt cache the last OAuth access
	// token of refresh, client and password profiles; TokenType is its
	// token_type: DPoP for a token bound to the profile's DPoP key.
	AccessToken          string    `json:"accessToken,omitempty"`
	AccessTokenExpiresAt time.Time `json:"accessTokenExpiresAt,omitzero"`
	TokenType            string    `json:"tokenType,omitempty"`
	// DPoPKeyFile is the PATH of a refresh profile's DPoP key (PKCS#8 PEM,
	// 0600, beside the configuration file): every exchange and every call
	// with a DPoP token carries a fresh proof made with it (RFC 9449).
	// Empty: no DPoP (login --no-dpop).
	DPoPKeyFile string `json:"dpopKeyFile,omitempty"`
}

// Config is the whole configuration file.
type Config struct {
	Profiles map[string]*Profile `json:"profiles"`
}

// ConfigPath is TOLLGATE_CONFIG, or tollgate/config.json under the user's
// configuration folder.
func ConfigPath(getenv func(string) string) (string, error) {
	if p := getenv(EnvConfig); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the configuration folder (set %s): %w", EnvConfig, err)
	}
	return filepath.Join(dir, "tollgate", "config.json"), nil
}

// config reads the configuration file env names; it returns its path too.
func (e *Env) config() (path string, cfg *Config, err error) {
	if path, err = ConfigPath(e.Getenv); err != nil {
		return "", nil, err
	}
	cfg, err = LoadConfig(path)
	return path, cfg, err
}

// LoadConfig reads the file at path; a missing file is an empty Config.
func LoadConfig(path string) (*Config, error) {
	cfg := &Config{Profiles: map[string]*Profile{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, cfg); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if cfg.Profiles == nil {
		cfg.Profiles = map[string]*Profile{}
	}
	return cfg, nil
}

// Save writes cfg to path atomically with mode 0600: a temporary file in
// the same folder, synced, then renamed over path.
func (cfg *Config) Save(path string) error {
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(path, ".config-*.json", append(b, '\n'))
}

// writePrivate writes b to path atomically with mode 0600: a temporary
// file named by pattern in the same folder (made 0700 if missing), synced,
// then renamed over path.
func writePrivate(path, pattern string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename there is nothing left to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
