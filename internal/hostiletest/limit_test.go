package hostiletest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/d2l-go/convnets/dataset/fashiontest"
)

// The limits of `make hostile`: each command runs under an address-space ceiling of
// limitAS (prlimit --as; a normal run of cmd/train fits, one under 2 GB does not), and
// each hostile case must be refused within maxRSS of peak resident memory and maxWall.
const (
	limitAS = 3 << 30
	maxRSS  = 1 << 30
	maxWall = 5 * time.Second
)

// TestUnderMemoryLimit runs the memory cases as processes under the address-space
// ceiling, for `make hostile` (HOSTILE=1; slow: it builds the commands and writes two
// gzip files of 1 GB each, and a 3 GB sparse file): checkpoints that announce gigabytes
// and special files, given to every command that reads one; IDX files under the
// published names whose headers claim 1 GB each; lenetbench's -batch 100000000; and a
// normal training run, which must fit.
func TestUnderMemoryLimit(t *testing.T) {
	if os.Getenv("HOSTILE") == "" {
		t.Skip("the memory cases run with HOSTILE=1 (make hostile)")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("make hostile needs prlimit (util-linux): %v", err)
	}
	bin := build(t)
	dir := t.TempDir()
	data := fashiontest.Dir(t)
	bombs := bombData(t, filepath.Join(dir, "bombs"))
	out := filepath.Join(dir, "out")

	type run struct {
		name     string
		args     []string
		code     int
		want     string // in the one line of stderr; "" for a run that succeeds
		boundRSS bool   // peak RSS at most maxRSS and wall time at most maxWall
	}
	var runs []run
	for _, ck := range Checkpoints(t, dir) {
		runs = append(runs,
			run{"train -resume " + ck.Name, []string{"train", "-resume", ck.Path, "-out", out, "-data", data}, 1, "-resume: " + ck.Want, true},
			run{"evaluate -model " + ck.Name, []string{"evaluate", "-model", ck.Path, "-data", data}, 1, "-model: " + ck.Want, true},
			run{"explain -model " + ck.Name, []string{"explain", "-model", ck.Path, "-data", data, "-out", out}, 1, "-model: " + ck.Want, true},
			run{"explore -model " + ck.Name, []string{"explore", "-model", ck.Path, "-data", data, "-addr", "127.0.0.1:0"}, 1, "-model: " + ck.Want, true},
		)
	}
	runs = append(runs,
		run{"train on IDX headers claiming 1 GB", []string{"train", "-data", bombs, "-out", out}, 1,
			"announces 1019200000 data bytes; the published ", true},
		run{"lenetbench -batch 100000000", []string{"lenetbench", "-data", data, "-limit", "200", "-epochs", "1", "-batch", "100000000"}, 0, "", true},
		run{"a normal training epoch", []string{"train", "-data", data, "-epochs", "1", "-limit", "6000", "-out", out}, 0, "", false},
	)
	for _, r := range runs {
		cmd := exec.Command(prlimit, append([]string{fmt.Sprintf("--as=%d", limitAS), "--", filepath.Join(bin, r.args[0])}, r.args[1:]...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatalf("%s: %v", r.name, err)
		}
		rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10 // Linux: KiB
		t.Logf("%-45s exit %d, peak RSS %4d MiB, %5.2f s", r.name, cmd.ProcessState.ExitCode(), rss>>20, wall.Seconds())
		if code := cmd.ProcessState.ExitCode(); code != r.code {
			t.Errorf("%s: exit %d, want %d; stderr %q", r.name, code, r.code, stderr.String())
			continue
		}
		if r.want != "" {
			OneLine(t, r.args[0], stderr.String(), r.want)
		}
		if r.boundRSS && (rss > maxRSS || wall > maxWall) {
			t.Errorf("%s: peak RSS %d MiB, %v; want at most %d MiB and %v", r.name, rss>>20, wall, maxRSS>>20, maxWall)
		}
	}
}

// build compiles the commands into a temporary folder and returns it.
func build(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "./cmd/train", "./cmd/evaluate", "./cmd/explain", "./cmd/explore", "./cmd/lenetbench")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

// bombData writes a data folder whose two images files are 1 MB gzip files of headers
// that claim 1,019,200,000 bytes (1,300,000 images) and hold them, zeros; the labels
// are small.
func bombData(t *testing.T, dir string) string {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	first := filepath.Join(dir, "train-images-idx3-ubyte.gz")
	f, err := os.Create(first)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	hdr := []byte{0, 0, 8, 3}
	for _, d := range []uint32{1_300_000, 28, 28} {
		hdr = binary.BigEndian.AppendUint32(hdr, d)
	}
	zw.Write(hdr)
	zeros := make([]byte, 28*28*1000)
	for range 1300 {
		zw.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), b)
	writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte"), IDX([]uint32{60000}, 60000, false))
	writeFile(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), IDX([]uint32{10000}, 10000, false))
	return dir
}
