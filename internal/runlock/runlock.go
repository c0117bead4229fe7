// Package runlock keeps two runs of a command from writing the same output: a run
// takes a lock for each file or folder it writes, and a second run asking for a lock
// held is refused with the first run's process id.
//
// The lock is an advisory flock(2) on a lock file beside the output, ".NAME.lock" in
// the output's folder, which holds the holder's process id. flock is released by the
// kernel when its holder dies, SIGKILL included, so a killed run leaves no lock to clear
// by hand; the process id in the file only names the holder in the refusal. Release
// removes the file, and Acquire checks, once it holds the lock, that the file it locked
// is still the one at the path (a releasing run may have removed it meanwhile), so that
// two runs never hold locks on two different files of the same name. On systems without
// flock, Acquire locks nothing.
package runlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// HeldError says that another process holds the lock.
type HeldError struct {
	Path string // the lock file
	PID  int    // the holder's process id, 0 when it has not written it yet
}

// Error names the holder.
func (e *HeldError) Error() string {
	if e.PID == 0 {
		return "another run is writing it (its lock " + e.Path + " is held)"
	}
	return fmt.Sprintf("another run (PID %d) is writing it", e.PID)
}

// Lock is a held lock; Release gives it back.
type Lock struct {
	f    *os.File
	path string
}

// Path returns the lock file of target: ".NAME.lock" in target's folder.
func Path(target string) string {
	abs, err := filepath.Abs(target)
	if err != nil {
		abs = target
	}
	dir, base := filepath.Split(filepath.Clean(abs))
	return filepath.Join(dir, "."+base+".lock")
}

// Acquire takes the lock of target (a file or a folder, which need not exist; its
// folder must). It fails with a *HeldError when another process, or another Acquire of
// this one, holds it.
func Acquire(target string) (*Lock, error) {
	path := Path(target)
	for range 100 { // each retry means a holder released the lock meanwhile
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := tryLock(f); err != nil {
			f.Close()
			if errors.Is(err, errWouldBlock) {
				return nil, &HeldError{Path: path, PID: readPID(path)}
			}
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !samePath(f, path) {
			f.Close()
			continue
		}
		if err := writePID(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		return &Lock{f: f, path: path}, nil
	}
	return nil, fmt.Errorf("locking %s: it keeps being replaced", path)
}

// Release removes the lock file and gives the lock back; a nil Lock does nothing.
func (l *Lock) Release() {
	if l == nil {
		return
	}
	os.Remove(l.path) // before unlocking: a waiter then finds the file gone and retries
	l.f.Close()
}

// samePath reports whether f is still the file at path.
func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 32 {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 0 {
		return 0
	}
	return pid
}

// errWouldBlock is tryLock's error when another holds the lock.
var errWouldBlock = errors.New("lock held")
