package main

import (
	"context"
	"testing"

	"github.com/d2l-go/convnets/internal/hostiletest"
)

// Special files and checkpoints that announce gigabytes are refused with one line,
// before any data set is read, allocating no more than their header.
func TestHostileCheckpoints(t *testing.T) {
	hostiletest.RefusesCheckpoints(t, "explore", "-model", func(path string) (int, string, string) {
		return runExplore(t, context.Background(), "-model", path, "-addr", "127.0.0.1:0")
	})
}
