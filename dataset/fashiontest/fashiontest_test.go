package fashiontest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
)

// folderWithFiles returns a new folder holding empty files under the four names: Find
// checks only that they exist.
func folderWithFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range dataset.FileNames {
		if err := os.WriteFile(filepath.Join(dir, name+".gz"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindUsesTheEnvironmentFolderAlone(t *testing.T) {
	dir := folderWithFiles(t)
	t.Setenv(dataset.EnvDir, dir)
	got, err := find()
	if err != nil || got != dir {
		t.Fatalf("find() = %q, %v; want %q", got, err, dir)
	}
	t.Setenv(dataset.EnvDir, t.TempDir())
	if _, err := find(); err == nil || !strings.Contains(err.Error(), "$"+dataset.EnvDir) {
		t.Fatalf("empty $%s: got %v, want an error naming it", dataset.EnvDir, err)
	}
}

func TestModuleRoot(t *testing.T) {
	root, ok := moduleRoot()
	if !ok {
		t.Fatal("no go.mod found above the test's folder")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "dataset", "fashiontest"); wd != want {
		t.Errorf("module root %q: the test runs in %q, want %q", root, wd, want)
	}
}

// recorder is a testing.TB whose Skipf and Fatalf record the message and end the
// goroutine, as testing's do, without touching the real test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// dirIn calls Dir(r) on its own goroutine, as testing runs a test.
func dirIn(r *recorder) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		Dir(r)
	}()
	<-done
}

func TestDirSkipsLocallyAndFailsInCI(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	t.Setenv(dataset.EnvDir, missing)
	cases := []struct {
		ci         string
		skip, fail bool
	}{
		{"", true, false},
		{"false", true, false},
		{"0", true, false},
		{"true", false, true},
		{"1", false, true},
	}
	for _, c := range cases {
		t.Setenv("CI", c.ci)
		r := &recorder{TB: t}
		dirIn(r)
		if (r.skipped != "") != c.skip || (r.failed != "") != c.fail {
			t.Errorf("CI=%q: skipped %q, failed %q", c.ci, r.skipped, r.failed)
		}
		if msg := r.skipped + r.failed; !strings.Contains(msg, missing) {
			t.Errorf("CI=%q: message %q does not name %s", c.ci, msg, missing)
		}
	}
}
