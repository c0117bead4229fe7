//go:build cuda

package graph

import "runtime"

// Gorgonia's CUDA machines create their contexts on the calling thread and expect later
// calls from it: keep the main goroutine, which builds and runs them in the commands,
// on one OS thread.
func init() { runtime.LockOSThread() }
