// Package fashiontest gives tests the real Fashion-MNIST, found the way cmd/train finds
// it (dataset.Find without a download): $FASHION_MNIST_DIR alone when set, else
// data/fashion-mnist at the module's root, the user cache folder that `make data`
// downloads into, and /usr/share/datasets/fashion-mnist (Debian's
// dataset-fashion-mnist). A test skips when none holds the four files on a developer's
// machine, and fails when CI is set: CI installs the package, so missing data there is
// a broken install, not a reason to skip.
package fashiontest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/citest"
)

// Dir returns the folder that holds the four files, skipping or failing tb when there
// is none (see the package doc).
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := find()
	if err != nil {
		citest.Missing(tb, fmt.Sprintf("no Fashion-MNIST: %v", err),
			fmt.Sprintf("no Fashion-MNIST (run make data; CI=true makes this a failure): %v", err))
	}
	return dir
}

// find is dataset.Find without a download, with the project-local folder taken at the
// module's root rather than at the test's working directory (its package's folder), so
// that it is the folder `go run ./cmd/train` sees from the root.
func find() (string, error) {
	if os.Getenv(dataset.EnvDir) == "" {
		if root, ok := moduleRoot(); ok {
			local := filepath.Join(root, dataset.LocalDir)
			if dir, err := dataset.Find(dataset.Options{Dir: local, NoDownload: true}); err == nil {
				return dir, nil
			}
		}
	}
	return dataset.Find(dataset.Options{NoDownload: true})
}

// moduleRoot returns the nearest folder at or above the working directory that holds
// go.mod.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

var (
	once                 sync.Once
	loadedTrain, loadedT *dataset.Set
	loadErr              error
)

// Load returns both splits from Dir, loaded once per test binary and shared: callers
// must not modify them.
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
