package opkit

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Float is the element type of the values the ops compute on.
type Float interface{ ~float32 | ~float64 }

// Input describes one operand of an op.
type Input struct {
	// Name names the operand in messages: "x", "kernel", "w".
	Name string
	// Rank is the number of dimensions, 0 for a scalar.
	Rank int
	// DimNames says what the dimensions are, for messages: "(n, c, h, w)".
	DimNames string
	// Data marks an operand that is not differentiated (targets, weights): Grad
	// returns nil for it.
	Data bool
}

// OpSpec describes an op. Build one per set of parameters; Apply makes a node of it.
type OpSpec struct {
	// Name is the op's name, the start of its messages: "Corr2D".
	Name string
	// Params describes the parameters that are not in the inputs' shapes ("max, 2x2");
	// the op's String is Name(Params), and its hash covers both.
	Params string
	// In describes the operands, in order.
	In []Input
	// OutRank is the rank of the result, 0 for a scalar.
	OutRank int
	// Shape returns the result's shape for operands of the given shapes, or an error
	// saying what does not fit. It is the only place an op checks shapes: Apply and
	// InferShape call it on the nodes' shapes, Do on the values'.
	Shape func(in []tensor.Shape) (tensor.Shape, error)
	// Forward computes the result.
	Forward Fn
	// Zeroed says that Forward adds into the result, which is zeroed first; otherwise
	// Forward must write every element.
	Zeroed bool
	// Grad returns dL/dx for every operand as nodes of dy's graph, given the operands,
	// the result and dL/dy: the vector-Jacobian product. An entry is nil for a Data
	// operand. A nil Grad makes the op not differentiable.
	Grad func(in gorgonia.Nodes, out, dy *gorgonia.Node) (gorgonia.Nodes, error)
	// GPU, when set, describes the CUDA kernel that computes Forward on float32 device
	// memory, for operands and result of the given shapes.
	GPU func(in []tensor.Shape, out tensor.Shape) Launch
	// Unique makes every node of the op distinct, even over the same operands.
	Unique bool
}

// String is Name, or Name(Params).
func (s *OpSpec) String() string {
	if s.Params == "" {
		return s.Name
	}
	return s.Name + "(" + s.Params + ")"
}

// Args are what Forward computes on: the operands' data In (row-major, contiguous) and
// shapes InShapes, and the result's, Out and OutShape. A scalar has one element and the
// shape (). Workers is the setting of the op's graph (graph/device.SetWorkers) that
// Forward passes on to parallel.For and parallel.Parts.
type Args[T Float] struct {
	In       [][]T
	InShapes []tensor.Shape
	Out      []T
	OutShape tensor.Shape
	Workers  int

	scratch *any // the op's Scratch for T, nil outside a run of an op
}

// Scratch returns the *S that the op running a keeps for its runs on T: made at the
// first run, the same at every later one, for what Forward reuses from run to run (a
// loop Body, per-part buffers) so that a run allocates nothing. An op runs on one
// goroutine at a time, but one OpSpec (and Forward) may serve several ops that run at
// once: per-run state belongs here, not in variables Forward captures. S must be the
// same type at every run of an op. Outside a run of an op (Args made by hand), each
// call returns a new *S.
func Scratch[S any, T Float](a Args[T]) *S {
	if a.scratch == nil {
		return new(S)
	}
	if s, ok := (*a.scratch).(*S); ok {
		return s
	}
	s := new(S)
	*a.scratch = s
	return s
}

// Fn is one computation instantiated for both float dtypes.
type Fn struct {
	f32 func(Args[float32])
	f64 func(Args[float64])
}

// Floats returns the computation that is f32 on float32 values and f64 on float64 ones:
// one generic function named twice, Floats(f, f), which Go instantiates for each dtype.
// FloatsWith is Floats for a function that takes the op's parameters.
func Floats(f32 func(Args[float32]), f64 func(Args[float64])) Fn { return Fn{f32: f32, f64: f64} }

// FloatsWith returns the computation f(p, a) on float32 and float64 values alike, p
// the op's parameters. f is one generic function, named twice so that Go instantiates
// it for each dtype: FloatsWith(win, poolForward, poolForward).
func FloatsWith[P any](p P, f32 func(P, Args[float32]), f64 func(P, Args[float64])) Fn {
	return Fn{
		f32: func(a Args[float32]) { f32(p, a) },
		f64: func(a Args[float64]) { f64(p, a) },
	}
}

// Copy is the computation that copies operand 0 into the result, which has as many
// elements: the Forward of reshapes and host copies.
var Copy = Floats(copyFirst, copyFirst)

func copyFirst[T Float](a Args[T]) { copy(a.Out, a.In[0]) }

// ConvInputs describes the operands of a convolution: x (n, c, h, w) and w (co, c,
// kh, kw).
func ConvInputs() []Input {
	return []Input{{Name: "x", Rank: 4, DimNames: "(n, c, h, w)"}, {Name: "w", Rank: 4, DimNames: "(co, c, kh, kw)"}}
}

// GradShape is the shape rule of a gradient op whose operands are x and dL/dy and whose
// result is dL/dx: dL/dy must have the shape fwd, the forward op's rule, gives for x.
func GradShape(fwd func(x tensor.Shape) (tensor.Shape, error)) func([]tensor.Shape) (tensor.Shape, error) {
	return func(s []tensor.Shape) (tensor.Shape, error) {
		ys, err := fwd(s[0])
		if err != nil {
			return nil, err
		}
		if !s[1].Eq(ys) {
			return nil, fmt.Errorf("output gradient has shape %v, want %v for %v", s[1], ys, s[0])
		}
		return s[0].Clone(), nil
	}
}
