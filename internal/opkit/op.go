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

// Op is a Gorgonia op made from an OpSpec. It implements gorgonia.Op, SDOp
// (TapeMachine), ADOp (LispMachine) and UsePreallocDoer. Make one per node with Apply
// (or New): it holds the memory of that node's result.
type Op struct {
	spec    *OpSpec
	f32     runState[float32] // what float32 runs reuse, see runState
	f64     runState[float64]
	id      uint64 // distinguishes the nodes of a Unique spec
	workers int    // the graph's workers setting (graph/device.SetWorkers) when Apply made the op
}

var (
	_ gorgonia.SDOp            = (*Op)(nil)
	_ gorgonia.ADOp            = (*Op)(nil)
	_ gorgonia.UsePreallocDoer = (*Op)(nil)
)

// uniqueIDs numbers the ops of Unique specs.
var uniqueIDs atomic.Uint64

// New returns an op computing spec.
func New(spec *OpSpec) *Op {
	op := &Op{spec: spec}
	if spec.Unique {
		op.id = uniqueIDs.Add(1)
	}
	return op
}

// OpSpec returns the op's description.
func (op *Op) OpSpec() *OpSpec { return op.spec }

// Workers returns the op's workers setting (see graph/device.SetWorkers), which Forward gets in Args.
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
	return hm.NewFnType(append(ts, typeOfRank(a, op.spec.OutRank))...)
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

// run computes the result, in the dtype of the first operand, into prealloc or the op's
// memory.
func (op *Op) run(prealloc gorgonia.Value, vals []gorgonia.Value) (gorgonia.Value, error) {
	if len(vals) != len(op.spec.In) {
		return nil, op.errorf("want %d inputs, got %d", len(op.spec.In), len(vals))
	}
	// A first operand that is not float32 is run as float64, whose checks then name
	// what it is.
	if len(vals) > 0 && valueDtype(vals[0]) == tensor.Float32 {
		return runAs(op, &op.f32, op.spec.Forward.f32, prealloc, vals)
	}
	return runAs(op, &op.f64, op.spec.Forward.f64, prealloc, vals)
}

// runAs is run on operands of dtype T, with st the op's state for T.
func runAs[T Float](op *Op, st *runState[T], f func(Args[T]), prealloc gorgonia.Value, vals []gorgonia.Value) (gorgonia.Value, error) {
	a := st.argsFor(len(vals))
	defer clear(a.In) // hold no operand's memory between runs
	for i, v := range vals {
		in := op.spec.In[i]
		data, shape, dt, err := view(v, in.Rank, st.scalars[i:i+1], &st.ones[i])
		if err != nil {
			return nil, op.errorf("%s: %w", in.Name, err)
		}
		if dt != dtypeOf[T]() {
			return nil, op.errorf("dtypes differ: %s is %v, %s is %v", op.spec.In[0].Name, dtypeOf[T](), in.Name, dt)
		}
		a.In[i], a.InShapes[i] = data, shape
	}
	s, err := st.resultShape(op, a.InShapes)
	if err != nil {
		return nil, err
	}
	res, out, err := st.result(op.spec.OutRank, prealloc, s)
	if err != nil {
		return nil, op.errorf("%w", err)
	}
	a.Out, a.OutShape, a.Workers = out, s, op.workers
	if op.spec.Zeroed {
		clear(out)
	}
	f(*a)
	if op.spec.OutRank == 0 {
		return st.scalarOf(out[0]), nil
	}
	return res, nil
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
	if in.DimNames != "" {
		s += " " + in.DimNames
	}
	return s
}
