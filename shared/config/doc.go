// Package config holds Tollgate's runtime settings: one struct parsed once
// from the environment at start, with every missing or malformed variable
// reported together. The variable names are exported constants so that the
// CDK app sets exactly what the functions read.
package config
