// Package kernelhost runs the CUDA kernels of gpu/kernels/kernels.cu on the host, so
// that their arithmetic can be tested against the CPU ops on a machine without a GPU.
//
// Build compiles the kernels' own source with g++ as host C++ (gpu/kernels/hostemu.h:
// every thread of a block is a fiber on one OS thread, SYNC() a barrier the driver keeps
// by running the block's threads in a fixed order, __shared__ memory one copy per
// running block) together with the small driver gpu/kernels/hostemu_main.cc, so that a
// launch gives the same result at every run. Run then launches a kernel described by an
// opkit.Launch, the same description the cuda build hands to the GPU, on buffers of
// bytes standing for device memory. What this cannot check is listed in
// docs/gpu-step.md: timing, memory limits, the PTX the GPU runs, and the hardware's
// approximate exponential and logarithm (the host uses exact ones).
//
// The package's tests, which build the driver with g++, carry the gpuemu build tag, so
// that `make test` (go test ./...) compiles no C++: `make gpu-emulation` runs them.
package kernelhost

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/d2l-go/convnets/internal/opkit"
)

// ErrNoCompiler is returned by Build when g++ is not installed.
var ErrNoCompiler = errors.New("kernelhost: g++ is not installed (sudo apt-get install g++)")

// Driver is the compiled emulator of the kernels.
type Driver struct {
	bin   string
	flags []string // given to every launch
}

// Build compiles gpu/kernels/hostemu_main.cc (which includes kernels.cu) from the
// repository at root into dir with g++: C++20, optimised, and with -ffp-contract=off so
// that no product is fused into an addition the GPU code rounds separately, and with
// -fcf-protection=none: the driver switches between its fibers' stacks by hand (x86-64),
// which a CET shadow stack would refuse, and an executable without the CET marking never
// gets one.
func Build(root, dir string) (*Driver, error) {
	gxx, err := exec.LookPath("g++")
	if err != nil {
		return nil, ErrNoCompiler
	}
	bin := filepath.Join(dir, "hostemu")
	cmd := exec.Command(gxx, "-std=c++20", "-O2", "-ffp-contract=off", "-fcf-protection=none", "-Wall", "-Werror",
		"-o", bin, filepath.Join(root, "gpu", "kernels", "hostemu_main.cc"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("kernelhost: g++ gpu/kernels/hostemu_main.cc: %w\n%s", err, out)
	}
	return &Driver{bin: bin}, nil
}

// Kernels returns the names of the kernels the driver can run, in kernels.cu's order.
func (d *Driver) Kernels() ([]string, error) {
	out, err := exec.Command(d.bin, "-list").Output()
	if err != nil {
		return nil, fmt.Errorf("kernelhost: %s -list: %w", d.bin, err)
	}
	return strings.Fields(string(out)), nil
}

// Buffer is one block of device memory of an emulated launch.
type Buffer struct {
	// Bytes are the memory's contents; Run replaces them with what the kernel left.
	Bytes []byte
	// Table marks a table of 8-byte words in which Ref(j) stands for buffer j's
	// address (as a kernel that takes a table of device pointers, sgd_update, needs).
	Table bool
}

// Ref is the word of a Table buffer that the driver replaces by buffer j's address.
func Ref(j int) int64 { return math.MinInt64 + int64(j) }

// Run launches l on mem: opkit.InArg(i) is mem[i] and opkit.OutArg is mem[out]. Every
// buffer but the tables holds, afterwards, what the kernel left in it. A block whose
// threads do not all call SYNC() equally often (a hang or undefined on a GPU) is an
// error.
func (d *Driver) Run(l opkit.Launch, mem []Buffer, out int) error {
	dir, err := os.MkdirTemp("", "kernelhost")
	if err != nil {
		return fmt.Errorf("kernelhost: %w", err)
	}
	defer os.RemoveAll(dir)
	var spec bytes.Buffer
	fmt.Fprintf(&spec, "kernel %s\ngrid %d %d\nblock %d %d\n", l.Kernel, l.Grid[0], l.Grid[1], l.Block[0], l.Block[1])
	paths := make([]string, len(mem))
	for j, b := range mem {
		paths[j] = filepath.Join(dir, fmt.Sprintf("buf%d", j))
		if err := os.WriteFile(paths[j], b.Bytes, 0o600); err != nil {
			return fmt.Errorf("kernelhost: %w", err)
		}
		kind := "buffer"
		if b.Table {
			kind = "table"
		}
		fmt.Fprintf(&spec, "%s %s\n", kind, paths[j])
	}
	for i, a := range l.Args {
		arg, err := argLine(a, len(mem), out)
		if err != nil {
			return fmt.Errorf("kernelhost: %s argument %d: %w", l.Kernel, i, err)
		}
		fmt.Fprintf(&spec, "arg %s\n", arg)
	}
	file := filepath.Join(dir, "launch")
	if err := os.WriteFile(file, spec.Bytes(), 0o600); err != nil {
		return fmt.Errorf("kernelhost: %w", err)
	}
	if msg, err := exec.Command(d.bin, append(d.flags, file)...).CombinedOutput(); err != nil {
		return fmt.Errorf("kernelhost: %s: %w: %s", l.Kernel, err, bytes.TrimSpace(msg))
	}
	for j := range mem {
		if mem[j].Table {
			continue
		}
		if mem[j].Bytes, err = os.ReadFile(paths[j]); err != nil {
			return fmt.Errorf("kernelhost: %w", err)
		}
	}
	return nil
}

// argLine is the launch file's spelling of one kernel argument.
func argLine(a any, buffers, out int) (string, error) {
	switch a := a.(type) {
	case int:
		return fmt.Sprintf("int %d", a), nil
	case float64:
		return fmt.Sprintf("float %d", math.Float64bits(a)), nil
	}
	switch {
	case a == opkit.NullArg:
		return "null", nil
	case a == opkit.OutArg:
		if out < 0 || out >= buffers {
			return "", fmt.Errorf("the result names buffer %d of %d", out, buffers)
		}
		return fmt.Sprintf("buf %d", out), nil
	}
	for i := range buffers {
		if a == opkit.InArg(i) {
			return fmt.Sprintf("buf %d", i), nil
		}
	}
	return "", fmt.Errorf("%v (%T) is neither a buffer of the %d nor a value", a, a, buffers)
}

// Float32s returns b's little-endian float32 values.
func Float32s(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// Float64s returns b's little-endian float64 values.
func Float64s(b []byte) []float64 {
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

// Bytes returns the little-endian bytes of v, a slice of float32, float64 or int64.
func Bytes[T float32 | float64 | int64](v []T) []byte {
	b, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		panic(err) // unreachable: every T has a fixed size
	}
	return b
}
