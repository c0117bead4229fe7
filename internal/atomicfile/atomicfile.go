// Package atomicfile writes files that appear complete or not at all, and removes the
// temporary files that a killed writer leaves behind.
//
// A file is written to a temporary file in the same folder, synced, then renamed over
// its name, so a reader (a person watching curves.png during training, a run resuming
// from a checkpoint) never sees half a file. The temporary file is named
//
//	.<name>.tmp-<pid>-<random>
//
// so that a later writer can tell the temporary files of a dead process (SIGKILL, power
// loss) from those of a live one: Write removes the dead ones of the file it writes, and
// RemoveStale those of a whole folder.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// marker sits between a temporary file's target name and its owner's process id.
const marker = ".tmp-"

// Write creates or replaces path with what write writes, through a temporary file in
// the same folder. On any error the temporary file is removed and path is left as it
// was. The file gets mode 0644. Errors wrap the operating system's (errors.Is(err,
// fs.ErrNotExist) works for a missing folder).
func Write(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, func(name string) bool { return name == base })
	f, err := CreateTemp(dir, base)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	// CreateTemp makes the file private (0600); these files are for reading.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// CreateTemp creates a temporary file for the file name in folder dir, named so that
// RemoveStale removes it once this process is gone. The caller closes it and renames
// or removes it.
func CreateTemp(dir, name string) (*os.File, error) {
	return os.CreateTemp(dir, "."+name+marker+strconv.Itoa(os.Getpid())+"-*")
}

// RemoveStale removes the temporary files in dir that CreateTemp made for processes
// that are no longer running, and returns how many it removed. Files of running
// processes (a concurrent writer) and every other file are left alone; a folder that
// cannot be read removes nothing.
func RemoveStale(dir string) int {
	return removeStale(dir, func(string) bool { return true })
}

// removeStale removes the stale temporary files in dir whose target name keep accepts.
func removeStale(dir string, keep func(target string) bool) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		target, pid, ok := parseTemp(e.Name())
		if !ok || !e.Type().IsRegular() || !keep(target) || running(pid) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil || errors.Is(err, os.ErrNotExist) {
			n++
		}
	}
	return n
}

// parseTemp splits a temporary file's name ".<target>.tmp-<pid>-<random>" into the
// target and the process id.
func parseTemp(name string) (target string, pid int, ok bool) {
	if !strings.HasPrefix(name, ".") {
		return "", 0, false
	}
	i := strings.LastIndex(name, marker)
	if i <= 1 {
		return "", 0, false
	}
	rest := name[i+len(marker):]
	digits, random, found := strings.Cut(rest, "-")
	if !found || random == "" {
		return "", 0, false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return name[1:i], pid, true
}
