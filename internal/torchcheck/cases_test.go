package torchcheck

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

// opCase is one op in one configuration, in float64; run makes it a record in a dtype.
type opCase struct {
	name  string // without the dtype
	op    string // what torch_ops_check.py recomputes
	attrs map[string]any
	in    []named // differentiated, in argument order
	data  []named // not differentiated
	build func(in, data []*gorgonia.Node) (*gorgonia.Node, error)
	// homogeneous: see record.
	homogeneous [][]int
}

// run computes c in dt: the output and the gradients of sum(y ⊙ R), R drawn from a seed
// of the case's index (optest.Grads's reduction, which draws R the same way).
func (c opCase) run(t *testing.T, dt tensor.Dtype, index int) *record {
	t.Helper()
	seed := uint64(1000 + index)
	r := &record{
		meta: caseMeta{
			Name: c.name + " " + dt.String(), Op: c.op, DType: dtypeName(dt), Prefix: fmt.Sprintf("c%03d/", index),
			Attrs: c.attrs, Inputs: names(c.in), Data: names(c.data), Outputs: []string{"y"},
		},
		homogeneous: c.homogeneous,
	}
	ins := make([]*tensor.Dense, len(c.in))
	for i, n := range c.in {
		ins[i] = optest.Dense(dt, n.v, n.shape...)
		r.in = append(r.in, named{n.name, n.shape, rounded(dt, n.v)})
	}
	for _, n := range c.data {
		r.data = append(r.data, named{n.name, n.shape, rounded(dt, n.v)})
	}
	f := func(g *gorgonia.ExprGraph, nodes []*gorgonia.Node) (*gorgonia.Node, error) {
		data := make([]*gorgonia.Node, len(c.data))
		for i, n := range c.data {
			data[i] = gorgonia.NodeFromAny(g, optest.Dense(dt, n.v, n.shape...), gorgonia.WithName("data_"+n.name))
		}
		return c.build(nodes, data)
	}
	y, shape := optest.Run(t, f, ins...)
	r.out = []named{{"y", []int(shape), y}}
	r.r = named{"r", []int(shape), []float64{1}}
	if !shape.IsScalar() {
		r.r.v = rounded(dt, optest.Random(seed, len(y)))
	}
	for i, g := range optest.Grads(t, optest.Tape, f, seed, ins...) {
		r.grad = append(r.grad, named{c.in[i].name, c.in[i].shape, g})
	}
	return r
}

// names lists the tensors' names.
func names(ns []named) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.name
	}
	return out
}

// shapeText is a shape as case names write it: 2,3,7,9.
func shapeText(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}

// newCase names c after its op label, its inputs' shapes and extra (the settings).
func newCase(label, op string, attrs map[string]any, extra string, in []named, build func(in, data []*gorgonia.Node) (*gorgonia.Node, error), homogeneous ...[]int) opCase {
	parts := []string{label}
	for _, n := range in {
		parts = append(parts, fmt.Sprintf("%s(%s)", n.name, shapeText(n.shape)))
	}
	if extra != "" {
		parts = append(parts, extra)
	}
	return opCase{name: strings.Join(parts, " "), op: op, attrs: attrs, in: in, build: build, homogeneous: homogeneous}
}

// uniform is a named tensor of values uniform in [-a, a) from seed.
func uniform(name string, seed uint64, a float64, shape ...int) named {
	return named{name, shape, optest.Uniform(seed, tensor.Shape(shape).TotalSize(), a)}
}

// distinct is a named tensor of distinct values, multiples of 1/8 (exact in float32) in
// a random order: no pooling window has two maxima.
func distinct(name string, seed uint64, shape ...int) named {
	n := tensor.Shape(shape).TotalSize()
	v := make([]float64, n)
	for i, p := range rand.New(rand.NewPCG(seed, 3)).Perm(n) {
		v[i] = float64(p-n/2) / 8
	}
	return named{name, shape, v}
}

// ties is a named tensor of the values 0, 1 and 2 only: windows with several maxima.
func ties(name string, seed uint64, shape ...int) named {
	rng := rand.New(rand.NewPCG(seed, 4))
	v := make([]float64, tensor.Shape(shape).TotalSize())
	for i := range v {
		v[i] = float64(rng.IntN(3))
	}
	return named{name, shape, v}
}

// two calls f on the first two inputs.
func two(f func(a, b *gorgonia.Node) (*gorgonia.Node, error)) func(in, _ []*gorgonia.Node) (*gorgonia.Node, error) {
	return func(in, _ []*gorgonia.Node) (*gorgonia.Node, error) { return f(in[0], in[1]) }
}

// one calls f on the first input.
func one(f func(a *gorgonia.Node) (*gorgonia.Node, error)) func(in, _ []*gorgonia.Node) (*gorgonia.Node, error) {
	return func(in, _ []*gorgonia.Node) (*gorgonia.Node, error) { return f(in[0]) }
}

// opCases lists every op case (the LeNet ones are in lenet_test.go).
func opCases() []opCase {
	return slices.Concat(chapterCases(), poolCases(), convCases(), nnCases())
}

// first and second are the homogeneous groups of one input: out is linear (or positively
// homogeneous) in it alone.
var first, second = []int{0}, []int{1}

// chapterCases: the corr2d family of sections 2 and 4.
func chapterCases() []opCase {
	var cs []opCase
	for i, s := range [][4]int{{6, 8, 1, 2}, {7, 5, 3, 3}, {5, 6, 2, 4}, {3, 4, 3, 4}} {
		in := []named{uniform("x", uint64(10+i), 1, s[0], s[1]), uniform("k", uint64(20+i), 1, s[2], s[3])}
		cs = append(cs, newCase("Corr2D", "corr2d", nil, "", in, two(graph.Corr2D), first, second))
	}
	for i, s := range [][4]int{{6, 8, 1, 2}, {7, 9, 3, 2}} {
		in := []named{uniform("x", uint64(30+i), 1, s[0], s[1]), uniform("k", uint64(40+i), 1, s[2], s[3])}
		cs = append(cs, newCase("Corr2DMatMul", "corr2d_matmul", nil, "", in, two(graph.Corr2DMatMul), first, second))
	}
	for i, s := range [][5]int{{2, 3, 3, 2, 2}, {3, 7, 6, 3, 2}} {
		in := []named{uniform("x", uint64(50+i), 1, s[0], s[1], s[2]), uniform("k", uint64(60+i), 1, s[0], s[3], s[4])}
		cs = append(cs, newCase("Corr2DMultiIn", "corr2d_multi_in", nil, "", in, two(graph.Corr2DMultiIn), first, second))
	}
	for i, s := range [][6]int{{3, 2, 3, 3, 2, 2}, {4, 3, 6, 5, 1, 1}, {3, 2, 7, 8, 3, 2}} {
		in := []named{uniform("x", uint64(70+i), 1, s[1], s[2], s[3]), uniform("k", uint64(80+i), 1, s[0], s[1], s[4], s[5])}
		cs = append(cs, newCase("Corr2DMultiInOut", "corr2d_multi_in_out", nil, "", in, two(graph.Corr2DMultiInOut), first, second))
	}
	return cs
}

// poolCases: the chapter's Pool2D (stride 1) in its three modes, and MaxPool2D and
// AvgPool2D with padding and strides.
func poolCases() []opCase {
	var cs []opCase
	for _, mode := range []graph.PoolMode{graph.Max, graph.Avg, graph.Min} {
		for i, s := range [][4]int{{3, 3, 2, 2}, {6, 7, 2, 3}, {5, 4, 3, 1}} {
			in := []named{distinct("x", uint64(100+i), s[0], s[1])}
			attrs := map[string]any{"mode": mode.String(), "window": []int{s[2], s[3]}}
			cs = append(cs, newCase("Pool2D "+mode.String(), "pool2d", attrs, fmt.Sprintf("window(%d,%d)", s[2], s[3]), in, one(func(x *gorgonia.Node) (*gorgonia.Node, error) {
				return graph.Pool2D(x, s[2], s[3], mode)
			}), first))
		}
		if mode != graph.Avg {
			in := []named{ties("x", 110, 6, 7)}
			attrs := map[string]any{"mode": mode.String(), "window": []int{2, 3}}
			cs = append(cs, newCase("Pool2D "+mode.String()+" ties", "pool2d", attrs, "window(2,3)", in, one(func(x *gorgonia.Node) (*gorgonia.Node, error) {
				return graph.Pool2D(x, 2, 3, mode)
			}), first))
		}
	}
	type cfg struct {
		x                   [4]int
		kernel, pad, stride [2]int
	}
	cfgs := []cfg{
		{[4]int{1, 1, 4, 4}, [2]int{3, 3}, [2]int{0, 0}, [2]int{3, 3}}, // the chapter's pool2d(X, 3)
		{[4]int{1, 1, 4, 4}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}},
		{[4]int{1, 1, 4, 4}, [2]int{2, 3}, [2]int{0, 1}, [2]int{2, 3}},
		{[4]int{2, 2, 4, 4}, [2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}}, // two channels, two images
		{[4]int{2, 3, 7, 6}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1}}, // overlapping windows
		{[4]int{2, 3, 7, 6}, [2]int{3, 2}, [2]int{1, 1}, [2]int{2, 1}},
		{[4]int{3, 6, 28, 28}, [2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}}, // LeNet's
		{[4]int{2, 2, 9, 8}, [2]int{3, 3}, [2]int{1, 0}, [2]int{2, 3}},   // a remainder left out
	}
	for i, c := range cfgs {
		extra := fmt.Sprintf("kernel(%d,%d) pad(%d,%d) stride(%d,%d)", c.kernel[0], c.kernel[1], c.pad[0], c.pad[1], c.stride[0], c.stride[1])
		attrs := map[string]any{"kernel": c.kernel[:], "pad": c.pad[:], "stride": c.stride[:]}
		x := distinct("x", uint64(120+i), c.x[:]...)
		cs = append(cs,
			newCase("MaxPool2D", "max_pool2d", attrs, extra, []named{x}, one(func(x *gorgonia.Node) (*gorgonia.Node, error) {
				return graph.MaxPool2D(x, c.kernel, c.pad, c.stride)
			}), first),
			newCase("AvgPool2D", "avg_pool2d", attrs, extra, []named{uniform("x", uint64(130+i), 1, c.x[:]...)}, one(func(x *gorgonia.Node) (*gorgonia.Node, error) {
				return graph.AvgPool2D(x, c.kernel, c.pad, c.stride)
			}), first))
	}
	tie := cfg{[4]int{2, 2, 6, 7}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 2}}
	attrs := map[string]any{"kernel": tie.kernel[:], "pad": tie.pad[:], "stride": tie.stride[:]}
	cs = append(cs, newCase("MaxPool2D ties", "max_pool2d", attrs, "kernel(3,3) pad(1,1) stride(1,2)", []named{ties("x", 140, tie.x[:]...)},
		one(func(x *gorgonia.Node) (*gorgonia.Node, error) {
			return graph.MaxPool2D(x, tie.kernel, tie.pad, tie.stride)
		}), first))
	return cs
}

// convCase is one convolution configuration: x (n, c, h, w), w (co, c, kh, kw).
type convCase struct {
	x, w        [4]int
	pad, stride [2]int
	bias        int // FusedConv2D's bias rank: 0 none, 1 (co), 4 (1, co, 1, 1)
}

var convCfgs = []convCase{
	{[4]int{1, 1, 8, 8}, [4]int{1, 1, 3, 3}, [2]int{1, 1}, [2]int{1, 1}, 1}, // the chapter's examples
	{[4]int{1, 1, 8, 8}, [4]int{1, 1, 5, 3}, [2]int{2, 1}, [2]int{1, 1}, 4},
	{[4]int{1, 1, 8, 8}, [4]int{1, 1, 3, 3}, [2]int{1, 1}, [2]int{2, 2}, 0},
	{[4]int{1, 1, 8, 8}, [4]int{1, 1, 3, 5}, [2]int{0, 1}, [2]int{3, 4}, 1},
	{[4]int{2, 3, 7, 9}, [4]int{4, 3, 2, 3}, [2]int{1, 0}, [2]int{1, 2}, 1},
	{[4]int{3, 2, 6, 6}, [4]int{5, 2, 1, 1}, [2]int{0, 0}, [2]int{2, 2}, 0},
	{[4]int{7, 3, 5, 6}, [4]int{2, 3, 3, 2}, [2]int{0, 2}, [2]int{1, 1}, 4},    // stride 1, several images per product
	{[4]int{3, 1, 28, 28}, [4]int{6, 1, 5, 5}, [2]int{2, 2}, [2]int{1, 1}, 1},  // LeNet's first layer
	{[4]int{3, 6, 14, 14}, [4]int{16, 6, 5, 5}, [2]int{0, 0}, [2]int{1, 1}, 4}, // and its second
}

// convCases: graph.Conv2D (Gorgonia's Conv2d) and nn.FusedConv2D, with and without bias.
func convCases() []opCase {
	var cs []opCase
	for i, c := range convCfgs {
		extra := fmt.Sprintf("pad(%d,%d) stride(%d,%d)", c.pad[0], c.pad[1], c.stride[0], c.stride[1])
		attrs := map[string]any{"pad": c.pad[:], "stride": c.stride[:]}
		x, w := uniform("x", uint64(200+i), 1, c.x[:]...), uniform("w", uint64(220+i), 0.5, c.w[:]...)
		cs = append(cs, newCase("Conv2D", "conv2d", attrs, extra, []named{x, w}, two(func(x, w *gorgonia.Node) (*gorgonia.Node, error) {
			return graph.Conv2D(x, w, c.pad, c.stride)
		}), first, second))
		in := []named{x, w}
		groups := [][]int{first, second}
		if c.bias > 0 {
			shape := []int{c.w[0]}
			if c.bias == 4 {
				shape = []int{1, c.w[0], 1, 1}
			}
			in, groups = append(in, uniform("b", uint64(240+i), 1, shape...)), [][]int{{1, 2}}
		}
		cs = append(cs, newCase("FusedConv2D", "fused_conv2d", attrs, extra, in, func(in, _ []*gorgonia.Node) (*gorgonia.Node, error) {
			var b *gorgonia.Node
			if len(in) == 3 {
				b = in[2]
			}
			return nn.FusedConv2D(in[0], in[1], b, c.pad, c.stride)
		}, groups...))
	}
	return cs
}

// nnCases: the activations, Dense, Flatten and SoftmaxCrossEntropy of package nn.
func nnCases() []opCase {
	var cs []opCase
	acts := []struct {
		label, op string
		f         func(*gorgonia.Node) (*gorgonia.Node, error)
		group     [][]int // ReLU is positively homogeneous
	}{{"ReLU", "relu", nn.ReLU, [][]int{first}}, {"Sigmoid", "sigmoid", nn.Sigmoid, nil}, {"Tanh", "tanh", nn.Tanh, nil}}
	// Ranks 1 to 4, one tensor large enough for the parallel path, and the special values:
	// exact zeros (the gradient there is 0) and saturation.
	special := named{"x", []int{12}, []float64{0, -0.0, 1e-3, -1e-3, 4, -4, 20, -20, 40, -40, 100, -100}}
	for _, a := range acts {
		for i, s := range [][]int{{7}, {3, 5}, {2, 3, 4}, {2, 3, 5, 4}, {3, 7, 29, 31}} {
			cs = append(cs, newCase(a.label, a.op, nil, "", []named{uniform("x", uint64(300+i), 8, s...)}, one(a.f), a.group...))
		}
		label := a.label + " saturation"
		if a.op == "relu" {
			label = a.label + " zeros"
		}
		cs = append(cs, newCase(label, a.op, nil, "", []named{special}, one(a.f), a.group...))
	}
	for i, s := range [][3]int{{4, 5, 3}, {37, 400, 120}, {6, 7, 9}} {
		x, w := uniform("x", uint64(320+i), 1, s[0], s[1]), uniform("w", uint64(330+i), 0.3, s[1], s[2])
		if i == 2 {
			cs = append(cs, newCase("Dense", "dense", nil, "", []named{x, w}, two(func(x, w *gorgonia.Node) (*gorgonia.Node, error) {
				return nn.Dense(x, w, nil)
			}), first, second))
			continue
		}
		in := []named{x, w, uniform("b", uint64(340+i), 1, s[2])}
		cs = append(cs, newCase("Dense", "dense", nil, "", in, func(in, _ []*gorgonia.Node) (*gorgonia.Node, error) {
			return nn.Dense(in[0], in[1], in[2])
		}, []int{1, 2}))
	}
	for i, s := range [][]int{{2, 3, 4, 5}, {3, 16, 5, 5}, {4, 7}} {
		cs = append(cs, newCase("Flatten", "flatten", nil, "", []named{uniform("x", uint64(350+i), 1, s...)}, one(nn.Flatten), first))
	}
	return append(cs, xentCases()...)
}

// xentCases: SoftmaxCrossEntropy as the trainer uses it (one-hot targets, weights 1/n on
// the first n rows of a batch, 0 after), with soft targets and uneven weights, and with
// logits in the thousands (the row maximum must be subtracted first).
func xentCases() []opCase {
	onehot := func(seed uint64, rows, classes int) named {
		rng := rand.New(rand.NewPCG(seed, 5))
		v := make([]float64, rows*classes)
		for i := range rows {
			v[i*classes+rng.IntN(classes)] = 1
		}
		return named{"targets", []int{rows, classes}, v}
	}
	soft := func(seed uint64, rows, classes int) named {
		v := optest.Uniform(seed, rows*classes, 1)
		for i := range rows {
			row := v[i*classes : (i+1)*classes]
			var s float64
			for j := range row {
				row[j] = row[j] + 1 // in [0, 2)
				s += row[j]
			}
			for j := range row {
				row[j] /= s
			}
		}
		return named{"targets", []int{rows, classes}, v}
	}
	mean := make([]float64, 8)
	for i := range 5 {
		mean[i] = 0.2
	}
	cfgs := []struct {
		label           string
		logits, targets named
		weights         []float64
	}{
		{"trainer", uniform("logits", 360, 3, 8, 10), onehot(361, 8, 10), mean},
		{"soft targets", uniform("logits", 362, 3, 4, 5), soft(363, 4, 5), []float64{0.25, 0.5, 0, 1}},
		{"large logits", uniform("logits", 364, 1000, 6, 10), onehot(365, 6, 10), []float64{1, 1, 1, 1, 1, 1}},
	}
	var cs []opCase
	for _, c := range cfgs {
		oc := newCase("SoftmaxCrossEntropy "+c.label, "softmax_cross_entropy", nil, "", []named{c.logits}, func(in, data []*gorgonia.Node) (*gorgonia.Node, error) {
			return nn.SoftmaxCrossEntropy(in[0], data[0], data[1])
		})
		oc.data = []named{c.targets, {"weights", []int{len(c.weights)}, c.weights}}
		cs = append(cs, oc)
	}
	return cs
}
