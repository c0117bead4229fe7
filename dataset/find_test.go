package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isolate points every searched place into a fresh temp tree and returns its
// root: cwd (so ./data/fashion-mnist is root/cwd/data/fashion-mnist),
// $FASHION_MNIST_DIR unset, the system dir root/system, and no cache unless
// the test sets Options.CacheDir.
func isolate(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	cwd := filepath.Join(root, "cwd")
	if err := mkdir(cwd); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", filepath.Join(root, "xdg-cache"))
	old := systemDir
	systemDir = filepath.Join(root, "system")
	t.Cleanup(func() { systemDir = old })
	return root
}

func TestFindSearchOrder(t *testing.T) {
	f := newFixture(1, 3, 2, 2, 2)
	all := FileNames[:]
	some := []string{TrainImagesFile, TrainLabelsFile, TestImagesFile} // no test labels

	type setup struct {
		dir, env, local, cache, system []string // files present in each place (nil: folder absent)
	}
	cases := []struct {
		name    string
		s       setup
		useDir  bool // pass Options.Dir
		want    string
		wantErr string // substring of the ErrNotFound message
	}{
		{"-data wins over everything", setup{dir: all, env: all, local: all, cache: all, system: all}, true, "dir", ""},
		{"-data incomplete never falls back", setup{dir: some, env: all, local: all, cache: all, system: all}, true, "",
			"(given with -data) lacks t10k-labels-idx1-ubyte"},
		{"-data missing never falls back", setup{env: all, local: all, cache: all, system: all}, true, "",
			"(given with -data) does not exist"},
		{"env next", setup{env: all, local: all, cache: all, system: all}, false, "env", ""},
		{"env incomplete never falls back", setup{env: some, local: all, cache: all, system: all}, false, "",
			"(from $FASHION_MNIST_DIR) lacks t10k-labels-idx1-ubyte"},
		{"./data/fashion-mnist next", setup{local: all, cache: all, system: all}, false, "local", ""},
		{"cache after an incomplete local folder", setup{local: some, cache: all, system: all}, false, "cache", ""},
		{"system dir last", setup{local: some, cache: some, system: all}, false, "system", ""},
		{"nothing", setup{local: some}, false, "",
			"lacks t10k-labels-idx1-ubyte), "},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := isolate(t)
			places := map[string]string{
				"dir":    filepath.Join(root, "given"),
				"env":    filepath.Join(root, "env"),
				"local":  filepath.Join(root, "cwd", LocalDir),
				"cache":  filepath.Join(root, "cache"),
				"system": systemDir,
			}
			for place, files := range map[string][]string{"dir": tc.s.dir, "env": tc.s.env, "local": tc.s.local, "cache": tc.s.cache, "system": tc.s.system} {
				if files != nil {
					// Alternate gzip and plain files: both kinds are found.
					f.write(t, places[place], place != "cache", files...)
				}
			}
			if tc.s.env != nil || strings.HasPrefix(tc.name, "env") {
				t.Setenv(EnvDir, places["env"])
			}
			opts := Options{CacheDir: places["cache"], NoDownload: true, DirFlag: "-data"}
			if tc.useDir {
				opts.Dir = places["dir"]
			}
			got, err := Find(opts)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("case %d: Find = %q, %v; want ErrNotFound mentioning %q", i, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != places[tc.want] {
				t.Fatalf("case %d: Find = %q, %v; want %q", i, got, err, places[tc.want])
			}
		})
	}
}

// The advice on missing data names the caller's flag where it has one
// (Options.DirFlag), and Options.Dir where it has none: the package names no flag of
// its own.
func TestFindNotFoundSaysWhatToDo(t *testing.T) {
	root := isolate(t)
	for _, tc := range []struct{ flag, name string }{
		{"", "in a folder and name it in Options.Dir (or set FASHION_MNIST_DIR)"},
		{"-data", "in a folder and pass -data DIR (or set FASHION_MNIST_DIR)"},
	} {
		_, err := Find(Options{NoDownload: true, CacheDir: filepath.Join(root, "cache"), DirFlag: tc.flag})
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("DirFlag %q: err = %v, want ErrNotFound", tc.flag, err)
		}
		for _, want := range []string{
			"sudo apt-get install dataset-fashion-mnist",
			tc.name,
			"train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte",
			"looked in ./" + LocalDir + ", " + filepath.Join(root, "cache") + ", " + systemDir,
			"downloading is off",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("DirFlag %q: error %q does not say %q", tc.flag, err, want)
			}
		}
	}
}

func TestFindDefaultCacheDir(t *testing.T) {
	root := isolate(t)
	f := newFixture(1, 3, 2, 2, 2)
	want := filepath.Join(root, "xdg-cache", "d2l-convnets", "fashion-mnist")
	f.write(t, want, true)
	if got, err := DefaultCacheDir(); err != nil || got != want {
		t.Fatalf("DefaultCacheDir = %q, %v; want %q", got, err, want)
	}
	if got, err := Find(Options{NoDownload: true}); err != nil || got != want {
		t.Fatalf("Find = %q, %v; want %q", got, err, want)
	}
}

func TestPathsPrefersGzip(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(1, 3, 2, 2, 2)
	f.write(t, dir, true)
	f.write(t, dir, false, TrainImagesFile)
	paths, err := Paths(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range FileNames {
		if want := filepath.Join(dir, name+".gz"); paths[i] != want {
			t.Errorf("paths[%d] = %q, want %q", i, paths[i], want)
		}
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(2, 4, 3, 2, 2)
	f.write(t, dir, true)
	err := Verify(dir)
	if !errors.Is(err, ErrDigest) || !strings.Contains(err.Error(), sha(f.raw[TrainImagesFile])) {
		t.Fatalf("Verify with published digests = %v, want ErrDigest naming the file's digest", err)
	}
	f.useDigests(t)
	if err := Verify(dir); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if err := Verify(t.TempDir()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Verify(empty dir) = %v, want ErrNotFound", err)
	}
}

// -data naming something other than a folder of the four files says what it is.
func TestFindExplicitDirMessages(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	locked := filepath.Join(root, "locked")
	newFixture(1, 3, 2, 2, 2).write(t, locked, true)
	os.Chmod(locked, 0o600) // readable, but its files cannot be looked up
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	cases := []struct {
		name, dir, want string
		skipRoot        bool
	}{
		{"missing", filepath.Join(root, "nope"), "dataset: Fashion-MNIST not found: folder " + filepath.Join(root, "nope") + " (Options.Dir) does not exist", false},
		{"a regular file", file, "dataset: Fashion-MNIST not found: folder " + file + " (Options.Dir) is a file, not a folder; name the folder that holds the four files", false},
		{"no search permission", locked, "(Options.Dir) cannot be read: permission denied; make it readable (chmod a+rx)", true},
	}
	for _, tc := range cases {
		if tc.skipRoot && os.Geteuid() == 0 {
			continue // root looks into any folder
		}
		_, err := Find(Options{Dir: tc.dir, NoDownload: true})
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrNotFound saying %q", tc.name, err, tc.want)
		}
	}
}
