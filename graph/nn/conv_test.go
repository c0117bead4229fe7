package nn

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// fcBiasShapes are the bias layouts FusedConv2D takes: none, (co) and (1, co, 1, 1).
var fcBiasShapes = []string{"none", "(co)", "(1,co,1,1)"}

// fcInputs returns x, w and (unless bias is "none") b for case c, drawn from seed.
func fcInputs(dt tensor.Dtype, x, w [4]int, bias string, seed uint64) []*tensor.Dense {
	in := []*tensor.Dense{
		optest.Dense(dt, optest.Random(seed, x[0]*x[1]*x[2]*x[3]), x[:]...),
		optest.Dense(dt, optest.Random(seed+1, w[0]*w[1]*w[2]*w[3]), w[:]...),
	}
	switch bias {
	case "(co)":
		in = append(in, optest.Dense(dt, optest.Random(seed+2, w[0]), w[0]))
	case "(1,co,1,1)":
		in = append(in, optest.Dense(dt, optest.Random(seed+2, w[0]), 1, w[0], 1, 1))
	}
	return in
}

// fcFused builds FusedConv2D on in (x, w[, b]).
func fcFused(pad, stride [2]int) optest.Func {
	return func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		var b *gorgonia.Node
		if len(in) == 3 {
			b = in[2]
		}
		return FusedConv2D(in[0], in[1], b, pad, stride)
	}
}

// fcGorgonia builds the Gorgonia-primitive path on in: Gorgonia's Conv2d (graph.Conv2D's),
// then BroadcastAdd of the
// bias reshaped to (1, co, 1, 1).
func fcGorgonia(pad, stride [2]int) optest.Func {
	return func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		ws := in[1].Shape()
		y, err := gorgonia.Conv2d(in[0], in[1], tensor.Shape{ws[2], ws[3]}, pad[:], stride[:], []int{1, 1})
		if err != nil || len(in) == 2 {
			return y, err
		}
		b := in[2]
		if b.Shape().Dims() == 1 {
			if b, err = gorgonia.Reshape(b, tensor.Shape{1, b.Shape()[0], 1, 1}); err != nil {
				return nil, err
			}
		}
		return gorgonia.BroadcastAdd(y, b, nil, []byte{0, 2, 3})
	}
}

// TestFusedConv2DMatchesGorgonia: the fused op and the Gorgonia-primitive path give the
// same outputs and the same gradients with respect to x, w and b, on float64 and
// float32, for every configuration and bias layout; the output also matches the naive
// loops. Gorgonia's products use the project's BLAS (device.UseBLAS).
func TestFusedConv2DMatchesGorgonia(t *testing.T) {
	defer gorgonia.Use(gorgonia.WhichBLAS())
	device.UseBLAS()
	for i, c := range optest.ConvCases {
		for _, dt := range optest.Dtypes {
			for bi, bias := range fcBiasShapes {
				name := fmt.Sprintf("case %d %v x%v w%v pad%v stride%v bias %s", i, dt, c.X, c.W, c.Pad, c.Stride, bias)
				seed := uint64(100 + 10*i + bi)
				in := fcInputs(dt, c.X, c.W, bias, seed)
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 2e-5
				}
				got, gotShape := optest.Run(t, fcFused(c.Pad, c.Stride), in...)
				want, wantShape := optest.Run(t, fcGorgonia(c.Pad, c.Stride), in...)
				if !gotShape.Eq(wantShape) {
					t.Fatalf("%s: shape %v, Gorgonia's %v", name, gotShape, wantShape)
				}
				optest.Close(t, name+": output vs Gorgonia", got, want, tol)
				var bv []float64
				if bias != "none" {
					bv = optest.Floats(t, in[2])
				}
				naive, _ := optest.Conv2D(optest.Random(seed, len(optest.Floats(t, in[0]))), c.X, optest.Random(seed+1, len(optest.Floats(t, in[1]))), c.W, bv, c.Pad, c.Stride)
				optest.Close(t, name+": output vs naive loops", got, naive, 10*tol)
				gf := optest.Grads(t, optest.Tape, fcFused(c.Pad, c.Stride), seed, in...)
				gg := optest.Grads(t, optest.Tape, fcGorgonia(c.Pad, c.Stride), seed, in...)
				for k, what := range []string{"dx", "dw", "db"}[:len(in)] {
					optest.Close(t, name+": "+what, gf[k], gg[k], 10*tol)
				}
			}
		}
	}
}

// TestFusedConv2DGradients checks the fused op's gradients against finite differences.
func TestFusedConv2DGradients(t *testing.T) {
	for i, c := range optest.ConvCases {
		if c.X[2]*c.X[3] > 100 {
			continue // LeNet's sizes: covered by the comparison with Gorgonia
		}
		for bi, bias := range fcBiasShapes {
			if bi != 2 && i != 2 {
				continue // every bias layout on one case; LeNet's (1, co, 1, 1) on all
			}
			in := fcInputs(tensor.Float64, c.X, c.W, bias, uint64(200+10*i+bi))
			if err := optest.GradCheck(in, fcFused(c.Pad, c.Stride), 1e-6, uint64(i)); err != nil {
				t.Errorf("case %d bias %s: %v", i, bias, err)
			}
		}
	}
}

// TestFusedConv2DLispMachine: DoDiff (the LispMachine's backward pass) gives the
// TapeMachine's gradients.
func TestFusedConv2DLispMachine(t *testing.T) {
	for i, c := range optest.ConvCases[2:6] {
		for _, dt := range optest.Dtypes {
			in := fcInputs(dt, c.X, c.W, "(1,co,1,1)", uint64(300+i))
			tape := optest.Grads(t, optest.Tape, fcFused(c.Pad, c.Stride), 9, in...)
			lisp := optest.Grads(t, optest.Lisp, fcFused(c.Pad, c.Stride), 9, in...)
			for k, what := range []string{"dx", "dw", "db"} {
				optest.Close(t, fmt.Sprintf("case %d %v %s", i, dt, what), lisp[k], tape[k], 1e-5)
			}
		}
	}
}

// TestFusedConv2DThreads: results do not depend on how the batch is split, whatever
// GOMAXPROCS is (1, 2, 3, more than the batch) and however many images share one
// product, beyond float rounding.
func TestFusedConv2DThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	c := optest.ConvCases[2]
	x := [4]int{5, c.X[1], c.X[2], c.X[3]}
	in := fcInputs(tensor.Float64, x, c.W, "(co)", 400)
	runtime.GOMAXPROCS(1)
	want := optest.Grads(t, optest.Tape, fcFused(c.Pad, c.Stride), 4, in...)
	wantY, _ := optest.Run(t, fcFused(c.Pad, c.Stride), in...)
	defer func(v int) { convWideBytes = v }(convWideBytes)
	// The working-set bound sets how many images share a product on the stride-1 path:
	// 1 byte gives one image per product; 30000 bytes two (this case needs 13.8 KB per
	// float64 image), so a part of three images ends with a partial group.
	for _, bytes := range []int{convWideBytes, 1, 30000} {
		convWideBytes = bytes
		for _, procs := range []int{2, 3, 8} {
			runtime.GOMAXPROCS(procs)
			name := fmt.Sprintf("GOMAXPROCS %d, group bound %d bytes", procs, bytes)
			got := optest.Grads(t, optest.Tape, fcFused(c.Pad, c.Stride), 4, in...)
			gotY, _ := optest.Run(t, fcFused(c.Pad, c.Stride), in...)
			optest.Close(t, name+": output", gotY, wantY, 1e-12)
			for k, what := range []string{"dx", "dw", "db"} {
				optest.Close(t, name+": "+what, got[k], want[k], 1e-12)
			}
		}
	}
}

// TestFusedConv2DProductGroups: in float32 the forward product and the input
// gradient's are padded to whole GEMM tiles and share out images in groups whose size
// the working-set bound sets; the results are the same to the bit for any group size
// and GOMAXPROCS, and close to float64's. The shapes are a 16- and a 32-channel layer
// (neither a multiple of the tile's six rows), a batch of nine (a chunk of eight and
// one of one) and wide rows of 892 and 136 columns (not multiples of sixteen).
func TestFusedConv2DProductGroups(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(v int) { convWideProductBytes = v }(convWideProductBytes)
	for i, c := range []optest.ConvCase{
		{X: [4]int{9, 1, 28, 28}, W: [4]int{16, 1, 5, 5}, Pad: [2]int{2, 2}, Stride: [2]int{1, 1}},
		{X: [4]int{9, 16, 14, 14}, W: [4]int{32, 16, 5, 5}, Stride: [2]int{1, 1}},
	} {
		f := fcFused(c.Pad, c.Stride)
		ref := fcInputs(tensor.Float64, c.X, c.W, "(co)", uint64(600+i))
		wantY, _ := optest.Run(t, f, ref...)
		wantG := optest.Grads(t, optest.Tape, f, 5, ref...)
		in := fcInputs(tensor.Float32, c.X, c.W, "(co)", uint64(600+i))
		var firstY []float64
		var firstG [][]float64
		for _, bytes := range []int{1, 2 << 20, 1 << 30} {
			convWideProductBytes = bytes
			for _, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				name := fmt.Sprintf("case %d, GOMAXPROCS %d, group bound %d bytes", i, procs, bytes)
				gotY, _ := optest.Run(t, f, in...)
				gotG := optest.Grads(t, optest.Tape, f, 5, in...)
				if firstY == nil {
					firstY, firstG = gotY, gotG
					optest.Close(t, name+": output against float64", gotY, wantY, 1e-4)
					for k, what := range []string{"dx", "dw", "db"} {
						optest.Close(t, name+": "+what+" against float64", gotG[k], wantG[k], 1e-3)
					}
					continue
				}
				optest.Close(t, name+": output", gotY, firstY, 0)
				for k, what := range []string{"dx", "dw", "db"} {
					optest.Close(t, name+": "+what, gotG[k], firstG[k], 0)
				}
			}
		}
	}
}

// TestFusedConv2DPrealloc: the ops write into a fitting preallocated value and reject
// one of the wrong shape or dtype, so that Gorgonia falls back to a new value.
func TestFusedConv2DPrealloc(t *testing.T) {
	c := optest.ConvCases[2]
	in := fcInputs(tensor.Float32, c.X, c.W, "(1,co,1,1)", 500)
	vals := []gorgonia.Value{in[0], in[1], in[2]}
	fc := fusedConv{win: geom.Window{Kernel: [2]int{c.W[2], c.W[3]}, Pad: c.Pad, Stride: c.Stride}, biasDims: 4}
	op := opkit.New(fc.opSpec())
	fresh, err := op.Do(vals...)
	if err != nil {
		t.Fatal(err)
	}
	s := fresh.Shape()
	pre := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s...))
	for i, v := range pre.Data().([]float32) {
		pre.Data().([]float32)[i] = v + 1e6 // garbage that must be overwritten
	}
	got, err := op.UsePreallocDo(pre, vals...)
	if err != nil {
		t.Fatal(err)
	}
	if got != pre {
		t.Errorf("UsePreallocDo returned a new value, want the preallocated one")
	}
	optest.Close(t, "prealloc output", optest.Floats(t, got), optest.Floats(t, fresh), 0)
	bad := []gorgonia.Value{
		tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s[0], s[1], s[2], s[3]+1)),
		tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(s...)),
	}
	for i, b := range bad {
		if _, err := op.UsePreallocDo(b, vals...); err == nil || !strings.Contains(err.Error(), "does not fit") {
			t.Errorf("bad prealloc %d: error %v, want one saying it does not fit", i, err)
		}
	}
	dy := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(s...), tensor.WithBacking(make([]float32, s.TotalSize())))
	grads := []struct {
		op *opkit.Op
		in []gorgonia.Value
	}{
		{opkit.New(fc.dataGrad(tensor.Shape(c.X[:]))), []gorgonia.Value{in[1], dy}},
		{opkit.New(fc.filterGrad()), []gorgonia.Value{in[0], dy}},
		{opkit.New(biasGrad(4)), []gorgonia.Value{dy}},
	}
	for i, g := range grads {
		v, err := g.op.Do(g.in...)
		if err != nil {
			t.Fatalf("grad op %d: %v", i, err)
		}
		pre := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(v.Shape()...), tensor.WithBacking(make([]float32, v.Shape().TotalSize())))
		for j := range pre.Data().([]float32) {
			pre.Data().([]float32)[j] = 7
		}
		got, err := g.op.UsePreallocDo(pre, g.in...)
		if err != nil || got != pre {
			t.Fatalf("grad op %d: UsePreallocDo gave %v, %v; want the preallocated value", i, got, err)
		}
		optest.Close(t, fmt.Sprintf("grad op %d prealloc (zero dy)", i), optest.Floats(t, got), optest.Floats(t, v), 0)
		optest.Close(t, fmt.Sprintf("grad op %d (zero dy)", i), optest.Floats(t, v), make([]float64, v.Shape().TotalSize()), 0)
		wrong := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(v.Shape().TotalSize()+1))
		if _, err := g.op.UsePreallocDo(wrong, g.in...); err == nil {
			t.Errorf("grad op %d: a wrong-shaped prealloc was accepted", i)
		}
	}
	if _, err := opkit.New(fc.dataGrad(tensor.Shape(c.X[:]))).Do(in[1], in[0]); err == nil || !strings.Contains(err.Error(), "output gradient") {
		t.Errorf("dL/dx op: an output gradient of the wrong shape gave error %v", err)
	}
}

func TestFusedConv2DErrors(t *testing.T) {
	f64, f32 := tensor.Float64, tensor.Float32
	call := func(xs, ws, bs []int, xt, wt, bt tensor.Dtype, pad, stride [2]int) func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
		return func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			var b *gorgonia.Node
			if bs != nil {
				b = optest.Node(g, "b", bt, bs...)
			}
			return FusedConv2D(optest.Node(g, "x", xt, xs...), optest.Node(g, "w", wt, ws...), b, pad, stride)
		}
	}
	one := [2]int{1, 1}
	cases := []optest.ErrorCase{
		optest.Bad("3-D x", call([]int{1, 8, 8}, []int{2, 1, 3, 3}, nil, f64, f64, f64, [2]int{}, one), "graph: FusedConv2D: x must be 4-D (n, c, h, w), got shape (1, 8, 8) (rank 3)"),
		optest.Bad("channels", call([]int{1, 2, 8, 8}, []int{2, 3, 3, 3}, nil, f64, f64, f64, [2]int{}, one), "graph: FusedConv2D: x has 2 input channels"),
		optest.Bad("dtypes", call([]int{1, 1, 8, 8}, []int{2, 1, 3, 3}, nil, f64, f32, f64, [2]int{}, one), "graph: FusedConv2D: dtypes differ: x is float64, w is float32"),
		optest.Bad("kernel too big", call([]int{1, 1, 4, 4}, []int{2, 1, 5, 5}, nil, f64, f64, f64, [2]int{}, one), "graph: FusedConv2D: kernel 5x5 is larger than the padded input 4x4"),
		optest.Bad("zero stride", call([]int{1, 1, 8, 8}, []int{2, 1, 3, 3}, nil, f64, f64, f64, [2]int{}, [2]int{0, 1}), "graph: FusedConv2D: stride (0,1)"),
		optest.Bad("bias length", call([]int{1, 1, 8, 8}, []int{2, 1, 3, 3}, []int{3}, f64, f64, f64, [2]int{}, one), "graph: FusedConv2D: the bias has shape (3); want (2) or (1, 2, 1, 1)"),
		optest.Bad("bias layout", call([]int{1, 1, 8, 8}, []int{2, 1, 3, 3}, []int{2, 1, 1, 1}, f64, f64, f64, [2]int{}, one), "graph: FusedConv2D: the bias has shape (2, 1, 1, 1)"),
		optest.Bad("bias dtype", call([]int{1, 1, 8, 8}, []int{2, 1, 3, 3}, []int{2}, f32, f32, f64, [2]int{}, one), "graph: FusedConv2D: dtypes differ: x is float32, bias is float64"),
		optest.Bad("bias graph", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return FusedConv2D(optest.Node(g, "x", f64, 1, 1, 8, 8), optest.Node(g, "w", f64, 2, 1, 3, 3), optest.Node(gorgonia.NewGraph(), "b", f64, 2), [2]int{}, one)
		}, "graph: FusedConv2D: x and bias belong to different graphs"),
		optest.Bad("nil x", func(g *gorgonia.ExprGraph) (*gorgonia.Node, error) {
			return FusedConv2D(nil, optest.Node(g, "w", f64, 2, 1, 3, 3), nil, [2]int{}, one)
		}, "graph: FusedConv2D: x is a nil node"),
	}
	optest.Errors(t, cases)
}
