//go:build cuda

package opkit

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"sync"
	"unsafe"

	"gorgonia.org/cu"
	"gorgonia.org/gorgonia"
	"gorgonia.org/gorgonia/cuda"
	"gorgonia.org/tensor"
)

// CUDA reports whether this binary was built with the cuda tag.
const CUDA = true

// gpuOp is the GPU version of an op: the same type, shape, hash and gradient (Grad
// builds the GPU versions of the gradient ops, since the graph is placed on the GPU),
// plus CUDADo, which Gorgonia's TapeMachine calls with device memory: the operands, and
// prealloc for the result. Kernels are queued on Gorgonia's batched CUDA context in
// program order; the machine flushes the queue when a value is copied back to the host.
type gpuOp struct{ *Op }

func onGPU(op *Op) gorgonia.Op { return gpuOp{op} }

// CallsExtern is true: the op calls CUDA.
func (op gpuOp) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op gpuOp) ReturnsPtr() bool { return true }

// CUDADo runs the op's kernel on device dev.
func (op gpuOp) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != op.Arity() {
		return nil, op.errorf("want %d inputs, got %d", op.Arity(), len(in))
	}
	m, ok := extern.(gorgonia.CUDAMachine)
	if !ok {
		return nil, op.errorf("the machine %T runs no CUDA", extern)
	}
	engines := m.Engines()
	if int(dev) < 0 || int(dev) >= len(engines) {
		return nil, op.errorf("no CUDA engine for device %d", int(dev))
	}
	eng := &engines[int(dev)]
	shapes := make([]tensor.Shape, len(in))
	ptrs := make([]cu.DevicePtr, len(in))
	for i, v := range in {
		if v == nil {
			return nil, op.errorf("input %d is nil", i)
		}
		if v.Dtype() != tensor.Float32 {
			return nil, op.errorf("input %d is %v; the GPU ops take float32", i, v.Dtype())
		}
		if v.Shape().TotalSize() > math.MaxInt32 {
			return nil, op.errorf("input %d has %d elements; the GPU kernels index with 32 bits", i, v.Shape().TotalSize())
		}
		shapes[i], ptrs[i] = v.Shape(), cu.DevicePtr(v.Uintptr())
	}
	s, err := op.shape(shapes)
	if err != nil {
		return nil, err
	}
	res, out, err := op.result(extern, dev, prealloc, s)
	if err != nil {
		return nil, err
	}
	l := op.spec.GPU(shapes, s)
	if l.Copy {
		eng.Context().Memcpy(out, ptrs[0], int64(s.TotalSize()*4))
		return res, nil
	}
	if err := op.launch(eng, l, ptrs, out); err != nil {
		return nil, err
	}
	return res, nil
}

// result returns the result's value and device memory: prealloc when the machine
// allocated it, else memory of the result's size from the machine's arena (returned to
// it when the machine is reset).
func (op gpuOp) result(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, s tensor.Shape) (gorgonia.Value, cu.DevicePtr, error) {
	if s.TotalSize() > math.MaxInt32 {
		return nil, 0, op.errorf("result of %d elements; the GPU kernels index with 32 bits", s.TotalSize())
	}
	if prealloc != nil {
		if prealloc.Dtype() != tensor.Float32 || !prealloc.Shape().Eq(s) {
			return nil, 0, op.errorf("result memory is %v %v, want float32 %v", prealloc.Dtype(), prealloc.Shape(), s)
		}
		return prealloc, cu.DevicePtr(prealloc.Uintptr()), nil
	}
	size := int64(s.TotalSize() * 4)
	mem, err := extern.Get(dev, size)
	if err != nil {
		return nil, 0, op.errorf("allocating %d bytes on the GPU: %w", size, err)
	}
	v := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s.Clone()...), tensor.FromMemory(mem.Uintptr(), uintptr(size)))
	return v, cu.DevicePtr(mem.Uintptr()), nil
}

// launch queues the kernel l names on the engine's context.
func (op gpuOp) launch(eng *cuda.Engine, l Launch, in []cu.DevicePtr, out cu.DevicePtr) error {
	fn, ok := eng.Functions()[ptxModule+"."+l.Kernel]
	if !ok {
		return op.errorf("kernel %s is not loaded (was the binary built with `make cuda`?)", l.Kernel)
	}
	words := make([]uint64, len(l.Args))
	params := make([]unsafe.Pointer, len(l.Args))
	for i, a := range l.Args {
		switch a := a.(type) {
		case pointer:
			switch {
			case a == outPointer:
				words[i] = uint64(out)
			case a == nullPointer:
				words[i] = 0
			case int(a) >= 0 && int(a) < len(in):
				words[i] = uint64(in[a])
			default:
				return op.errorf("kernel %s: argument %d names operand %d of %d", l.Kernel, i, int(a), len(in))
			}
		case int:
			words[i] = uint64(int64(a))
		case float64:
			words[i] = math.Float64bits(a)
		default:
			return op.errorf("kernel %s: argument %d is %T", l.Kernel, i, a)
		}
		params[i] = unsafe.Pointer(&words[i])
	}
	eng.Context().LaunchKernel(fn, l.Grid[0], l.Grid[1], 1, l.Block[0], l.Block[1], 1, 0, cu.NoStream, params)
	return nil
}

// kernelsPTX is cuda/kernels.cu compiled to PTX by `make cuda` (never committed).
//
//go:embed cudaptx/kernels.ptx
var kernelsPTX string

// ptxModule is the module name of the project's kernels in Gorgonia's CUDA library.
const ptxModule = "d2lconv"

var (
	loadOnce sync.Once
	loadErr  error
	entryRE  = regexp.MustCompile(`\.entry\s+([A-Za-z_][A-Za-z0-9_]*)`)
)

// LoadKernels adds the project's kernels to Gorgonia's CUDA library, which every
// machine made afterwards loads; call it before making a machine for a GPU. It does the
// work once. $CONVNETS_PTX names a PTX file to use instead of the one built into the
// binary (scripts/gpu-check.sh uses it for nvcc's).
func LoadKernels() error {
	loadOnce.Do(func() {
		src := kernelsPTX
		if p := os.Getenv("CONVNETS_PTX"); p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				loadErr = fmt.Errorf("CONVNETS_PTX: %w", err)
				return
			}
			src = string(b)
		}
		var funcs []string
		for _, m := range entryRE.FindAllStringSubmatch(src, -1) {
			funcs = append(funcs, m[1])
		}
		if len(funcs) == 0 {
			loadErr = errors.New("the PTX holds no kernels: rebuild with `make cuda`")
			return
		}
		gorgonia.AddToStdLib(ptxModule, src, funcs)
	})
	return loadErr
}
