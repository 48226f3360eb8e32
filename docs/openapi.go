// Package docs holds the project's documentation. Its one Go file embeds
// the OpenAPI document, so the tests that validate the API against it read
// the very file this folder publishes, wherever they run.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml: the HTTP API as an OpenAPI 3.1 document.
//
//go:embed openapi.yaml
var OpenAPI []byte
