package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// LambdaBuildDir is where `make lambdas` writes each function's bootstrap
// binary, relative to the repository root: build/lambda/<name>/bootstrap.
const LambdaBuildDir = "build/lambda"

// RepoRoot returns the nearest directory at or above the working directory
// that holds go.mod, so `cdk synth` (run from the root) and `go test` (run
// from a package directory) resolve the same asset paths.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found at or above the working directory")
		}
		dir = parent
	}
}

// LambdaAssetDir returns the absolute asset directory of the named function
// and fails if its bootstrap binary has not been built.
func LambdaAssetDir(name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, LambdaBuildDir, name)
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
		return "", fmt.Errorf("%s/%s/bootstrap is missing (run `make lambdas` first): %w", LambdaBuildDir, name, err)
	}
	return dir, nil
}
