package runlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A second Acquire of the same target is refused with the holder's process id until the
// first releases it; the lock file is gone after the release; other targets are free.
func TestAcquire(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "ck.bin")
	first, err := Acquire(target)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Path(target), filepath.Join(dir, ".ck.bin.lock"); got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
	_, err = Acquire(target)
	var held *HeldError
	if !errors.As(err, &held) || held.PID != os.Getpid() || err.Error() != fmt.Sprintf("another run (PID %d) is writing it", os.Getpid()) {
		t.Errorf("second Acquire: %v; want a *HeldError naming PID %d", err, os.Getpid())
	}
	other, err := Acquire(filepath.Join(dir, "out"))
	if err != nil {
		t.Errorf("another target: %v", err)
	}
	other.Release()
	first.Release()
	if _, err := os.Stat(Path(target)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file is still there after Release: %v", err)
	}
	again, err := Acquire(target)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	again.Release()
	var none *Lock
	none.Release()
}

// A lock file left by a killed holder (its flock gone with it) is taken over.
func TestStaleLockFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out")
	os.WriteFile(Path(target), []byte("4194305\n"), 0o644)
	l, err := Acquire(target)
	if err != nil {
		t.Fatalf("a stale lock file: %v", err)
	}
	if b, _ := os.ReadFile(Path(target)); string(b) != fmt.Sprintf("%d\n", os.Getpid()) {
		t.Errorf("lock file holds %q, want this process's id", b)
	}
	l.Release()
	if _, err := Acquire(filepath.Join(dir, "missing", "x")); err == nil {
		t.Error("a target in a missing folder was locked")
	}
}
