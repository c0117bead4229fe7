//go:build unix

package hostiletest

import (
	"path/filepath"
	"syscall"
	"testing"
)

// FIFO makes a named pipe called name in dir and returns its path; false where the
// system has none.
func FIFO(t testing.TB, dir, name string) (string, bool) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, true
}
