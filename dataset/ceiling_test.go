package dataset

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// ceilingHeadroom is the address space the helper may add to what it holds at start.
const ceilingHeadroom = 512 << 20

// TestHelperReadUnderCeiling is not a test: TestForgedTrailerUnderMemoryCeiling runs it
// as a child process, which caps its own address space (RLIMIT_AS, what `ulimit -v`
// sets) at what it holds plus ceilingHeadroom, then reads one file.
func TestHelperReadUnderCeiling(t *testing.T) {
	path := os.Getenv("DATASET_CEILING_FILE")
	if path == "" {
		t.Skip("helper process only")
	}
	vm, err := vmSize()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	limit := uint64(vm + ceilingHeadroom)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	_, _, _, _, err = ReadImagesFile(path)
	fmt.Println("read:", err)
	os.Exit(0)
}

// vmSize is this process's address space in bytes, from /proc/self/status.
func vmSize() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmSize:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmSize line")
}

// A gzip file of 1 MiB whose header announces 1 GiB of images and whose size trailer
// claims 4 GiB: a reader that trusts the trailer reserves ~1 GiB at once (the most a
// 1 MiB deflate stream could expand to) and dies under a memory ceiling, with a
// runtime trace instead of an error. It must fail with one format error.
func TestForgedTrailerUnderMemoryCeiling(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc and RLIMIT_AS")
	}
	payload := make([]byte, 1<<20) // random, so the gzip file is as large
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	n := MaxBytes / (28 * 28)
	forged := gz(imagesFile(n, 28, 28, payload))
	binary.LittleEndian.PutUint32(forged[len(forged)-4:], 0xFFFFFFFF)
	path := filepath.Join(t.TempDir(), "forged.gz")
	if err := os.WriteFile(path, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperReadUnderCeiling$")
	cmd.Env = append(os.Environ(), "DATASET_CEILING_FILE="+path)
	out, err := cmd.CombinedOutput()
	got := string(out)
	if err != nil || !strings.HasPrefix(got, "read: ") {
		if len(got) > 300 {
			got = got[:300] + "..."
		}
		t.Fatalf("reading under a ceiling of %d MiB more than the start: %v\n%s", ceilingHeadroom>>20, err, got)
	}
	if line, _, _ := strings.Cut(got, "\n"); !strings.Contains(line, "forged.gz") ||
		!(strings.Contains(line, "ends after") || strings.Contains(line, "checksum")) {
		t.Errorf("error %q: want a truncated or corrupt gzip stream naming the file", line)
	}
}
