package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/tollgate/tollgate/shared/accesstoken"
	"github.com/tollgate/tollgate/shared/config"
	"github.com/tollgate/tollgate/shared/envelope"
	"github.com/tollgate/tollgate/shared/local/seed"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/store"
	"github.com/tollgate/tollgate/shared/store/dynamo"
)

// Files of a seeded local stack's state folder.
const (
	KMSDir = "kms" // local-kms's data and seed file
	// EndpointsFile is where a seeded stack writes its Endpoints, for
	// `tollgate sam-env`.
	EndpointsFile = "endpoints.json"
)

// Endpoints are what functions run elsewhere (SAM's containers) need to
// use a seeded local stack's services.
type Endpoints struct {
	DynamoDB      string `json:"dynamodb"` // DynamoDB Local's URL
	KMS           string `json:"kms"`      // local-kms's URL
	Table         string `json:"table"`
	SigningKeyARN string `json:"signingKeyArn"`
	SealKeyARN    string `json:"sealKeyArn"`
	Issuer        string `json:"issuer"`
}

// seedKeyARNs are the ARNs of the seed's keys in the local-kms Run starts.
var seedKeyARNs = [2]string{
	seed.KMSKeyARN(services.KMSRegion, services.KMSAccount, seed.SigningKeyID),
	seed.KMSKeyARN(services.KMSRegion, services.KMSAccount, seed.SealKeyID),
}

// startSeededKMS runs local-kms with the seed's keys, its data in the
// state folder.
func startSeededKMS(ctx context.Context, opt Options) (*services.Server, error) {
	bin, err := services.FindKMS(".")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(opt.StateDir, KMSDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(path, seed.KMSSeed(), 0o600); err != nil {
		return nil, err
	}
	return services.StartSeededKMS(ctx, bin, dir, path, opt.KMSHosts)
}

// seededKeys are the signer, keyring and sealer of the seed's keys in the
// local-kms at endpoint: the very keys the functions use there.
func seededKeys(ctx context.Context, endpoint string) (accesstoken.Signer, *accesstoken.Keyring, envelope.Sealer, error) {
	kc, err := services.KMSClient(ctx, endpoint)
	if err != nil {
		return nil, nil, nil, err
	}
	signer, keys, err := accesstoken.LoadKMS(ctx, kc, seedKeyARNs[:1])
	if err != nil {
		return nil, nil, nil, err
	}
	return signer, keys, envelope.NewKMS(kc, seedKeyARNs[1]), nil
}

// applySeed writes the development seed into the table once (a table that
// holds it already is left as it is) and the seeded stack's endpoints to
// the state folder.
func applySeed(ctx context.Context, db dynamo.API, sealer envelope.Sealer, local dynamo.Local, opt Options) error {
	err := seed.Apply(ctx, dynamo.New(db, opt.Config.Table), sealer, time.Now())
	switch {
	case errors.Is(err, store.ErrConflict):
		fmt.Fprintln(opt.Out, "The development seed is in the table already.")
	case err != nil:
		return fmt.Errorf("applying the development seed: %w", err)
	default:
		fmt.Fprintln(opt.Out, "Applied the development seed (users admin, alice, bob, dave and their credentials: events/README.md).")
	}
	b, err := json.MarshalIndent(Endpoints{DynamoDB: local.Endpoint, KMS: opt.KMSEndpoint, Table: opt.Config.Table,
		SigningKeyARN: seedKeyARNs[0], SealKeyARN: seedKeyARNs[1], Issuer: opt.Config.Issuer}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(opt.StateDir, EndpointsFile), append(b, '\n'), 0o600)
}

// WriteSAMEnv writes to file SAM's env.json for the seeded local stack
// whose state folder is stateDir: every function's endpoints, table, keys
// and issuer, its services at host (the address SAM's containers reach
// this machine at); it tells out how to give SAM the DynamoDB access key.
func WriteSAMEnv(file, stateDir, host string, out io.Writer) error {
	b, err := os.ReadFile(filepath.Join(stateDir, EndpointsFile))
	if err != nil {
		return fmt.Errorf("no seeded local stack has run in %s (start one: make seed): %w", stateDir, err)
	}
	var e Endpoints
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("%s: %w", EndpointsFile, err)
	}
	at := func(endpoint string) (string, error) {
		u, err := url.Parse(endpoint)
		if err != nil || u.Port() == "" {
			return "", fmt.Errorf("%s: endpoint %q has no port", EndpointsFile, endpoint)
		}
		u.Host = net.JoinHostPort(host, u.Port())
		return u.String(), nil
	}
	ddb, err1 := at(e.DynamoDB)
	kms, err2 := at(e.KMS)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	// "Parameters" applies to every function; SAM sets only the variables
	// a function's template declares.
	env := map[string]map[string]string{"Parameters": {
		config.EnvTable: e.Table, config.EnvDynamoDBEndpoint: ddb, config.EnvKMSEndpoint: kms,
		config.EnvSigningKeys: e.SigningKeyARN, config.EnvSealKey: e.SealKeyARN,
		config.EnvIssuer: e.Issuer, config.EnvAudience: e.Issuer, config.EnvScanningKeys: seed.ScanningKeys(),
	}}
	b, err = json.MarshalIndent(env, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "Wrote %s. DynamoDB Local answers only its access key: run SAM with\n"+
		"  AWS_ACCESS_KEY_ID=$(cat %s) AWS_SECRET_ACCESS_KEY=local AWS_REGION=%s sam local invoke --env-vars %s ...\n",
		file, filepath.Join(stateDir, DynamoDBKeyFile), dynamo.LocalRegion, file)
	return nil
}
