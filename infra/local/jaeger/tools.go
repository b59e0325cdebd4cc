//go:build tools

// Pins the Jaeger main package as a dependency of this module so `go build` can name it.
package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
