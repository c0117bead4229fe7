//go:build cuda

package main

// The GPU wing: its init gives graph/device the GPU versions of the ops this command
// checks against the CPU's.
import _ "github.com/d2l-go/convnets/gpu/cudaop"
