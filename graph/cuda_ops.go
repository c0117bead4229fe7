//go:build cuda

package graph

import (
	"fmt"
	"math"
	"unsafe"

	"gorgonia.org/cu"
	"gorgonia.org/gorgonia"
	"gorgonia.org/gorgonia/cuda"
	"gorgonia.org/tensor"
)

// The GPU versions of the project's ops. Each embeds the CPU op, so it has the same
// type, shape, hash and gradient (its SymDiff builds the GPU versions of the gradient
// ops, since the graph is set to the GPU), and adds CUDADo, which Gorgonia's tape
// machine calls with device memory: the inputs, and prealloc for the result. Kernels
// are queued on Gorgonia's batched CUDA context in program order; the machine flushes
// the queue when a value is copied back to the host.

// onGPU returns the GPU version of one of the project's ops, or op itself.
func onGPU(op gorgonia.Op) gorgonia.Op {
	switch o := op.(type) {
	case fusedConvOp:
		return fusedConvGPU{o}
	case convDataGradOp:
		return convDataGradGPU{o}
	case convFilterGradOp:
		return convFilterGradGPU{o}
	case convBiasGradOp:
		return convBiasGradGPU{o}
	case activationOp:
		return activationGPU{o}
	case activationGradOp:
		return activationGradGPU{o}
	case *pool4DOp:
		return pool4DGPU{o}
	case *pool4DGradOp:
		return pool4DGradGPU{o}
	case denseOp:
		return denseGPU{o}
	case denseGradOp:
		return denseGradGPU{o}
	case reshapeOp:
		return reshapeGPU{o}
	}
	return op
}

// gpuCall gathers what a CUDADo needs: the device's engine, and checked float32 inputs
// and result.
type gpuCall struct {
	op     fmt.Stringer
	extern gorgonia.External
	dev    gorgonia.Device
	eng    *cuda.Engine
	res    gorgonia.Value // the result: prealloc, or memory taken from the machine's arena
	err    error
}

// gpuOp is what every GPU op's CUDADo needs of its CPU op.
type gpuOp interface {
	fmt.Stringer
	Arity() int
	InferShape(...gorgonia.DimSizer) (tensor.Shape, error)
}

// newGPUCall checks the inputs' count and finds the device's engine.
func newGPUCall(op gpuOp, extern gorgonia.External, dev gorgonia.Device, in []gorgonia.Value) (*gpuCall, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%v: got %d inputs, want %d", op, len(in), op.Arity())
	}
	m, ok := extern.(gorgonia.CUDAMachine)
	if !ok {
		return nil, fmt.Errorf("%v: the machine %T runs no CUDA", op, extern)
	}
	engines := m.Engines()
	if int(dev) < 0 || int(dev) >= len(engines) {
		return nil, fmt.Errorf("%v: no CUDA engine for device %d", op, int(dev))
	}
	return &gpuCall{op: op, extern: extern, dev: dev, eng: &engines[int(dev)]}, nil
}

// resultShape is the op's InferShape on the inputs' shapes.
func resultShape(op gpuOp, in []gorgonia.Value) (tensor.Shape, error) {
	shapes := make([]gorgonia.DimSizer, len(in))
	for i, v := range in {
		shapes[i] = v.Shape()
	}
	return op.InferShape(shapes...)
}

// in checks input i: a float32 tensor of the given shape (nil: any shape), returning its
// device pointer.
func (c *gpuCall) in(v gorgonia.Value, i int, shape tensor.Shape) cu.DevicePtr {
	if c.err != nil {
		return 0
	}
	if v == nil {
		c.err = fmt.Errorf("%v: input %d is nil", c.op, i)
		return 0
	}
	if v.Dtype() != tensor.Float32 {
		c.err = fmt.Errorf("%v: input %d is %v; the GPU ops take float32", c.op, i, v.Dtype())
		return 0
	}
	if shape != nil && !v.Shape().Eq(shape) {
		c.err = fmt.Errorf("%v: input %d has shape %v, want %v", c.op, i, v.Shape(), shape)
		return 0
	}
	if v.Shape().TotalSize() > math.MaxInt32 {
		c.err = fmt.Errorf("%v: input %d has %d elements; the GPU kernels index with 32 bits", c.op, i, v.Shape().TotalSize())
		return 0
	}
	return cu.DevicePtr(v.Uintptr())
}

// out returns the device memory of the result: prealloc when the machine allocated
// it, else memory of the result's size from the machine's arena (returned to it when
// the machine is reset).
func (c *gpuCall) out(prealloc gorgonia.Value, shape tensor.Shape) cu.DevicePtr {
	if c.err != nil {
		return 0
	}
	if shape.TotalSize() > math.MaxInt32 {
		c.err = fmt.Errorf("%v: result of %d elements; the GPU kernels index with 32 bits", c.op, shape.TotalSize())
		return 0
	}
	if prealloc == nil {
		size := int64(shape.TotalSize() * 4)
		mem, err := c.extern.Get(c.dev, size)
		if err != nil {
			c.err = fmt.Errorf("%v: allocating %d bytes on the GPU: %w", c.op, size, err)
			return 0
		}
		c.res = tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(shape.Clone()...), tensor.FromMemory(mem.Uintptr(), uintptr(size)))
		return cu.DevicePtr(mem.Uintptr())
	}
	if prealloc.Dtype() != tensor.Float32 || !prealloc.Shape().Eq(shape) {
		c.err = fmt.Errorf("%v: result memory is %v %v, want float32 %v", c.op, prealloc.Dtype(), prealloc.Shape(), shape)
		return 0
	}
	c.res = prealloc
	return cu.DevicePtr(prealloc.Uintptr())
}

// launch queues kernel name on a grid of blocks of threads. Arguments are cu.DevicePtr,
// int or float64, each passed as one 64-bit word (the kernels take pointers, long long
// and double).
func (c *gpuCall) launch(name string, grid, block [2]int, args ...any) {
	if c.err != nil {
		return
	}
	fn, ok := c.eng.Functions()[ptxModule+"."+name]
	if !ok {
		c.err = fmt.Errorf("%v: kernel %s is not loaded (was the binary built with `make cuda`?)", c.op, name)
		return
	}
	words := make([]uint64, len(args))
	params := make([]unsafe.Pointer, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case cu.DevicePtr:
			words[i] = uint64(a)
		case int:
			words[i] = uint64(int64(a))
		case float64:
			words[i] = math.Float64bits(a)
		default:
			c.err = fmt.Errorf("%v: kernel argument %d is %T", c.op, i, a)
			return
		}
		params[i] = unsafe.Pointer(&words[i])
	}
	c.eng.Context().LaunchKernel(fn, grid[0], grid[1], 1, block[0], block[1], 1, 0, cu.NoStream, params)
}

// elems is the grid of a grid-stride kernel over n elements, in blocks of 256.
func elems(n int) [2]int { return [2]int{max(1, min((n+255)/256, 65535)), 1} }

var threads256 = [2]int{256, 1}

// result returns the result's value, or the error.
func (c *gpuCall) result() (gorgonia.Value, error) {
	if c.err != nil {
		return nil, c.err
	}
	return c.res, nil
}

func convDims(g convGeom, p, s [2]int) []any {
	return []any{g.n, g.c, g.h, g.w, g.co, g.kh, g.kw, g.oh, g.ow, p[0], p[1], s[0], s[1]}
}

type fusedConvGPU struct{ fusedConvOp }

func (op fusedConvGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op fusedConvGPU) ReturnsPtr() bool { return true }

func (op fusedConvGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	g, err := convShapes(op, in[0].Shape(), in[1].Shape(), op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	x, w := c.in(in[0], 0, nil), c.in(in[1], 1, nil)
	var b cu.DevicePtr
	if op.biasDims > 0 {
		b = c.in(in[2], 2, nil)
	}
	y := c.out(prealloc, g.outShape())
	args := append([]any{x, w, b, y}, convDims(g, op.pad, op.stride)...)
	c.launch("conv_fwd", elems(g.outShape().TotalSize()), threads256, args...)
	return c.result()
}

type convDataGradGPU struct{ convDataGradOp }

func (op convDataGradGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op convDataGradGPU) ReturnsPtr() bool { return true }

func (op convDataGradGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	xs := tensor.Shape{op.x[0], op.x[1], op.x[2], op.x[3]}
	g, err := convShapes(op, xs, in[0].Shape(), op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	w, dy := c.in(in[0], 0, nil), c.in(in[1], 1, g.outShape())
	dx := c.out(prealloc, xs)
	args := append([]any{dy, w, dx}, convDims(g, op.pad, op.stride)...)
	c.launch("conv_bwd_data", elems(xs.TotalSize()), threads256, args...)
	return c.result()
}

type convFilterGradGPU struct{ convFilterGradOp }

func (op convFilterGradGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op convFilterGradGPU) ReturnsPtr() bool { return true }

func (op convFilterGradGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	xs, ys := in[0].Shape(), in[1].Shape()
	if xs.Dims() != 4 || ys.Dims() != 4 {
		return nil, fmt.Errorf("%v: inputs %v and %v are not 4-D", op, xs, ys)
	}
	ws := tensor.Shape{ys[1], xs[1], op.kernel[0], op.kernel[1]}
	g, err := convShapes(op, xs, ws, op.pad, op.stride)
	if err != nil {
		return nil, err
	}
	x, dy := c.in(in[0], 0, nil), c.in(in[1], 1, g.outShape())
	dw := c.out(prealloc, ws)
	args := append([]any{x, dy, dw}, convDims(g, op.pad, op.stride)...)
	c.launch("conv_bwd_filter", [2]int{ws.TotalSize(), 1}, threads256, args...)
	return c.result()
}

type convBiasGradGPU struct{ convBiasGradOp }

func (op convBiasGradGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op convBiasGradGPU) ReturnsPtr() bool { return true }

func (op convBiasGradGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	s, err := op.InferShape(in[0].Shape())
	if err != nil {
		return nil, err
	}
	ys := in[0].Shape()
	dy := c.in(in[0], 0, nil)
	db := c.out(prealloc, s)
	c.launch("conv_bwd_bias", [2]int{ys[1], 1}, threads256, dy, db, ys[0], ys[1], ys[2]*ys[3])
	return c.result()
}

type activationGPU struct{ activationOp }

func (op activationGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op activationGPU) ReturnsPtr() bool { return true }

func (op activationGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	s := in[0].Shape()
	x := c.in(in[0], 0, nil)
	y := c.out(prealloc, s)
	c.launch("act_fwd", elems(s.TotalSize()), threads256, x, y, s.TotalSize(), int(op.kind))
	return c.result()
}

type activationGradGPU struct{ activationGradOp }

func (op activationGradGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op activationGradGPU) ReturnsPtr() bool { return true }

func (op activationGradGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	s := in[0].Shape()
	y, dy := c.in(in[0], 0, nil), c.in(in[1], 1, s)
	dx := c.out(prealloc, s)
	c.launch("act_bwd", elems(s.TotalSize()), threads256, y, dy, dx, s.TotalSize(), int(op.kind))
	return c.result()
}

func poolDims(g pool4DGeom, planes int, kind pool4DKind) []any {
	return []any{planes, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, int(kind)}
}

type pool4DGPU struct{ *pool4DOp }

func (op pool4DGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op pool4DGPU) ReturnsPtr() bool { return true }

func (op pool4DGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	xs := in[0].Shape()
	ys, err := op.InferShape(xs)
	if err != nil {
		return nil, err
	}
	g := op.geom(xs)
	x := c.in(in[0], 0, nil)
	y := c.out(prealloc, ys)
	args := append([]any{x, y}, poolDims(g, xs[0]*xs[1], op.kind)...)
	c.launch("pool_fwd", elems(ys.TotalSize()), threads256, args...)
	return c.result()
}

type pool4DGradGPU struct{ *pool4DGradOp }

func (op pool4DGradGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op pool4DGradGPU) ReturnsPtr() bool { return true }

func (op pool4DGradGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	xs := in[0].Shape()
	ys, err := op.fwd.InferShape(xs)
	if err != nil {
		return nil, err
	}
	g := op.fwd.geom(xs)
	x, dy := c.in(in[0], 0, nil), c.in(in[1], 1, ys)
	dx := c.out(prealloc, xs)
	args := append([]any{x, dy, dx}, poolDims(g, xs[0]*xs[1], op.fwd.kind)...)
	c.launch("pool_bwd", elems(xs.TotalSize()), threads256, args...)
	return c.result()
}

// gemmGrid is the grid of the gemm kernel for an (m, n) result: 16x16 tiles.
func gemmGrid(m, n int) [2]int { return [2]int{(n + 15) / 16, (m + 15) / 16} }

var threads16x16 = [2]int{16, 16}

type denseGPU struct{ denseOp }

func (op denseGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op denseGPU) ReturnsPtr() bool { return true }

func (op denseGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	ys, err := resultShape(op, in)
	if err != nil {
		return nil, err
	}
	k := in[0].Shape()[1]
	x, w := c.in(in[0], 0, nil), c.in(in[1], 1, nil)
	var b cu.DevicePtr
	if op.bias {
		b = c.in(in[2], 2, tensor.Shape{ys[1]})
	}
	y := c.out(prealloc, ys)
	c.launch("gemm", gemmGrid(ys[0], ys[1]), threads16x16, x, w, b, y, ys[0], ys[1], k, 0, 0)
	return c.result()
}

type denseGradGPU struct{ denseGradOp }

func (op denseGradGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op denseGradGPU) ReturnsPtr() bool { return true }

func (op denseGradGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	rs, err := resultShape(op, in)
	if err != nil {
		return nil, err
	}
	dys := in[len(in)-1].Shape()
	n, out := dys[0], dys[1]
	switch op.which {
	case denseGradX: // (n, out) · w(in, out)ᵀ
		w, dy := c.in(in[0], 0, nil), c.in(in[1], 1, nil)
		dx := c.out(prealloc, rs)
		c.launch("gemm", gemmGrid(n, rs[1]), threads16x16, dy, w, cu.DevicePtr(0), dx, n, rs[1], out, 0, 1)
	case denseGradW: // x(n, in)ᵀ · (n, out)
		x, dy := c.in(in[0], 0, nil), c.in(in[1], 1, nil)
		dw := c.out(prealloc, rs)
		c.launch("gemm", gemmGrid(rs[0], out), threads16x16, x, dy, cu.DevicePtr(0), dw, rs[0], out, n, 1, 0)
	default:
		dy := c.in(in[0], 0, nil)
		db := c.out(prealloc, rs)
		c.launch("colsum", elems(out), threads256, dy, db, n, out)
	}
	return c.result()
}

type reshapeGPU struct{ reshapeOp }

func (op reshapeGPU) CallsExtern() bool { return true }

// ReturnsPtr is true so that Gorgonia's compiler allocates the result on the device.
func (op reshapeGPU) ReturnsPtr() bool { return true }

func (op reshapeGPU) CUDADo(extern gorgonia.External, dev gorgonia.Device, prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	c, err := newGPUCall(op, extern, dev, in)
	if err != nil {
		return nil, err
	}
	x := c.in(in[0], 0, op.from)
	y := c.out(prealloc, op.to)
	if c.err != nil {
		return nil, c.err
	}
	if c.err == nil {
		c.eng.Context().Memcpy(y, x, int64(op.to.TotalSize()*4))
	}
	return c.result()
}
