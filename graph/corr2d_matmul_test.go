package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
)

var corr2dMatMulFunc = optest.Binary(Corr2DMatMul)

// The unrolled matrix of the chapter's 3x3 input and a 2x2 window, row by row.
func TestCorr2DIm2ColLayout(t *testing.T) {
	f := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
		return opkit.Apply(im2col(2, 2), in[0])
	}
	for _, dt := range optest.Dtypes {
		got, shape := optest.Run(t, f, optest.Dense(dt, optest.Arange(9, 0), 3, 3))
		if !shape.Eq(tensor.Shape{4, 4}) {
			t.Errorf("%v: shape %v, want (4, 4)", dt, shape)
		}
		optest.Close(t, dt.String(), got, []float64{
			0, 1, 3, 4,
			1, 2, 4, 5,
			3, 4, 6, 7,
			4, 5, 7, 8,
		}, 0)
	}
}

// runBoth returns Corr2D and Corr2DMatMul of the same inputs.
func ctRunBoth(t *testing.T, dt tensor.Dtype, x []float64, h, w int, k []float64, kh, kw int) (direct, matmul []float64) {
	t.Helper()
	direct, _ = optest.Run(t, corr2dFunc, optest.Dense(dt, x, h, w), optest.Dense(dt, k, kh, kw))
	matmul, _ = optest.Run(t, corr2dMatMulFunc, optest.Dense(dt, x, h, w), optest.Dense(dt, k, kh, kw))
	return direct, matmul
}

// On small random integers every product and every partial sum is an integer far
// below 2^24, exactly representable in float32 and float64, so the order in which BLAS
// adds a window up cannot matter: the two methods must agree bit for bit (tolerance 0).
func TestCorr2DMatMulEqualsCorr2DOnIntegers(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	ints := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(rng.IntN(19) - 9)
		}
		return v
	}
	for i, s := range append(ctShapeCases, [4]int{32, 40, 5, 3}) {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		x, k := ints(h*w), ints(kh*kw)
		for _, dt := range optest.Dtypes {
			direct, matmul := ctRunBoth(t, dt, x, h, w, k, kh, kw)
			optest.Close(t, fmt.Sprintf("case %d %v/%v", i, s, dt), matmul, direct, 0)
		}
	}
}

// On arbitrary floats Corr2D sums each window left to right while BLAS may split the
// dot product over several accumulators, so the results may differ by rounding. Both
// are within the classic bound for a dot product of n = kh·kw terms,
// |error| ≤ n·ε·Σ|x·k|, of the exact value, so they differ by at most twice that; the
// test allows exactly that much (ε = 2^-52 or 2^-23).
func TestCorr2DMatMulEqualsCorr2DOnFloats(t *testing.T) {
	for i, s := range append(ctShapeCases, [4]int{32, 40, 5, 3}) {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		x, k := optest.Random(uint64(30+i), h*w), optest.Random(uint64(70+i), kh*kw)
		// Σ|x·k| per output, via the reference loop on absolute values.
		ax, ak := make([]float64, len(x)), make([]float64, len(k))
		for j := range x {
			ax[j] = math.Abs(x[j])
		}
		for j := range k {
			ak[j] = math.Abs(k[j])
		}
		mag := ctRefCorr2D(ax, h, w, ak, kh, kw)
		for _, dt := range optest.Dtypes {
			eps := 0x1p-52
			if dt == tensor.Float32 {
				eps = 0x1p-23
			}
			direct, matmul := ctRunBoth(t, dt, x, h, w, k, kh, kw)
			for j := range direct {
				bound := 2 * float64(kh*kw) * eps * mag[j]
				if d := math.Abs(direct[j] - matmul[j]); d > bound {
					t.Errorf("case %d %v/%v entry %d: Corr2D %v, Corr2DMatMul %v, |diff| %.3g > bound %.3g",
						i, s, dt, j, direct[j], matmul[j], d, bound)
				}
			}
		}
	}
}

func TestCorr2DMatMulGradients(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		in := []*tensor.Dense{optest.RandomTensor(uint64(800+i), h, w), optest.RandomTensor(uint64(900+i), kh, kw)}
		if err := optest.GradCheck(in, corr2dMatMulFunc, 1e-6, uint64(i)); err != nil {
			t.Errorf("case %d %v: %v", i, s, err)
		}
	}
}

// im2col and col2im are each other's adjoints, and each is differentiable.
func TestCorr2DIm2ColCol2ImGradients(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		fu := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return opkit.Apply(im2col(kh, kw), in[0])
		}
		ff := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return opkit.Apply(col2im(h, w, kh, kw), in[0])
		}
		if err := optest.GradCheck([]*tensor.Dense{optest.RandomTensor(uint64(i), h, w)}, fu, 1e-6, 1); err != nil {
			t.Errorf("im2col case %d %v: %v", i, s, err)
		}
		cs := []int{(h - kh + 1) * (w - kw + 1), kh * kw}
		if err := optest.GradCheck([]*tensor.Dense{optest.RandomTensor(uint64(i), cs...)}, ff, 1e-6, 1); err != nil {
			t.Errorf("col2im case %d %v: %v", i, s, err)
		}
	}
}

func TestCorr2DMatMulLispMachine(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		in := []*tensor.Dense{optest.RandomTensor(uint64(10+i), h, w), optest.RandomTensor(uint64(50+i), kh, kw)}
		tape := optest.Grads(t, optest.Tape, corr2dMatMulFunc, 6, in...)
		lisp := optest.Grads(t, optest.Lisp, corr2dMatMulFunc, 6, in...)
		for j := range tape {
			optest.Close(t, fmt.Sprintf("case %d %v input %d", i, s, j), lisp[j], tape[j], 1e-12)
		}
	}
}

// benchCorr times one forward pass of build on a 256x256 input and a 3x3 kernel.
func benchCorr(b *testing.B, build func(x, k *gorgonia.Node) (*gorgonia.Node, error)) {
	for _, dt := range optest.Dtypes {
		b.Run(dt.String(), func(b *testing.B) {
			g := gorgonia.NewGraph()
			x := gorgonia.NodeFromAny(g, optest.Dense(dt, optest.Random(1, 256*256), 256, 256), gorgonia.WithName("x"))
			k := gorgonia.NodeFromAny(g, optest.Dense(dt, optest.Random(2, 9), 3, 3), gorgonia.WithName("k"))
			if _, err := build(x, k); err != nil {
				b.Fatal(err)
			}
			m := gorgonia.NewTapeMachine(g)
			defer m.Close()
			optest.Loop(b, m)
		})
	}
}

// BenchmarkCorr2D is one forward Corr2D of a 256x256 input with a 3x3 kernel.
func BenchmarkCorr2D(b *testing.B) { benchCorr(b, Corr2D) }

// BenchmarkCorr2DMatMul is the same computation as im2col + BLAS matrix-vector product.
func BenchmarkCorr2DMatMul(b *testing.B) { benchCorr(b, Corr2DMatMul) }

// Gorgonia's own Im2Col (which its Conv2d builds on) agrees with this package's
// im2col on a single-channel image, and its gradient passes the finite-difference
// check, with and without padding and stride. Corr2DMatMul does not use it; the test
// records that it was checked.
func TestGorgoniaIm2ColAgrees(t *testing.T) {
	for i, s := range ctShapeCases {
		h, w, kh, kw := s[0], s[1], s[2], s[3]
		x := optest.Random(uint64(i), h*w)
		ours, _ := optest.Run(t, func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return opkit.Apply(im2col(kh, kw), in[0])
		}, optest.Dense(tensor.Float64, x, h, w))
		theirs, shape := optest.Run(t, func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Im2Col(in[0], tensor.Shape{kh, kw}, tensor.Shape{0, 0}, tensor.Shape{1, 1}, tensor.Shape{1, 1})
		}, optest.Dense(tensor.Float64, x, 1, 1, h, w))
		if want := (tensor.Shape{1, h - kh + 1, w - kw + 1, kh * kw}); !shape.Eq(want) {
			t.Errorf("case %d %v: gorgonia.Im2Col shape %v, want %v", i, s, shape, want)
		}
		optest.Close(t, fmt.Sprintf("case %d %v", i, s), theirs, ours, 0)
		padded := func(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
			return gorgonia.Im2Col(in[0], tensor.Shape{kh, kw}, tensor.Shape{1, 1}, tensor.Shape{2, 1}, tensor.Shape{1, 1})
		}
		if err := optest.GradCheck([]*tensor.Dense{optest.RandomTensor(uint64(i), 2, 3, h, w)}, padded, 1e-6, 1); err != nil {
			t.Errorf("case %d %v: gorgonia.Im2Col gradient: %v", i, s, err)
		}
	}
}
