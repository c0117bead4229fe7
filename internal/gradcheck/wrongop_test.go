package gradcheck

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// doubleForgetsFactor computes y = 2x but passes dL/dy back unchanged as dL/dx, the
// forgotten chain-rule factor the checker exists to catch. The right gradient is 2·dL/dy.
type doubleForgetsFactor struct{ dims int }

var _ gorgonia.SDOp = doubleForgetsFactor{}

func (op doubleForgetsFactor) Arity() int { return 1 }

func (op doubleForgetsFactor) Type() hm.Type {
	t := gorgonia.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op doubleForgetsFactor) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input shape %v is not a tensor shape", op, in[0])
	}
	return s.Clone(), nil
}

func (op doubleForgetsFactor) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x := in[0].(*tensor.Dense)
	y := x.Clone().(*tensor.Dense)
	for i, d := 0, y.Data().([]float64); i < len(d); i++ {
		d[i] *= 2
	}
	return y, nil
}

func (op doubleForgetsFactor) ReturnsPtr() bool      { return false }
func (op doubleForgetsFactor) CallsExtern() bool     { return false }
func (op doubleForgetsFactor) OverwritesInput() int  { return -1 }
func (op doubleForgetsFactor) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op doubleForgetsFactor) String() string        { return fmt.Sprintf("doubleForgetsFactor%d", op.dims) }

func (op doubleForgetsFactor) Hashcode() uint32 {
	var h uint32 = 2166136261
	for _, c := range []byte(op.String()) {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

func (op doubleForgetsFactor) DiffWRT(int) []bool { return []bool{true} }

func (op doubleForgetsFactor) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	return gorgonia.Nodes{grad}, nil
}

func applyDoubleForgetsFactor(g *gorgonia.ExprGraph, in []*gorgonia.Node) (*gorgonia.Node, error) {
	return gorgonia.ApplyOp(doubleForgetsFactor{dims: in[0].Dims()}, in[0])
}
