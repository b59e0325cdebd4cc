//go:build tools

// Pins the compose CLI main package as a dependency of this module so `go build` can name it.
package tools

import _ "github.com/docker/compose/v2/cmd"
