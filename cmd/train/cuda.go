//go:build cuda

package main

// The GPU wing: its init gives graph/device the GPU versions of the ops, which
// -device cuda runs.
import _ "github.com/d2l-go/convnets/gpu/cudaop"
