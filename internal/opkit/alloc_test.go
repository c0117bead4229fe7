package opkit

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A run after the first allocates nothing but a tensor result's header (one
// allocation, see headerCopy): the result's memory (or scalar), the arguments and the
// shape rule's answer are the last run's.
func TestRunsAllocateOnlyTheHeader(t *testing.T) {
	op, scalarIn := New(axpy(2)), New(axpy(1))
	dot := New(&OpSpec{
		Name:    "Dot",
		In:      []Input{{Name: "x", Rank: 1}, {Name: "y", Rank: 1}},
		Shape:   func([]tensor.Shape) (tensor.Shape, error) { return tensor.ScalarShape(), nil },
		Forward: Floats(dotForward, dotForward),
	})
	x, z := value([]float64{1, 2, 3, 4}, 2, 2), value([]float64{10, 20, 30, 40}, 2, 2)
	x32 := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	v, three := value([]float64{1, 2}, 2), gorgonia.NewF64(3)
	pre := value(make([]float64, 4), 2, 2)
	for _, r := range []struct {
		name   string
		run    func() (gorgonia.Value, error)
		allocs float64
	}{
		{"float64", func() (gorgonia.Value, error) { return op.Do(x, z) }, 1},
		{"float32", func() (gorgonia.Value, error) { return op.Do(x32, x32) }, 1},
		{"scalar operands", func() (gorgonia.Value, error) { return scalarIn.Do(three, three) }, 1},
		{"scalar result", func() (gorgonia.Value, error) { return dot.Do(v, v) }, 0},
		{"preallocated", func() (gorgonia.Value, error) { return op.UsePreallocDo(pre, x, z) }, 0},
	} {
		if _, err := r.run(); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if n := testing.AllocsPerRun(20, func() { _, _ = r.run() }); n > r.allocs {
			t.Errorf("%s: %v allocations per run after the first, want at most %v", r.name, n, r.allocs)
		}
	}
	if y, err := dot.Do(v, v); err != nil || *y.(*gorgonia.F64) != 5 {
		t.Errorf("Dot = %v, %v; want 5", y, err)
	}
	// Operands of a new shape get a result of that shape; the old shape comes back.
	for _, c := range []struct {
		a, b  gorgonia.Value
		shape tensor.Shape
		last  float64
	}{{value([]float64{1, 2}, 1, 2), value([]float64{1, 2}, 1, 2), tensor.Shape{1, 2}, 6}, {x, z, tensor.Shape{2, 2}, 48}} {
		y, err := op.Do(c.a, c.b)
		if d, ok := y.(*tensor.Dense); err != nil || !ok || !d.Shape().Eq(c.shape) || d.Float64s()[d.Size()-1] != c.last {
			t.Errorf("Do on %v values: %v, %v; want a %v result ending in %v", c.shape, y, err, c.shape, c.last)
		}
	}
}

// A tensor result's header is the caller's: each run returns a header of its own on
// the op's memory, so that reshaping one, or handing it to the tensor package's pool as
// Gorgonia's UnbindAll does, while another goroutine makes tensors from that pool, leaves
// the op's later results and the other tensors intact. (Run with -race: an op that kept
// the header it returned would read it while the other goroutine writes it.)
func TestResultHeaderIsTheCallers(t *testing.T) {
	op := New(axpy(2))
	x, z := value([]float64{1, 2, 3, 4}, 2, 2), value([]float64{10, 20, 30, 40}, 2, 2)
	var ys [2]*tensor.Dense // two runs' results
	for i := range ys {
		y, err := op.Do(x, z)
		if err != nil {
			t.Fatal(err)
		}
		ys[i] = y.(*tensor.Dense)
	}
	a, b := ys[0], ys[1]
	if a == b || &a.Float64s()[0] != &b.Float64s()[0] {
		t.Fatalf("two runs returned headers %p and %p on memory %p and %p; want two headers on one memory", a, b, &a.Float64s()[0], &b.Float64s()[0])
	}
	if err := a.Reshape(4); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 2000 {
			y, err := op.Do(x, z)
			if d, ok := y.(*tensor.Dense); err != nil || !ok || !d.Shape().Eq(tensor.Shape{2, 2}) || fmt.Sprint(d.Float64s()) != "[12 24 36 48]" {
				t.Errorf("Do: %v, %v; want a (2, 2) result [12 24 36 48]", y, err)
				return
			}
			tensor.ReturnTensor(y.(tensor.Tensor))
		}
	})
	wg.Go(func() {
		for i := range 2000 {
			own := []float64{float64(i), 1, 2, 3, 4, 5}
			d := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(own))
			if !d.Shape().Eq(tensor.Shape{3, 2}) || &d.Float64s()[0] != &own[0] {
				t.Errorf("tensor.New gave %v on other memory; want (3, 2) on its backing", d.Shape())
				return
			}
		}
	})
	wg.Wait()
}

// headerCopy's header is tensor.Dense.ShallowClone's, field for field (unexported
// ones included), on the same memory, with a shape and strides of its own, at every
// rank: up to maxHeaderDims in one allocation, beyond it ShallowClone's own.
func TestHeaderCopyIsAShallowClone(t *testing.T) {
	for _, shape := range []tensor.Shape{{5}, {2, 3}, {1, 2, 3}, {2, 1, 2, 3}, {1, 2, 1, 2, 2}} {
		d := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(make([]float32, shape.TotalSize())))
		c := headerCopy(d)
		if want := d.ShallowClone(); c == d || !reflect.DeepEqual(c, want) {
			t.Errorf("%v: headerCopy = %#v; want %#v", shape, c, want)
		}
		if &c.Float32s()[0] != &d.Float32s()[0] || &c.Shape()[0] == &d.Shape()[0] || &c.Strides()[0] == &d.Strides()[0] {
			t.Errorf("%v: the copy shares the shape or strides of the original, or not its memory", shape)
		}
		want := 1.0
		if shape.Dims() > maxHeaderDims {
			want = 3
		}
		if n := testing.AllocsPerRun(10, func() { headerCopy(d) }); n > want {
			t.Errorf("%v: %v allocations per copy, want at most %v", shape, n, want)
		}
	}
}

// box is the Scratch of TestScratchIsTheOpsOwn's op, which counts its runs.
type box struct{ runs int }

// recordScratch hands the op's Scratch to record.
func recordScratch[T Float](record func(*box), a Args[T]) { record(Scratch[box](a)) }

// dotForward is the test op Dot: the dot product of two 2-element vectors.
func dotForward[T Float](a Args[T]) { a.Out[0] = a.In[0][0]*a.In[1][0] + a.In[0][1]*a.In[1][1] }

// Scratch is the op's own for each dtype: the same *S at every run of one op, another
// for another op of the same OpSpec (which may run at the same time) or dtype, and a new
// one outside a run of an op.
func TestScratchIsTheOpsOwn(t *testing.T) {
	var seen []*box
	record := func(b *box) {
		b.runs++
		seen = append(seen, b)
	}
	spec := axpy(1)
	spec.Forward = FloatsWith(record, recordScratch, recordScratch)
	x := value([]float64{1, 2, 3, 4}, 2, 2)
	x32 := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))
	one, other := New(spec), New(spec)
	for _, run := range []func() (gorgonia.Value, error){
		func() (gorgonia.Value, error) { return one.Do(x, x) },
		func() (gorgonia.Value, error) { return one.Do(x, x) },
		func() (gorgonia.Value, error) { return other.Do(x, x) },
		func() (gorgonia.Value, error) { return one.Do(x32, x32) },
		func() (gorgonia.Value, error) { return one.Do(x, x) },
	} {
		if _, err := run(); err != nil {
			t.Fatal(err)
		}
	}
	s := seen
	if s[0] != s[1] || s[1] != s[4] || s[0].runs != 3 || s[2] == s[0] || s[3] == s[0] || s[3] == s[2] || s[2].runs != 1 || s[3].runs != 1 {
		t.Errorf("scratch by run (one f64, one f64, other f64, one f32, one f64): %p %p %p %p %p with %d %d %d runs; want the first, second and last the same, with 3 runs, the others distinct, with 1",
			s[0], s[1], s[2], s[3], s[4], s[0].runs, s[2].runs, s[3].runs)
	}
	var a Args[float64]
	if p, q := Scratch[box](a), Scratch[box](a); p == nil || p == q {
		t.Errorf("Scratch outside a run: %p, then %p; want two new values", p, q)
	}
}
