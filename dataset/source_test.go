package dataset

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// useMNISTDigests makes the package accept the fixture's files as the published
// MNIST ones for the duration of the test.
func (f *fixture) useMNISTDigests(t *testing.T) { f.replaceDigests(t, &mnistDigests) }

func TestParseSource(t *testing.T) {
	for _, s := range Sources() {
		got, err := ParseSource(s.Name())
		if err != nil || got != s {
			t.Errorf("ParseSource(%q) = %v, %v", s.Name(), got, err)
		}
	}
	if _, err := ParseSource("cifar10"); err == nil || err.Error() != `unknown data set "cifar10": choose fashion-mnist or mnist` {
		t.Errorf("ParseSource(cifar10) = %v", err)
	}
	if MNIST.EnvDir() != "MNIST_DIR" || MNIST.LocalDir() != "data/mnist" || MNIST.SystemDir() != "" ||
		MNIST.LabelNames()[7] != "7" || MNIST.String() != "MNIST" || MNIST.BaseURL() != MNISTBaseURL {
		t.Errorf("MNIST source: %+v", MNIST)
	}
	if FashionMNIST.LabelNames() != LabelNames || FashionMNIST.SystemDir() != SystemDir {
		t.Errorf("Fashion-MNIST source: %+v", FashionMNIST)
	}
}

// TestMNISTDigestsArePublished pins the four published SHA-256 of the
// decompressed MNIST files, and checks that they differ from Fashion-MNIST's
// (same names, other data).
func TestMNISTDigestsArePublished(t *testing.T) {
	want := map[string]string{
		TrainImagesFile: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
		TrainLabelsFile: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
		TestImagesFile:  "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
		TestLabelsFile:  "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
	}
	for name, w := range want {
		got, ok := MNIST.Digest(name + ".gz")
		if !ok || got != w {
			t.Errorf("MNIST.Digest(%s) = %q, %v; want %q", name, got, ok, w)
		}
		if f, _ := Digest(name); f == got {
			t.Errorf("%s: MNIST and Fashion-MNIST share a digest", name)
		}
	}
}

// TestMNISTSearchOrder: $MNIST_DIR alone, then ./data/mnist, then the cache;
// Fashion-MNIST's places are never looked at.
func TestMNISTSearchOrder(t *testing.T) {
	root := isolate(t)
	f := newFixture(2, 4, 3, 2, 2)
	// Fashion-MNIST everywhere it is looked for must not be found for MNIST.
	f.write(t, filepath.Join(root, "cwd", LocalDir), true)
	f.write(t, systemDir, true)
	t.Setenv(EnvDir, filepath.Join(root, "cwd", LocalDir))
	cache := filepath.Join(root, "cache")

	opts := Options{Source: MNIST, CacheDir: cache, NoDownload: true}
	_, err := Find(opts)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find with only Fashion-MNIST present: err = %v, want ErrNotFound", err)
	}
	if !strings.HasPrefix(err.Error(), "dataset: MNIST not found: ") || strings.Contains(err.Error(), "Fashion-MNIST") {
		t.Errorf("error %q does not start by naming MNIST alone", err)
	}
	for _, want := range []string{"looked in ./data/mnist, " + cache + "; downloading is off",
		"put the four MNIST files", "(or set MNIST_DIR)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "apt-get") {
		t.Errorf("error %q offers a package that does not exist", err)
	}

	f.write(t, cache, false)
	if dir, err := Find(opts); err != nil || dir != cache {
		t.Errorf("cache: Find = %q, %v; want %s", dir, err, cache)
	}
	local := filepath.Join(root, "cwd", "data", "mnist")
	f.write(t, local, true)
	if dir, err := Find(opts); err != nil || dir != local {
		t.Errorf("local: Find = %q, %v; want %s", dir, err, local)
	}
	env := filepath.Join(root, "env-mnist")
	t.Setenv("MNIST_DIR", env)
	if _, err := Find(opts); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "(from $MNIST_DIR) does not exist") {
		t.Errorf("missing $MNIST_DIR: err = %v, want it to be the only folder", err)
	}
	f.write(t, env, false)
	if dir, err := Find(opts); err != nil || dir != env {
		t.Errorf("env: Find = %q, %v; want %s", dir, err, env)
	}
}

// TestMNISTVerifiesItsOwnDigests: files under the real names are checked against
// MNIST's digests, not Fashion-MNIST's.
func TestMNISTVerifiesItsOwnDigests(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(3, 5, 4, 2, 2)
	f.write(t, dir, true)
	_, _, err := Load(Options{Dir: dir, Source: MNIST})
	if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "of MNIST holds 47040000") {
		t.Fatalf("generated files as MNIST: err = %v, want ErrShape naming MNIST's published size", err)
	}
	f.replaceSizes(t, &mnistDigests)
	_, _, err = Load(Options{Dir: dir, Source: MNIST})
	if !errors.Is(err, ErrDigest) || !strings.Contains(err.Error(), mnistDigests[TrainImagesFile].sha256) {
		t.Fatalf("generated files as MNIST: err = %v, want ErrDigest naming MNIST's digest", err)
	}
	f.useMNISTDigests(t)
	train, test, err := Load(Options{Dir: dir, Source: MNIST})
	if err != nil || train.N != 5 || test.N != 4 {
		t.Fatalf("with the fixture's digests: %v, %v, %v", train, test, err)
	}
	if err := MNIST.Verify(dir); err != nil {
		t.Errorf("MNIST.Verify: %v", err)
	}
	if err := Verify(dir); !errors.Is(err, ErrDigest) {
		t.Errorf("Fashion-MNIST Verify of MNIST files: %v, want ErrDigest", err)
	}
}

// TestMNISTDownload downloads from MNIST's base URL (here a local server) into
// the MNIST cache folder, verified against MNIST's digests.
func TestMNISTDownload(t *testing.T) {
	root := isolate(t)
	t.Setenv("MNIST_DIR", "")
	f := newFixture(4, 6, 5, 3, 3)
	f.useMNISTDigests(t)
	srv := newServer(t, f, true)
	var progress bytes.Buffer
	cache := filepath.Join(root, "mnist-cache")
	train, _, err := Load(Options{Source: MNIST, CacheDir: cache, BaseURL: srv.URL, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(train.Images, f.train.Images) || len(listDir(t, cache)) != 4 {
		t.Errorf("downloaded %v into %v", train, listDir(t, cache))
	}
	if !strings.Contains(progress.String(), "dataset: t10k-labels-idx1-ubyte.gz done, SHA-256 verified") {
		t.Errorf("progress: %q", progress.String())
	}

	// A server whose file differs from the digest: nothing is kept.
	bad := newServer(t, f, true)
	bad.override = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, TrainLabelsFile+".gz") {
			w.Write(gz(labelsFile([]byte{1, 2, 3, 4, 5, 6})))
			return true
		}
		return false
	}
	cache2 := filepath.Join(root, "mnist-cache2")
	_, _, err = Load(Options{Source: MNIST, CacheDir: cache2, BaseURL: bad.URL})
	if !errors.Is(err, ErrDigest) || !errors.Is(err, ErrNotFound) {
		t.Errorf("tampered download: err = %v, want ErrDigest and ErrNotFound", err)
	}
	for _, name := range listDir(t, cache2) {
		if strings.HasPrefix(name, TrainLabelsFile) || strings.HasSuffix(name, ".part") {
			t.Errorf("tampered download left %s", name)
		}
	}
}

func TestMNISTCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg")
	if got, err := MNIST.CacheDir(); err != nil || got != "/tmp/xdg/d2l-convnets/mnist" {
		t.Errorf("MNIST.CacheDir = %q, %v", got, err)
	}
	if _, err := os.Stat("/tmp/xdg/d2l-convnets/mnist"); err == nil {
		t.Error("CacheDir created the folder; only a download should")
	}
}

// TestNotFoundNamesTheDataSet: every not-found error names the data set that was
// looked for, and still matches ErrNotFound.
func TestNotFoundNamesTheDataSet(t *testing.T) {
	root := isolate(t)
	t.Setenv("MNIST_DIR", "")
	missing := filepath.Join(root, "missing")
	partial := filepath.Join(root, "partial")
	if err := mkdir(partial); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func(*Source) error
		want string // after "dataset: TITLE not found: "
	}{
		{"-data names no folder", func(s *Source) error {
			_, err := Find(Options{Source: s, Dir: missing, DirFlag: "-data"})
			return err
		}, "folder " + missing + " (given with -data) does not exist"},
		{"Options.Dir lacks the files", func(s *Source) error {
			_, err := Find(Options{Source: s, Dir: partial})
			return err
		}, "folder " + partial + " (Options.Dir) lacks train-images-idx3-ubyte"},
		{"nowhere, downloading off", func(s *Source) error {
			_, err := Find(Options{Source: s, NoDownload: true})
			return err
		}, "looked in ./" + "data/"},
		{"Verify of an empty folder", func(s *Source) error { return s.Verify(partial) }, "folder " + partial + " (data folder) lacks"},
	}
	for _, src := range Sources() {
		for _, tc := range cases {
			err := tc.call(src)
			prefix := "dataset: " + src.String() + " not found: "
			if !errors.Is(err, ErrNotFound) || err == nil || !strings.HasPrefix(err.Error(), prefix+tc.want) {
				t.Errorf("%s, %s: err = %v; want ErrNotFound reading %q", src.Name(), tc.name, err, prefix+tc.want+"...")
			}
		}
	}
}
