// Package hostiletest makes the hostile inputs that the commands' hostile tests feed
// them (special files, checkpoints that announce gigabytes, IDX files whose headers lie)
// and checks how they are refused: one line, the right exit status, and memory that does
// not grow with what the input claims.
//
// Each command's hostile_test.go runs its cases in process, measuring the bytes the
// run allocated (runtime.MemStats.TotalAlloc); `make hostile` also runs the memory
// cases as processes under an address-space limit (prlimit --as), measuring their peak
// resident memory (TestUnderMemoryLimit).
package hostiletest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Checkpoint is a hostile -model or -resume argument and what its refusal must say.
type Checkpoint struct {
	Name string // the case
	Path string
	Want string // what the one line says after "-model: "
}

// BigForeignTensor is the size of the checkpoint that holds one tensor LeNet does not
// have: 3 GB, sparse on disk.
const BigForeignTensor = 3_000_000_000

// Checkpoints makes, in dir, the special and oversized files that no command may open
// as a checkpoint, nor read more of than its header: a FIFO (whose opening would wait for
// a writer forever), a character device, a folder, a 3 GB safetensors file holding one
// tensor LeNet does not have, one whose header claims 100 MB of JSON, and one whose
// tensor data is cut short of the 3 GB announced.
func Checkpoints(t testing.TB, dir string) []Checkpoint {
	t.Helper()
	var cases []Checkpoint
	if fifo, ok := FIFO(t, dir, "fifo.safetensors"); ok {
		cases = append(cases, Checkpoint{"FIFO", fifo, fifo + ": not a regular file: it is a named pipe (FIFO); name a checkpoint file"})
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases = append(cases, Checkpoint{"device", "/dev/zero", "/dev/zero: not a regular file: it is a character device"})
	}
	folder := filepath.Join(dir, "folder.safetensors")
	os.Mkdir(folder, 0o755)
	big := filepath.Join(dir, "big.safetensors")
	Safetensors(t, big, "embedding.weight", BigForeignTensor, BigForeignTensor)
	cut := filepath.Join(dir, "cut.safetensors")
	Safetensors(t, cut, "0.weight", BigForeignTensor, 1000)
	header := filepath.Join(dir, "header.safetensors")
	writeFile(t, header, append(binary.LittleEndian.AppendUint64(nil, 100_000_000), "{}"...))
	// Networks named in the metadata, which anyone can write (the digest is unkeyed):
	// one that breaks the limits, and one whose shapes, worked out from the name, are
	// not the file's; both refused before any tensor is read or any network built.
	huge := filepath.Join(dir, "huge-padding.safetensors")
	NamedNetwork(t, huge, "conv6k5p2000000-relu")
	wide := filepath.Join(dir, "wide-padding.safetensors")
	NamedNetwork(t, wide, "conv6k5p300-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid")
	return append(cases,
		Checkpoint{"a padding of 2,000,000", huge, huge + `: checkpoint is corrupt: the network it names (lenet.variant "conv6k5p2000000-relu"): layer 0 conv6k5p2000000: the padding 2000000 is out of range (at most 1048576)`},
		Checkpoint{"a padding of 300", wide, wide + `: checkpoint parameters do not match the network: tensor "0.weight" has shape [6 1 3 3]; in conv6k5p300-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid it is [6 1 5 5]`},
		Checkpoint{"folder", folder, folder + ": not a regular file: it is a folder"},
		Checkpoint{"3 GB of a tensor no network has", big, big + `: checkpoint parameters do not match the network: the file holds a tensor "embedding.weight"`},
		Checkpoint{"3 GB announced, 1000 bytes there", cut, cut + ": checkpoint is corrupt: safetensors file is truncated: the header announces 3000000000 bytes of tensor data, the file holds 1000"},
		Checkpoint{"100 MB header", header, header + ": checkpoint is corrupt: invalid safetensors header: header length 100000000 exceeds the limit of 16777216 bytes"},
	)
}

// MaxRefusalAlloc bounds what a refused checkpoint may cost a command: its header, not
// what it announces.
const MaxRefusalAlloc = 64 << 20

// RefusesCheckpoints runs a command on each of Checkpoints' files, given as flag (as
// run does it), and checks that each is refused with exit status 1, nothing on stdout,
// one line "name: flag: ..." saying what the case wants, and at most MaxRefusalAlloc
// bytes allocated.
func RefusesCheckpoints(t *testing.T, name, flag string, run func(path string) (code int, stdout, stderr string)) {
	t.Helper()
	for _, tc := range Checkpoints(t, t.TempDir()) {
		var code int
		var stdout, stderr string
		alloc := Allocated(func() { code, stdout, stderr = run(tc.Path) })
		if code != 1 || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q; want 1 and nothing", tc.Name, code, stdout)
		}
		OneLine(t, name, stderr, flag+": "+tc.Want)
		if alloc > MaxRefusalAlloc {
			t.Errorf("%s: allocated %d MiB", tc.Name, alloc>>20)
		}
	}
}

// Safetensors writes a safetensors file at path with one U8 tensor of announce bytes,
// of which the file holds have (sparse: the zeros take no disk).
func Safetensors(t testing.TB, path, tensor string, announce, have int64) {
	t.Helper()
	hdr := fmt.Sprintf(`{"%s":{"dtype":"U8","shape":[%d],"data_offsets":[0,%d]}}`, tensor, announce, announce)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	writeFile(t, path, append(b, hdr...))
	if err := os.Truncate(path, int64(len(b)+len(hdr))+have); err != nil {
		t.Fatal(err)
	}
}

// NamedNetwork writes a safetensors file at path whose metadata names the network
// model (lenet.variant) and whose one tensor, "0.weight", is a (6, 1, 3, 3) float32.
func NamedNetwork(t testing.TB, path, model string) {
	t.Helper()
	hdr := fmt.Sprintf(`{"__metadata__":{"lenet.variant":%q},"0.weight":{"dtype":"F32","shape":[6,1,3,3],"data_offsets":[0,216]}}`, model)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(b, hdr...)
	writeFile(t, path, append(b, make([]byte, 216)...))
}

// IDX returns an IDX file of unsigned bytes with the given dimensions whose data part
// holds have zero bytes, gzipped when gz.
func IDX(dims []uint32, have int, gz bool) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	b = append(b, make([]byte, have)...)
	if !gz {
		return b
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Allocated runs f and returns the bytes the process allocated meanwhile (every
// goroutine's: run nothing else alongside).
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// OneLine checks that stderr is one line, "name: ...", containing want.
func OneLine(t testing.TB, name, stderr, want string) {
	t.Helper()
	if !strings.HasPrefix(stderr, name+": ") || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr %q: want one '%s: ' line containing %q", stderr, name, want)
	}
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
