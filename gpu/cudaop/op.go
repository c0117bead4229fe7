//go:build cuda

package cudaop

import (
	"fmt"
	"math"
	"unsafe"

	"gorgonia.org/cu"
	"gorgonia.org/gorgonia"
	"gorgonia.org/gorgonia/cuda"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
)

// gpuOp is the GPU version of an op: the same type, shape, hash and gradient (Grad
// builds the GPU versions of the gradient ops, since the graph is placed on the GPU),
// plus CUDADo, which Gorgonia's TapeMachine calls with device memory: the operands, and
// prealloc for the result. Kernels are queued on Gorgonia's batched CUDA context in
// program order; the machine flushes the queue when a value is copied back to the host.
type gpuOp struct{ *opkit.Op }

// version is the op kit's GPU.Version: op's GPU version.
func version(op *opkit.Op) gorgonia.Op { return gpuOp{op} }

// CallsExtern is true: the op calls CUDA.
func (op gpuOp) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op gpuOp) ReturnsPtr() bool { return true }

// errorf returns an error starting "graph: NAME: ", as the op kit's own errors do.
func (op gpuOp) errorf(format string, args ...any) error {
	return fmt.Errorf("graph: "+op.OpSpec().Name+": "+format, args...)
}

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
	dims := make([]gorgonia.DimSizer, len(in))
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
		dims[i] = shapes[i]
	}
	s, err := op.InferShape(dims...)
	if err != nil {
		return nil, err
	}
	res, out, err := op.result(extern, dev, prealloc, s)
	if err != nil {
		return nil, err
	}
	l := op.OpSpec().GPU(shapes, s)
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
func (op gpuOp) launch(eng *cuda.Engine, l opkit.Launch, in []cu.DevicePtr, out cu.DevicePtr) error {
	fn, ok := eng.Functions()[ptxModule+"."+l.Kernel]
	if !ok {
		return op.errorf("kernel %s is not loaded (was the binary built with `make cuda`?)", l.Kernel)
	}
	words := make([]uint64, len(l.Args))
	params := make([]unsafe.Pointer, len(l.Args))
	for i, a := range l.Args {
		w, err := word(a, in, out)
		if err != nil {
			return op.errorf("kernel %s: argument %d %w", l.Kernel, i, err)
		}
		words[i] = w
		params[i] = unsafe.Pointer(&words[i])
	}
	eng.Context().LaunchKernel(fn, l.Grid[0], l.Grid[1], 1, l.Block[0], l.Block[1], 1, 0, cu.NoStream, params)
	return nil
}

// word is the 64-bit word a kernel gets for the launch argument a: the device address
// of an operand (opkit.InArg), of the result (opkit.OutArg) or null (opkit.NullArg), or
// an int or float64 value.
func word(a any, in []cu.DevicePtr, out cu.DevicePtr) (uint64, error) {
	switch a := a.(type) {
	case int:
		return uint64(int64(a)), nil
	case float64:
		return math.Float64bits(a), nil
	}
	switch a {
	case opkit.OutArg:
		return uint64(out), nil
	case opkit.NullArg:
		return 0, nil
	}
	for i, p := range in {
		if a == opkit.InArg(i) {
			return uint64(p), nil
		}
	}
	return 0, fmt.Errorf("is %v (%T): neither an operand of the %d nor a value", a, a, len(in))
}
