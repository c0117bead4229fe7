package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph/geom"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// naivePool4D is the textbook definition of padded, strided pooling as plain loops:
// max ignores the padding, avg divides the zero-padded window sum by kh*kw.
func naivePool4D(avg bool, x []float64, xs [4]int, kernel, pad, stride [2]int) ([]float64, [4]int) {
	n, c, h, w := xs[0], xs[1], xs[2], xs[3]
	oh := (h-kernel[0]+2*pad[0])/stride[0] + 1
	ow := (w-kernel[1]+2*pad[1])/stride[1] + 1
	out := make([]float64, n*c*oh*ow)
	for p := range n * c {
		for i := range oh {
			for j := range ow {
				sum, best := 0.0, math.Inf(-1)
				for u := range kernel[0] {
					for v := range kernel[1] {
						r, q := i*stride[0]+u-pad[0], j*stride[1]+v-pad[1]
						if r < 0 || r >= h || q < 0 || q >= w {
							continue
						}
						sum += x[(p*h+r)*w+q]
						best = math.Max(best, x[(p*h+r)*w+q])
					}
				}
				if avg {
					out[(p*oh+i)*ow+j] = sum / float64(kernel[0]*kernel[1])
				} else {
					out[(p*oh+i)*ow+j] = best
				}
			}
		}
	}
	return out, [4]int{n, c, oh, ow}
}

type poolFunc func(x *gorgonia.Node, kernel, pad, stride [2]int) (*gorgonia.Node, error)

var poolFuncs = []struct {
	name string
	avg  bool
	f    poolFunc
}{{"MaxPool2D", false, MaxPool2D}, {"AvgPool2D", true, AvgPool2D}}

// arange16 is the chapter's X = arange(16) as (1,1,4,4).
func arange16(dt tensor.Dtype) *tensor.Dense {
	v := make([]float64, 16)
	for i := range v {
		v[i] = float64(i)
	}
	return optest.Dense(dt, v, 1, 1, 4, 4)
}

func TestPoolChapterValues(t *testing.T) {
	cases := []struct {
		name                string
		kernel, pad, stride [2]int
		want                []float64
		wantShape           tensor.Shape
	}{
		{"max 3x3", [2]int{3, 3}, [2]int{0, 0}, [2]int{3, 3}, []float64{10}, tensor.Shape{1, 1, 1, 1}},
		{"max 3x3 padding 1 stride 2", [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}, []float64{5, 7, 13, 15}, tensor.Shape{1, 1, 2, 2}},
		{"max (2,3) stride (2,3) padding (0,1)", [2]int{2, 3}, [2]int{0, 1}, [2]int{2, 3}, []float64{5, 7, 13, 15}, tensor.Shape{1, 1, 2, 2}},
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			got, shape := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return MaxPool2D(in[0], c.kernel, c.pad, c.stride)
			}, arange16(dt))
			if !shape.Eq(c.wantShape) || !slices.Equal(got, c.want) {
				t.Errorf("%s %v: got %v %v, want %v %v", c.name, dt, shape, got, c.wantShape, c.want)
			}
		}
	}
}

// TestPoolPerChannel is the chapter's concatenation of X and X+1: pooling keeps the
// channels apart, so channel 1 of the result is channel 0 plus 1.
func TestPoolPerChannel(t *testing.T) {
	for _, pf := range poolFuncs {
		got, shape := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			one := gorgonia.NewScalar(in[0].Graph(), tensor.Float32, gorgonia.WithName("one"), gorgonia.WithValue(float32(1)))
			x1, err := gorgonia.Add(in[0], one)
			if err != nil {
				return nil, err
			}
			x, err := gorgonia.Concat(1, in[0], x1)
			if err != nil {
				return nil, err
			}
			return pf.f(x, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2})
		}, arange16(tensor.Float32))
		if want := (tensor.Shape{1, 2, 2, 2}); !shape.Eq(want) {
			t.Fatalf("%s: shape %v, want %v", pf.name, shape, want)
		}
		if pf.avg {
			ref, _ := naivePool4D(true, optest.Floats(t, arange16(tensor.Float64)), [4]int{1, 1, 4, 4}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2})
			for i := range 4 {
				if math.Abs(got[i]-ref[i]) > 1e-5 {
					t.Errorf("%s: channel 0 element %d = %v, want %v", pf.name, i, got[i], ref[i])
				}
			}
		} else if !slices.Equal(got[:4], []float64{5, 7, 13, 15}) {
			t.Errorf("%s: channel 0 = %v, want [5 7 13 15]", pf.name, got[:4])
		}
		for i := range 4 {
			// Average pooling with padding scales the +1 by the share of real pixels.
			want := got[i] + 1
			if pf.avg {
				cnt := avgWindowCount(i/2, i%2, 4, 4, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2})
				want = got[i] + float64(cnt)/9
			}
			if math.Abs(got[4+i]-want) > 1e-5 {
				t.Errorf("%s: channel 1 element %d = %v, want %v", pf.name, i, got[4+i], want)
			}
		}
	}
}

// avgWindowCount returns the number of real (unpadded) pixels in output (i, j)'s window.
func avgWindowCount(i, j, h, w int, kernel, pad, stride [2]int) int {
	n := 0
	for u := range kernel[0] {
		for v := range kernel[1] {
			r, q := i*stride[0]+u-pad[0], j*stride[1]+v-pad[1]
			if r >= 0 && r < h && q >= 0 && q < w {
				n++
			}
		}
	}
	return n
}

// poolCase is an input shape and a window.
type poolCase struct {
	x                   [4]int
	kernel, pad, stride [2]int
}

func TestPoolMatchesNaiveLoops(t *testing.T) {
	cases := []poolCase{
		{[4]int{1, 1, 3, 3}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1}},
		{[4]int{2, 3, 6, 6}, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}},
		{[4]int{1, 2, 7, 5}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}},
		{[4]int{2, 1, 4, 4}, [2]int{2, 3}, [2]int{0, 1}, [2]int{2, 3}},
		{[4]int{1, 1, 8, 9}, [2]int{3, 2}, [2]int{1, 1}, [2]int{2, 1}},
		{[4]int{3, 2, 5, 5}, [2]int{5, 5}, [2]int{2, 2}, [2]int{1, 1}},
		{[4]int{1, 1, 4, 4}, [2]int{1, 1}, [2]int{0, 0}, [2]int{3, 2}},
		// large enough to run on several goroutines
		{[4]int{64, 6, 28, 28}, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}},
	}
	for i, c := range cases {
		rng := rand.New(rand.NewPCG(uint64(i), 3))
		xv := randomValues(rng, c.x[0]*c.x[1]*c.x[2]*c.x[3])
		for _, pf := range poolFuncs {
			want, wantShape := naivePool4D(pf.avg, xv, c.x, c.kernel, c.pad, c.stride)
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				got, shape := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
					return pf.f(in[0], c.kernel, c.pad, c.stride)
				}, optest.Dense(dt, xv, c.x[:]...))
				if !shape.Eq(tensor.Shape(wantShape[:])) {
					t.Fatalf("case %d %s %v: shape %v, want %v", i, pf.name, dt, shape, wantShape)
				}
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-6
				}
				for j := range want {
					if math.Abs(got[j]-want[j]) > tol {
						t.Fatalf("case %d %s %v: element %d = %v, want %v", i, pf.name, dt, j, got[j], want[j])
					}
				}
			}
		}
	}
}

// TestMaxPool2DIgnoresPadding checks PyTorch's -Inf padding on an all-negative input: a
// zero from the padding would win every border window.
func TestMaxPool2DIgnoresPadding(t *testing.T) {
	x := optest.Dense(tensor.Float64, []float64{-5, -6, -7, -8}, 1, 1, 2, 2)
	got, _ := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return MaxPool2D(in[0], [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})
	}, x)
	want := []float64{-5, -5, -6, -5, -5, -6, -7, -7, -8}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestGorgoniaMaxPool2DPadding records that Gorgonia's own MaxPool2D also ignores the
// padding (it starts every window at -MaxFloat), so both agree on finite inputs.
func TestGorgoniaMaxPool2DPadding(t *testing.T) {
	x := optest.Dense(tensor.Float64, []float64{-5, -6, -7, -8}, 1, 1, 2, 2)
	got, _ := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return gorgonia.MaxPool2D(in[0], tensor.Shape{2, 2}, []int{1, 1}, []int{1, 1})
	}, x)
	if want := []float64{-5, -5, -6, -5, -5, -6, -7, -7, -8}; !slices.Equal(got, want) {
		t.Errorf("gorgonia.MaxPool2D: got %v, want %v", got, want)
	}
}

// TestPoolNaN checks PyTorch's NaN handling: a NaN anywhere in a window makes that output
// NaN, and the backward pass still runs (Gorgonia's MaxPool2D crashes on an all-NaN
// window) and sends the gradient to the NaN.
func TestPoolNaN(t *testing.T) {
	nan := math.NaN()
	for _, pf := range poolFuncs {
		for _, xv := range [][]float64{
			{nan, 1, 2, 3, 4, 5, 6, 7, 8},
			{nan, nan, 1, 2, nan, nan, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, // an all-NaN window
		} {
			side := int(math.Sqrt(float64(len(xv))))
			out, grads := optest.SumGrads(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return pf.f(in[0], [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})
			}, optest.Dense(tensor.Float64, xv, 1, 1, side, side))
			if !math.IsNaN(out[0]) || math.IsNaN(out[len(out)-1]) {
				t.Errorf("%s %v: output %v, want NaN only where a window holds a NaN", pf.name, xv, out)
			}
			if dx := grads[0]; !pf.avg && dx[0] != 1 {
				t.Errorf("%s %v: gradient %v, want the NaN window's gradient on element 0", pf.name, xv, dx)
			}
		}
	}
}

func TestPoolGradients(t *testing.T) {
	cases := []poolCase{
		{[4]int{1, 1, 4, 4}, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}},
		{[4]int{2, 2, 5, 5}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}},
		{[4]int{1, 2, 4, 6}, [2]int{2, 3}, [2]int{0, 1}, [2]int{2, 3}},
		{[4]int{1, 1, 6, 5}, [2]int{3, 2}, [2]int{1, 1}, [2]int{1, 1}},
		{[4]int{2, 1, 7, 7}, [2]int{4, 4}, [2]int{2, 1}, [2]int{3, 2}},
	}
	for i, c := range cases {
		// A permutation of distinct values spaced 1/n apart: no ties in any max window,
		// and no finite-difference step crosses from one maximum to another.
		size := c.x[0] * c.x[1] * c.x[2] * c.x[3]
		rng := rand.New(rand.NewPCG(uint64(i), 11))
		x := tensor.New(tensor.WithShape(c.x[:]...), tensor.Of(tensor.Float64))
		for j, p := range rng.Perm(size) {
			x.Data().([]float64)[j] = float64(p)/float64(size) - 0.5
		}
		for _, pf := range poolFuncs {
			err := optest.GradCheck([]*tensor.Dense{x}, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return pf.f(in[0], c.kernel, c.pad, c.stride)
			}, 1e-6, uint64(i))
			if err != nil {
				t.Errorf("case %d %s: %v", i, pf.name, err)
			}
		}
	}
}

// TestPoolGradientThroughGraph checks the backward pass inside a bigger expression, with
// Float32 values, against the gradient worked out by hand: for avg pooling every input
// pixel receives 1/(kh*kw) per window it belongs to.
func TestPoolGradientThroughGraph(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NodeFromAny(g, arange16(tensor.Float32), gorgonia.WithName("x"))
	y, err := AvgPool2D(x, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	_, grads := optest.SumGrad(t, y, x)
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	for run := range 2 { // a second run reuses the preallocated values
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		// windows start at rows/cols -1 and 1 and cover 3: rows 0,1 (window 0), 1,2,3 (window 1).
		perAxis := []float64{1, 2, 1, 1}
		got := optest.Floats(t, grads[0].Value())
		for r := range 4 {
			for c := range 4 {
				want := perAxis[r] * perAxis[c] / 9
				if math.Abs(got[r*4+c]-want) > 1e-6 {
					t.Fatalf("run %d: dx[%d,%d] = %v, want %v", run, r, c, got[r*4+c], want)
				}
			}
		}
		m.Reset()
	}
}

// TestGorgoniaAveragePool2DDefect documents the defect that made the project write its own
// AvgPool2D: on the 4x4 input 0..15 with a 3x1 window and stride 1, Gorgonia's
// AveragePool2D returns 3 for the first window, whose mean is (0+4+8)/3 = 4, because it
// divides by the input width. If this test fails, Gorgonia has changed: re-check it.
func TestGorgoniaAveragePool2DDefect(t *testing.T) {
	got, shape := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return gorgonia.AveragePool2D(in[0], tensor.Shape{3, 1}, []int{0, 0}, []int{1, 1})
	}, arange16(tensor.Float64))
	if !shape.Eq(tensor.Shape{1, 1, 2, 4}) {
		t.Fatalf("shape %v, want (1, 1, 2, 4)", shape)
	}
	if got[0] != 3 || got[1] != 3.75 {
		t.Errorf("gorgonia.AveragePool2D now gives %v; it gave [3 3.75 ...] (defect). Re-check it", got)
	}
	ours, _ := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return AvgPool2D(in[0], [2]int{3, 1}, [2]int{0, 0}, [2]int{1, 1})
	}, arange16(tensor.Float64))
	if want := []float64{4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(ours, want) {
		t.Errorf("AvgPool2D: got %v, want %v", ours, want)
	}
}

func TestPoolErrors(t *testing.T) {
	g := gorgonia.NewGraph()
	mk := func(dt tensor.Dtype, name string, shape ...int) *gorgonia.Node {
		return gorgonia.NewTensor(g, dt, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name))
	}
	x := mk(tensor.Float32, "x", 1, 2, 4, 4)
	two := [2]int{2, 2}
	zero := [2]int{0, 0}
	cases := []struct {
		name                string
		x                   *gorgonia.Node
		kernel, pad, stride [2]int
		want                string
	}{
		{"nil", nil, two, zero, two, "x is a nil node"},
		{"int", mk(tensor.Int, "xi", 1, 2, 4, 4), two, zero, two, "x has dtype int; want float32 or float64"},
		{"rank 2", mk(tensor.Float32, "x2", 4, 4), two, zero, two, "x must be 4-D (n, c, h, w), got shape (4, 4)"},
		{"zero kernel", x, [2]int{0, 2}, zero, two, "height must be at least 1"},
		{"zero stride", x, two, zero, [2]int{2, 0}, "width stride must be at least 1"},
		{"negative pad", x, two, [2]int{-1, 0}, two, "height padding must not be negative"},
		{"pad over half", x, [2]int{3, 3}, [2]int{1, 2}, two, "at most half the kernel"},
		{"kernel too big", x, [2]int{5, 2}, zero, two, "larger than the padded input"},
	}
	for _, c := range cases {
		for _, pf := range poolFuncs {
			y, err := pf.f(c.x, c.kernel, c.pad, c.stride)
			if err == nil {
				t.Errorf("%s %s: no error, got %v", pf.name, c.name, y.Shape())
				continue
			}
			if !strings.HasPrefix(err.Error(), "graph: "+pf.name+": ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: error %q, want it to contain %q", pf.name, c.name, err, c.want)
			}
		}
	}
}

// TestPool4DOpDoErrors checks that the ops reject bad values at run time with errors.
func TestPool4DOpDoErrors(t *testing.T) {
	win := geom.Window{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}}
	op := opkit.New(pool4D(pool4DAvg, win))
	cases := []struct {
		name string
		in   []gorgonia.Value
		want string
	}{
		{"arity", nil, "graph: AvgPool2D: want 1 inputs, got 0"},
		{"rank", []gorgonia.Value{tensor.New(tensor.WithShape(4, 4), tensor.Of(tensor.Float64))}, "graph: AvgPool2D: x: want a 4-D value, got shape (4, 4)"},
		{"dtype", []gorgonia.Value{tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.Of(tensor.Int))}, "graph: AvgPool2D: x: value has dtype int; want float32 or float64"},
		{"too small", []gorgonia.Value{tensor.New(tensor.WithShape(1, 1, 1, 4), tensor.Of(tensor.Float64))}, "graph: AvgPool2D: kernel 2x2 is larger than the padded input 1x4"},
	}
	for _, c := range cases {
		if _, err := op.Do(c.in...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	x := tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.Of(tensor.Float64))
	if _, err := op.UsePreallocDo(tensor.New(tensor.WithShape(1, 1, 3, 2), tensor.Of(tensor.Float64)), x); err == nil ||
		!strings.Contains(err.Error(), "does not fit") {
		t.Errorf("prealloc of the wrong shape: error %v", err)
	}
	grad := opkit.New(pool4DGrad(pool4DAvg, win))
	if _, err := grad.Do(x, tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.Of(tensor.Float64))); err == nil ||
		!strings.Contains(err.Error(), "output gradient") {
		t.Errorf("gradient of the wrong shape: error %v", err)
	}
}

// BenchmarkPool2D times the ops' forward and backward pass at LeNet's pooling shapes
// (batch 256, Float32), average and max, with 2x2 windows and stride 2 and with 3x3
// windows, stride 2 and padding 1, on several goroutines and on one.
func BenchmarkPool2D(b *testing.B) {
	wins := []geom.Window{
		{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}},
		{Kernel: [2]int{3, 3}, Pad: [2]int{1, 1}, Stride: [2]int{2, 2}},
	}
	for _, kind := range []pool4DKind{pool4DAvg, pool4DMax} {
		for _, shape := range [][4]int{{256, 6, 28, 28}, {256, 16, 10, 10}} {
			for k, serial := range []bool{false, true, false, true} {
				win := wins[k/2]
				name := fmt.Sprintf("%v/%dx%dx%dx%d/k%dp%ds%d", kind, shape[0], shape[1], shape[2], shape[3], win.Kernel[0], win.Pad[0], win.Stride[0])
				if serial {
					name += "/serial"
				} else {
					name += "/parallel"
				}
				b.Run(name, func(b *testing.B) {
					if serial {
						defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
					}
					op, grad := opkit.New(pool4D(kind, win)), opkit.New(pool4DGrad(kind, win))
					rng := rand.New(rand.NewPCG(1, 2))
					x := optest.Dense(tensor.Float32, randomValues(rng, shape[0]*shape[1]*shape[2]*shape[3]), shape[:]...)
					ys, _ := op.InferShape(x.Shape())
					y := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(ys...))
					dx := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(x.Shape().Clone()...))
					for b.Loop() {
						if _, err := op.UsePreallocDo(y, x); err != nil {
							b.Fatal(err)
						}
						if _, err := grad.UsePreallocDo(dx, x, y); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// TestMaxPool2DTies checks that, like PyTorch, a window with several equal maxima sends
// its gradient to the first of them in row-major order.
func TestMaxPool2DTies(t *testing.T) {
	_, grads := optest.SumGrads(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return MaxPool2D(in[0], [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})
	}, optest.Dense(tensor.Float64, []float64{1, 3, 3, 3, 3, 0, 3, 0, 3}, 1, 1, 3, 3))
	// windows: (0,0) -> 3 first at index 1; (0,1) -> index 1; (1,0) -> index 3; (1,1) -> index 4
	want := []float64{0, 2, 0, 1, 1, 0, 0, 0, 0}
	if !slices.Equal(grads[0], want) {
		t.Errorf("gradient %v, want %v", grads[0], want)
	}
}

// TestPoolLispMachine checks the DoDiff path (Gorgonia's LispMachine) against the
// symbolic gradient run on a TapeMachine.
func TestPoolLispMachine(t *testing.T) {
	x := optest.RandomTensor(5, 2, 3, 6, 5)
	for _, pf := range poolFuncs {
		f := func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return pf.f(in[0], [2]int{3, 2}, [2]int{1, 1}, [2]int{2, 1})
		}
		tape := optest.Grads(t, optest.Tape, f, 6, x)
		lisp := optest.Grads(t, optest.Lisp, f, 6, x)
		optest.Close(t, pf.name, lisp[0], tape[0], 1e-12)
	}
}

// TestAvgPool2x2FastPath covers the 2x2, stride-2, unpadded average pooling path on even
// and odd planes (an odd last row or column belongs to no window, so its gradient is
// zero): values against the naive loops in both dtypes, gradients against finite
// differences.
func TestAvgPool2x2FastPath(t *testing.T) {
	two, none := [2]int{2, 2}, [2]int{0, 0}
	for i, xs := range [][4]int{{2, 3, 4, 6}, {1, 2, 5, 7}, {3, 1, 7, 4}, {1, 1, 3, 3}, {2, 2, 2, 2}} {
		vals := optest.Random(uint64(600+i), xs[0]*xs[1]*xs[2]*xs[3])
		want, ws := naivePool4D(true, vals, xs, two, none, two)
		for _, dt := range optest.Dtypes {
			name := fmt.Sprintf("case %d %v %v", i, xs, dt)
			got, gs := optest.Run(t, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
				return AvgPool2D(in[0], two, none, two)
			}, optest.Dense(dt, vals, xs[:]...))
			if !gs.Eq(tensor.Shape(ws[:])) {
				t.Fatalf("%s: shape %v, want %v", name, gs, ws)
			}
			tol := 1e-15
			if dt == tensor.Float32 {
				tol = 1e-6
			}
			optest.Close(t, name, got, want, tol)
		}
		err := optest.GradCheck([]*tensor.Dense{optest.Dense(tensor.Float64, vals, xs[:]...)}, func(_ *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return AvgPool2D(in[0], two, none, two)
		}, 1e-6, uint64(i))
		if err != nil {
			t.Errorf("case %d %v: %v", i, xs, err)
		}
	}
}

// TestAvgPool2x2BackwardOverwrites: the gradient op overwrites every element of a
// preallocated value, the pixels no window covers included.
func TestAvgPool2x2BackwardOverwrites(t *testing.T) {
	grad := opkit.New(pool4DGrad(pool4DAvg, geom.Window{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}}))
	x := optest.Dense(tensor.Float32, optest.Random(7, 35), 1, 1, 5, 7)
	gy := optest.Dense(tensor.Float32, optest.Arange(6, 1), 1, 1, 2, 3)
	pre := optest.Dense(tensor.Float32, make([]float64, 35), 1, 1, 5, 7)
	for i := range pre.Data().([]float32) {
		pre.Data().([]float32)[i] = 99
	}
	got, err := grad.UsePreallocDo(pre, x, gy)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 35)
	for i := range 2 {
		for j := range 3 {
			for u := range 2 {
				for v := range 2 {
					want[(2*i+u)*7+2*j+v] = float64(i*3+j+1) / 4
				}
			}
		}
	}
	optest.Close(t, "dx", optest.Floats(t, got), want, 0)
}
