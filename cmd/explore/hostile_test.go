package main

import (
	"context"
	"testing"

	"github.com/d2l-go/convnets/internal/hostiletest"
)

// maxAlloc bounds what a refused checkpoint may cost: its header, not what it announces.
const maxAlloc = 64 << 20

// Special files and checkpoints that announce gigabytes are refused with one line,
// before any data set is read, allocating no more than their header.
func TestHostileCheckpoints(t *testing.T) {
	for _, tc := range hostiletest.Checkpoints(t, t.TempDir()) {
		var code int
		var stdout, stderr string
		alloc := hostiletest.Allocated(func() {
			code, stdout, stderr = runExplore(t, context.Background(), "-model", tc.Path, "-addr", "127.0.0.1:0")
		})
		if code != 1 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q; want 1 and nothing", tc.Name, code, stdout)
		}
		hostiletest.OneLine(t, "explore", stderr, "-model: "+tc.Want)
		if alloc > maxAlloc {
			t.Errorf("%s: allocated %d MiB", tc.Name, alloc>>20)
		}
	}
}
