package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.bin")
	for _, content := range []string{"first", "second"} {
		if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, content); return err }); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("file holds %q, want %q", b, content)
		}
	}
	if got := cmdtest.DirNames(t, dir); !slices.Equal(got, []string{"a.bin"}) {
		t.Errorf("folder holds %v, want only a.bin", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestWriteErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep")
	os.WriteFile(path, []byte("old"), 0o644)
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error { io.WriteString(w, "partial"); return boom })
	if !errors.Is(err, boom) || err.Error() != "writing "+path+": boom" {
		t.Errorf("error %v, want %q", err, "writing "+path+": boom")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old file changed to %q", b)
	}
	if got := cmdtest.DirNames(t, dir); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("folder holds %v", got)
	}
	err = Write(filepath.Join(dir, "missing", "x"), func(io.Writer) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing folder: %v, want fs.ErrNotExist", err)
	}
}

func TestParseTemp(t *testing.T) {
	cases := []struct {
		name, target string
		pid          int
		ok           bool
	}{
		{".ck.bin.tmp-123-456789", "ck.bin", 123, true},
		{".curves.png.tmp-7-1", "curves.png", 7, true},
		{".a.tmp-b.tmp-9-2", "a.tmp-b", 9, true},
		{"ck.bin.tmp-123-4", "", 0, false}, // not hidden
		{".ck.bin.tmp123", "", 0, false},   // os.CreateTemp's own pattern
		{".ck.bin.tmp-x-4", "", 0, false},
		{".ck.bin.tmp-12-", "", 0, false},
		{".ck.bin.tmp-0-5", "", 0, false},
		{".tmp-12-5", "", 0, false},
	}
	for _, c := range cases {
		target, pid, ok := parseTemp(c.name)
		if target != c.target || pid != c.pid || ok != c.ok {
			t.Errorf("parseTemp(%q) = %q, %d, %v; want %q, %d, %v", c.name, target, pid, ok, c.target, c.pid, c.ok)
		}
	}
}

// TestHelperKilledWriter is not a test: TestKilledWriterLeavesNothingForLong runs it as
// a child process, which creates a temporary file, says its name and waits to be
// killed.
func TestHelperKilledWriter(t *testing.T) {
	dir := os.Getenv("ATOMICFILE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	f, err := CreateTemp(dir, "ck.bin")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	f.WriteString("half a checkpoint")
	fmt.Println(filepath.Base(f.Name()))
	select {}
}

// A writer killed with SIGKILL in the middle of a save leaves its temporary file; the
// next Write of that file, or RemoveStale of the folder, removes it, and leaves a live
// process's temporary file and every other file alone.
func TestKilledWriterLeavesNothingForLong(t *testing.T) {
	for _, cleaner := range []string{"Write", "RemoveStale"} {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWriter$")
		cmd.Env = append(os.Environ(), "ATOMICFILE_HELPER_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			t.Fatalf("helper: %v", err)
		}
		stale := line[:len(line)-1]
		cmd.Process.Kill()
		cmd.Wait()

		live, err := CreateTemp(dir, "ck.bin") // this process's: in flight
		if err != nil {
			t.Fatal(err)
		}
		live.Close()
		other := ".ck.bin.tmp-" + strconv.Itoa(os.Getpid()+1<<22) + "x-1" // not ours: bad pid
		os.WriteFile(filepath.Join(dir, other), nil, 0o644)
		if got := cmdtest.DirNames(t, dir); len(got) != 3 || !slices.Contains(got, stale) {
			t.Fatalf("%s: before cleaning the folder holds %v, want the killed writer's %s", cleaner, got, stale)
		}
		switch cleaner {
		case "Write":
			if err := Write(filepath.Join(dir, "ck.bin"), func(w io.Writer) error { return nil }); err != nil {
				t.Fatal(err)
			}
		case "RemoveStale":
			if n := RemoveStale(dir); n != 1 {
				t.Errorf("RemoveStale removed %d files, want 1", n)
			}
		}
		got := cmdtest.DirNames(t, dir)
		if slices.Contains(got, stale) {
			t.Errorf("%s: the killed writer's %s survived: %v", cleaner, stale, got)
		}
		if !slices.Contains(got, filepath.Base(live.Name())) || !slices.Contains(got, other) {
			t.Errorf("%s removed a live or foreign file: %v", cleaner, got)
		}
	}
}
