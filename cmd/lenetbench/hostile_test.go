package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset/fashiontest"
)

// -batch beyond the training set is cut to it, as cmd/train does: -batch 100000000
// once asked for about 20 GB; cut to the 200 images, the run allocates a few hundred MB
// in all (the data set included).
func TestHugeBatchIsCapped(t *testing.T) {
	dir := fashiontest.Dir(t)
	var stdout, stderr bytes.Buffer
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code := run([]string{"-data", dir, "-limit", "200", "-epochs", "1", "-batch", "100000000"}, &stdout, &stderr)
	runtime.ReadMemStats(&after)
	if code != 0 || !strings.Contains(stdout.String(), " examples 200 ") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want one epoch of 200 examples", code, stdout.String(), stderr.String())
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<30 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}
