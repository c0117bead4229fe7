package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SoftmaxCrossEntropy returns the weighted softmax cross-entropy of a batch of logits as
// a scalar node:
//
//	loss = Σ_i w_i · ( logsumexp(z_i) · Σ_j t_ij − Σ_j t_ij · z_ij )
//
// logits z is (n, k), targets t is (n, k) (one-hot rows, or any distribution), weights w
// is (n). With w_i = 1/n the loss is the batch mean; a zero weight leaves row i out,
// which is how a fixed-size graph trains on a smaller last batch. logsumexp subtracts
// the row maximum first, so large logits neither overflow nor lose the loss.
//
// The gradient with respect to the logits is w_i · (softmax(z_i)_j · Σ_j t_ij − t_ij);
// targets and weights are data, not differentiated.
func SoftmaxCrossEntropy(logits, targets, weights *gorgonia.Node) (*gorgonia.Node, error) {
	if logits == nil || targets == nil || weights == nil {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: nil input")
	}
	ls, ts, ws := logits.Shape(), targets.Shape(), weights.Shape()
	if ls.Dims() != 2 {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: logits must be (n, k), got shape %v", ls)
	}
	if !ts.Eq(ls) {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: targets shape %v differs from logits shape %v", ts, ls)
	}
	if ws.Dims() != 1 || ws[0] != ls[0] {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: weights must be (%d), got shape %v", ls[0], ws)
	}
	dt := logits.Dtype()
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: logits are %v; want float32 or float64", dt)
	}
	if targets.Dtype() != dt || weights.Dtype() != dt {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: dtypes differ: logits %v, targets %v, weights %v", dt, targets.Dtype(), weights.Dtype())
	}
	return gorgonia.ApplyOp(xentOp{}, logits, targets, weights)
}

// xentOp is the forward op of SoftmaxCrossEntropy.
type xentOp struct{}

func (xentOp) Arity() int { return 3 }

func (xentOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	v := gorgonia.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(m, m, v, a)
}

func (xentOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (xentOp) ReturnsPtr() bool      { return false }
func (xentOp) CallsExtern() bool     { return false }
func (xentOp) OverwritesInput() int  { return -1 }
func (xentOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "SoftmaxCrossEntropy") }
func (op xentOp) Hashcode() uint32   { return hashOf(op) }
func (xentOp) String() string        { return "SoftmaxCrossEntropy" }
func (xentOp) DiffWRT(int) []bool    { return []bool{true, false, false} }

func (xentOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	z, t, w, err := xentInputs(inputs)
	if err != nil {
		return nil, err
	}
	n, k := z.Shape()[0], z.Shape()[1]
	switch zd := z.Data().(type) {
	case []float32:
		return gorgonia.NewF32(float32(xentLoss(zd, t.Data().([]float32), w.Data().([]float32), n, k))), nil
	case []float64:
		return gorgonia.NewF64(xentLoss(zd, t.Data().([]float64), w.Data().([]float64), n, k)), nil
	}
	return nil, fmt.Errorf("graph: SoftmaxCrossEntropy: unsupported data %T", z.Data())
}

func (xentOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dz, err := gorgonia.ApplyOp(xentGradOp{}, inputs[0], inputs[1], inputs[2], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dz, nil, nil}, nil
}

// xentGradOp computes the gradient of SoftmaxCrossEntropy with respect to the logits,
// scaled by the upstream (scalar) gradient.
type xentGradOp struct{}

func (xentGradOp) Arity() int { return 4 }

func (xentGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := gorgonia.TensorType{Dims: 2, Of: a}
	v := gorgonia.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(m, m, v, a, m)
}

func (xentGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy gradient: expected a shape, got %T", in[0])
	}
	return s.Clone(), nil
}
func (xentGradOp) ReturnsPtr() bool      { return false }
func (xentGradOp) CallsExtern() bool     { return false }
func (xentGradOp) OverwritesInput() int  { return -1 }
func (xentGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "SoftmaxCrossEntropyGrad") }
func (op xentGradOp) Hashcode() uint32   { return hashOf(op) }
func (xentGradOp) String() string        { return "SoftmaxCrossEntropyGrad" }

func (xentGradOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(inputs) != 4 {
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy gradient: want 4 inputs, got %d", len(inputs))
	}
	z, t, w, err := xentInputs(inputs[:3])
	if err != nil {
		return nil, err
	}
	n, k := z.Shape()[0], z.Shape()[1]
	out := tensor.New(tensor.WithShape(n, k), tensor.Of(z.Dtype()))
	switch zd := z.Data().(type) {
	case []float32:
		g, ok := scalarOf(inputs[3])
		if !ok {
			return nil, fmt.Errorf("graph: SoftmaxCrossEntropy gradient: upstream gradient %T is not a scalar", inputs[3])
		}
		xentGrad(out.Data().([]float32), zd, t.Data().([]float32), w.Data().([]float32), float32(g), n, k)
	case []float64:
		g, ok := scalarOf(inputs[3])
		if !ok {
			return nil, fmt.Errorf("graph: SoftmaxCrossEntropy gradient: upstream gradient %T is not a scalar", inputs[3])
		}
		xentGrad(out.Data().([]float64), zd, t.Data().([]float64), w.Data().([]float64), g, n, k)
	default:
		return nil, fmt.Errorf("graph: SoftmaxCrossEntropy gradient: unsupported data %T", z.Data())
	}
	return out, nil
}

func xentInputs(inputs []gorgonia.Value) (z, t, w tensor.Tensor, err error) {
	if len(inputs) != 3 {
		return nil, nil, nil, fmt.Errorf("graph: SoftmaxCrossEntropy: want 3 inputs, got %d", len(inputs))
	}
	var ok [3]bool
	z, ok[0] = inputs[0].(tensor.Tensor)
	t, ok[1] = inputs[1].(tensor.Tensor)
	w, ok[2] = inputs[2].(tensor.Tensor)
	if !ok[0] || !ok[1] || !ok[2] {
		return nil, nil, nil, fmt.Errorf("graph: SoftmaxCrossEntropy: inputs must be tensors, got %T, %T, %T", inputs[0], inputs[1], inputs[2])
	}
	return z, t, w, nil
}

func scalarOf(v gorgonia.Value) (float64, bool) {
	switch s := v.(type) {
	case *gorgonia.F32:
		return float64(*s), true
	case *gorgonia.F64:
		return float64(*s), true
	case tensor.Tensor:
		if s.Size() != 1 {
			return 0, false
		}
		switch d := s.Data().(type) {
		case float32:
			return float64(d), true
		case float64:
			return d, true
		case []float32:
			return float64(d[0]), true
		case []float64:
			return d[0], true
		}
	}
	return 0, false
}

type float interface{ ~float32 | ~float64 }

// logSumExp returns max(z) + log Σ exp(z − max(z)) of one row.
func logSumExp[T float](z []T) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

func xentLoss[T float](z, t, w []T, n, k int) float64 {
	var loss float64
	for i := 0; i < n; i++ {
		if w[i] == 0 {
			continue
		}
		zi, ti := z[i*k:(i+1)*k], t[i*k:(i+1)*k]
		lse := logSumExp(zi)
		var tsum, dot float64
		for j := range zi {
			tsum += float64(ti[j])
			dot += float64(ti[j]) * float64(zi[j])
		}
		loss += float64(w[i]) * (lse*tsum - dot)
	}
	return loss
}

func xentGrad[T float](dz, z, t, w []T, g T, n, k int) {
	for i := 0; i < n; i++ {
		zi, ti, di := z[i*k:(i+1)*k], t[i*k:(i+1)*k], dz[i*k:(i+1)*k]
		if w[i] == 0 {
			clear(di)
			continue
		}
		lse := logSumExp(zi)
		var tsum float64
		for _, v := range ti {
			tsum += float64(v)
		}
		scale := float64(g) * float64(w[i])
		for j := range zi {
			p := math.Exp(float64(zi[j]) - lse)
			di[j] = T(scale * (p*tsum - float64(ti[j])))
		}
	}
}

// hashOf hashes an op by its WriteHash text, the way Gorgonia's own ops do.
func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
