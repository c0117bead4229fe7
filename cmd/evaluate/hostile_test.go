package main

import (
	"testing"

	"github.com/d2l-go/convnets/internal/hostiletest"
)

// Special files and checkpoints that announce gigabytes are refused with one line,
// before any data set is read, allocating no more than their header.
func TestHostileCheckpoints(t *testing.T) {
	hostiletest.RefusesCheckpoints(t, "evaluate", "-model", func(path string) (int, string, string) {
		return runEval(t, nil, "-model", path)
	})
}
