package optest

import (
	"fmt"
	"testing"

	"gorgonia.org/tensor"
)

// Case is one op on one set of inputs, for Check.
type Case struct {
	// Name names the case in failures.
	Name string
	// F builds the op on input nodes.
	F Func
	// In are the inputs as float64 tensors; Check converts them to float32 where it
	// needs to.
	In []*tensor.Dense
	// Want computes the expected output from the inputs' values and shapes,
	// independently of the op (the definition written out as loops); nil skips the
	// value checks.
	Want func(in [][]float64, shapes []tensor.Shape) []float64
	// Shape is the expected output shape; nil skips the check.
	Shape tensor.Shape
	// Tol64 and Tol32 bound |output - Want| in float64 and float32.
	Tol64, Tol32 float64
	// GradTol is the finite-difference check's tolerance (gradcheck.Check); 0 means
	// 1e-6, negative skips the check (for inputs where the gradient is not smooth).
	GradTol float64
	// Grad32Tol bounds |float32 gradient - float64 gradient|; 0 skips the check.
	Grad32Tol float64
	// LispTol bounds |LispMachine gradient - TapeMachine gradient|; negative skips
	// the check (for an expression of Gorgonia ops whose DoDiff is wrong).
	LispTol float64
	// Procs are the GOMAXPROCS values whose outputs and gradients must equal those of
	// GOMAXPROCS 1 bit for bit; nil skips the check.
	Procs []int
	// Seed draws the weights that reduce the output to a loss.
	Seed uint64
}

// Check runs the battery of checks of the package doc on c.
func Check(t *testing.T, c Case) {
	t.Helper()
	vals := make([][]float64, len(c.In))
	shapes := make([]tensor.Shape, len(c.In))
	for i, in := range c.In {
		vals[i], shapes[i] = Floats(t, in), in.Shape()
	}
	in32 := make([]*tensor.Dense, len(c.In))
	for i := range c.In {
		in32[i] = Dense(tensor.Float32, vals[i], shapes[i]...)
	}
	var want []float64
	if c.Want != nil {
		want = c.Want(vals, shapes)
	}
	for _, dt := range Dtypes {
		in, tol := c.In, c.Tol64
		if dt == tensor.Float32 {
			in, tol = in32, c.Tol32
		}
		got, shape := Run(t, c.F, in...)
		if c.Shape != nil && !shape.Eq(c.Shape) {
			t.Errorf("%s %v: shape %v, want %v", c.Name, dt, shape, c.Shape)
		}
		if want != nil {
			Close(t, fmt.Sprintf("%s %v: output", c.Name, dt), got, want, tol)
		}
	}
	if c.GradTol >= 0 {
		tol := c.GradTol
		if tol == 0 {
			tol = 1e-6
		}
		if err := GradCheck(c.In, c.F, tol, c.Seed); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	g64 := Grads(t, Tape, c.F, c.Seed, c.In...)
	if c.Grad32Tol > 0 {
		g32 := Grads(t, Tape, c.F, c.Seed, in32...)
		for i := range g64 {
			Close(t, fmt.Sprintf("%s: float32 gradient %d", c.Name, i), g32[i], g64[i], c.Grad32Tol)
		}
	}
	if c.LispTol >= 0 {
		lisp := Grads(t, Lisp, c.F, c.Seed, c.In...)
		for i := range g64 {
			Close(t, fmt.Sprintf("%s: LispMachine gradient %d", c.Name, i), lisp[i], g64[i], c.LispTol)
		}
	}
	if c.Procs != nil {
		Procs(t, c.Name, c.F, c.Seed, c.Procs, c.In...)
	}
}
