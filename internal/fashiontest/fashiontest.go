// Package fashiontest gives tests the real Fashion-MNIST from Debian's
// dataset-fashion-mnist package, the same way everywhere: a test skips when the
// package is absent on a developer's machine, and fails when CI is set (CI installs it,
// so a missing folder there is a broken install, not a reason to skip).
package fashiontest

import (
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/d2l-go/convnets/dataset"
)

// Dir returns dataset.SystemDir, skipping or failing tb when it is absent (see the
// package doc).
func Dir(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat(dataset.SystemDir); err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			tb.Fatalf("CI=%s but %s is missing (%v): install dataset-fashion-mnist", ci, dataset.SystemDir, err)
		}
		tb.Skipf("%s is absent (sudo apt-get install dataset-fashion-mnist); CI requires it", dataset.SystemDir)
	}
	return dataset.SystemDir
}

var (
	once                 sync.Once
	loadedTrain, loadedT *dataset.Set
	loadErr              error
)

// Load returns both splits, loaded once per test binary and shared: callers must not
// modify them.
func Load(tb testing.TB) (train, test *dataset.Set) {
	tb.Helper()
	dir := Dir(tb)
	once.Do(func() {
		loadedTrain, loadedT, loadErr = dataset.Load(dataset.Options{Dir: dir, NoDownload: true})
	})
	if loadErr != nil {
		tb.Fatal(loadErr)
	}
	return loadedTrain, loadedT
}

// Random returns n generated 28x28 images with uniformly random pixels (seeded) and the
// labels 0, 1, ..., 9, 0, 1, ... in turn: a stand-in test set for code that needs no
// real data.
func Random(tb testing.TB, n int, seed uint64) *dataset.Set {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	px := make([]uint8, n*28*28)
	for i := range px {
		px[i] = uint8(rng.IntN(256))
	}
	labels := make([]uint8, n)
	for i := range labels {
		labels[i] = uint8(i % 10)
	}
	s, err := dataset.NewSet(px, labels, n, 28, 28)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
