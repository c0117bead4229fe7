package opkit

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Op is a Gorgonia op made from a Spec. It implements gorgonia.Op, SDOp (TapeMachine),
// ADOp (LispMachine) and UsePreallocDoer. Make one per node with Apply (or New): it
// holds the memory of that node's result.
type Op struct {
	spec    *Spec
	cache   resultCache
	id      uint64 // distinguishes the nodes of a Unique spec
	workers int    // the graph's SetWorkers setting when Apply made the op
}

var (
	_ gorgonia.SDOp            = (*Op)(nil)
	_ gorgonia.ADOp            = (*Op)(nil)
	_ gorgonia.UsePreallocDoer = (*Op)(nil)
)

// uniqueIDs numbers the ops of Unique specs.
var uniqueIDs atomic.Uint64

// New returns an op computing spec.
func New(spec *Spec) *Op {
	op := &Op{spec: spec}
	if spec.Unique {
		op.id = uniqueIDs.Add(1)
	}
	return op
}

// Spec returns the op's description.
func (op *Op) Spec() *Spec { return op.spec }

// Workers returns the op's workers setting (see SetWorkers), which Forward gets in Args.
func (op *Op) Workers() int { return op.workers }

// Arity is the number of operands.
func (op *Op) Arity() int { return len(op.spec.In) }

// Type takes every operand and gives the result in one dtype a: tensors of the declared
// ranks, or a itself for a scalar.
func (op *Op) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, 0, len(op.spec.In)+1)
	for _, in := range op.spec.In {
		ts = append(ts, typeOfRank(a, in.Rank))
	}
	return hm.NewFnType(append(ts, typeOfRank(a, op.spec.Out))...)
}

func typeOfRank(a hm.TypeVariable, rank int) hm.Type {
	if rank == 0 {
		return a
	}
	return gorgonia.TensorType{Dims: rank, Of: a}
}

// InferShape applies the shape rule to the operands' shapes.
func (op *Op) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	shapes := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, op.errorf("operand %d has no shape (%T)", i, d)
		}
		shapes[i] = s
	}
	return op.shape(shapes)
}

// shape checks the operands' count and ranks and applies the shape rule.
func (op *Op) shape(shapes []tensor.Shape) (tensor.Shape, error) {
	if len(shapes) != len(op.spec.In) {
		return nil, op.errorf("want %d inputs, got %d", len(op.spec.In), len(shapes))
	}
	for i, s := range shapes {
		if in := op.spec.In[i]; s.Dims() != in.Rank {
			return nil, op.errorf("%s must be %s, got shape %v (rank %d)", in.Name, rankText(in), s, s.Dims())
		}
	}
	s, err := op.spec.Shape(shapes)
	if err != nil {
		return nil, op.errorf("%w", err)
	}
	return s, nil
}

// Do computes the result into the op's memory.
func (op *Op) Do(in ...gorgonia.Value) (gorgonia.Value, error) { return op.run(nil, in) }

// UsePreallocDo computes the result into prealloc, or returns an error when prealloc
// cannot hold it.
func (op *Op) UsePreallocDo(prealloc gorgonia.Value, in ...gorgonia.Value) (gorgonia.Value, error) {
	if prealloc == nil {
		return nil, op.errorf("no preallocated value")
	}
	return op.run(prealloc, in)
}

func (op *Op) run(prealloc gorgonia.Value, vals []gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != len(op.spec.In) {
		return nil, op.errorf("want %d inputs, got %d", len(op.spec.In), len(vals))
	}
	in := make([]operand, len(vals))
	shapes := make([]tensor.Shape, len(vals))
	for i, v := range vals {
		var err error
		if in[i], err = operandOf(v, op.spec.In[i].Rank); err != nil {
			return nil, op.errorf("%s: %w", op.spec.In[i].Name, err)
		}
		if dt, dt0 := dtypeOf(in[i].data), dtypeOf(in[0].data); dt != dt0 {
			return nil, op.errorf("dtypes differ: %s is %v, %s is %v", op.spec.In[0].Name, dt0, op.spec.In[i].Name, dt)
		}
		shapes[i] = in[i].shape
	}
	s, err := op.shape(shapes)
	if err != nil {
		return nil, err
	}
	dt := tensor.Float64
	if len(in) > 0 {
		dt = dtypeOf(in[0].data)
	}
	var out any
	var dense *tensor.Dense
	switch {
	case op.spec.Out == 0:
		out = op.cache.slice(dt, 1)
	case prealloc != nil:
		if dense, err = preallocated(prealloc, dt, s); err != nil {
			return nil, op.errorf("%w", err)
		}
		out = dense.Data()
	default:
		out = op.cache.slice(dt, s.TotalSize())
		dense = tensor.New(tensor.WithShape(s.Clone()...), tensor.WithBacking(out))
	}
	if dt == tensor.Float32 {
		compute(op, op.spec.Forward.f32, in, shapes, out.([]float32), s)
	} else {
		compute(op, op.spec.Forward.f64, in, shapes, out.([]float64), s)
	}
	if op.spec.Out == 0 {
		if dt == tensor.Float32 {
			return gorgonia.NewF32(out.([]float32)[0]), nil
		}
		return gorgonia.NewF64(out.([]float64)[0]), nil
	}
	return dense, nil
}

// compute runs the typed forward function.
func compute[T Float](op *Op, f func(Args[T]), in []operand, shapes []tensor.Shape, out []T, s tensor.Shape) {
	a := Args[T]{In: make([][]T, len(in)), Shapes: shapes, Out: out, Shape: s, Workers: op.workers}
	for i, o := range in {
		a.In[i] = o.data.([]T)
	}
	if op.spec.Zeroed {
		clear(out)
	}
	f(a)
}

// ReturnsPtr is false: the result is the op's own memory or the preallocated value,
// never an operand's.
func (op *Op) ReturnsPtr() bool { return false }

// CallsExtern is false: the CPU ops are Go (and Go assembly).
func (op *Op) CallsExtern() bool { return false }

// OverwritesInput is -1: the operands are left untouched.
func (op *Op) OverwritesInput() int { return -1 }

// WriteHash writes what identifies the op: its name and parameters, and the node's
// number for a Unique spec.
func (op *Op) WriteHash(h hash.Hash) {
	fmt.Fprint(h, "d2l.graph.", op.spec.String())
	if op.spec.Unique {
		fmt.Fprintf(h, "#%d", op.id)
	}
}

// Hashcode hashes what WriteHash writes.
func (op *Op) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// String is the spec's Name(Params).
func (op *Op) String() string { return op.spec.String() }

// DiffWRT is true for every operand but the Data ones, and empty when the op has no
// gradient.
func (op *Op) DiffWRT(int) []bool {
	if op.spec.Grad == nil {
		return nil
	}
	d := make([]bool, len(op.spec.In))
	for i, in := range op.spec.In {
		d[i] = !in.Data
	}
	return d
}

// SymDiff returns the gradient nodes of Grad.
func (op *Op) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.spec.Grad == nil {
		return nil, op.errorf("not differentiable")
	}
	if len(inputs) != len(op.spec.In) {
		return nil, op.errorf("gradient: want %d inputs, got %d", len(op.spec.In), len(inputs))
	}
	gs, err := op.spec.Grad(inputs, output, grad)
	if err != nil {
		return nil, op.errorf("gradient: %w", err)
	}
	return gs, nil
}

// errorf returns an error starting "graph: NAME: ".
func (op *Op) errorf(format string, args ...any) error {
	return fmt.Errorf("graph: "+op.spec.Name+": "+format, args...)
}

// rankText describes the rank an operand must have: "2-D (h, w)" or "a scalar".
func rankText(in Input) string {
	if in.Rank == 0 {
		return "a scalar"
	}
	s := fmt.Sprintf("%d-D", in.Rank)
	if in.Layout != "" {
		s += " " + in.Layout
	}
	return s
}
