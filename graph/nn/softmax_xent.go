package nn

import (
	"fmt"
	"math"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/internal/opkit"
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
	return opkit.Apply(xent(), logits, targets, weights)
}

// xentInputs describes logits, targets and weights; only the logits are differentiated.
func xentInputs() []opkit.Input {
	return []opkit.Input{
		{Name: "logits", Rank: 2, DimNames: "(n, k)"},
		{Name: "targets", Rank: 2, DimNames: "(n, k)", Data: true},
		{Name: "weights", Rank: 1, DimNames: "(n)", Data: true},
	}
}

// xentShapes checks the targets' and weights' shapes against the logits'.
func xentShapes(s []tensor.Shape) error {
	if !s[1].Eq(s[0]) {
		return fmt.Errorf("targets shape %v differs from logits shape %v", s[1], s[0])
	}
	if s[2][0] != s[0][0] {
		return fmt.Errorf("weights must be (%d), got shape %v", s[0][0], s[2])
	}
	return nil
}

// xent is the forward op of SoftmaxCrossEntropy; its result is a scalar.
func xent() *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "SoftmaxCrossEntropy",
		In:      xentInputs(),
		OutRank: 0,
		Shape:   func(s []tensor.Shape) (tensor.Shape, error) { return tensor.ScalarShape(), xentShapes(s) },
		Forward: opkit.Floats(xentForward, xentForward),
		Grad: func(in gorgonia.Nodes, _, dy *gorgonia.Node) (gorgonia.Nodes, error) {
			dz, err := opkit.Apply(xentGrad(), in[0], in[1], in[2], dy)
			return gorgonia.Nodes{dz, nil, nil}, err
		},
	}
}

func xentForward[T opkit.Float](a opkit.Args[T]) {
	s := a.InShapes[0]
	a.Out[0] = T(xentLoss(a.In[0], a.In[1], a.In[2], s[0], s[1]))
}

// xentGrad computes the gradient of SoftmaxCrossEntropy with respect to the logits,
// scaled by the upstream (scalar) gradient.
func xentGrad() *opkit.OpSpec {
	return &opkit.OpSpec{
		Name:    "SoftmaxCrossEntropyGrad",
		In:      append(xentInputs(), opkit.Input{Name: "output gradient", Rank: 0}),
		OutRank: 2,
		Shape:   func(s []tensor.Shape) (tensor.Shape, error) { return s[0].Clone(), xentShapes(s) },
		Forward: opkit.Floats(xentBackward, xentBackward),
	}
}

func xentBackward[T opkit.Float](a opkit.Args[T]) {
	s := a.InShapes[0]
	xentGradient(a.Out, a.In[0], a.In[1], a.In[2], a.In[3][0], s[0], s[1])
}

// logSumExp returns max(z) + log Σ exp(z − max(z)) of one row.
func logSumExp[T opkit.Float](z []T) float64 {
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

func xentLoss[T opkit.Float](z, t, w []T, n, k int) float64 {
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

func xentGradient[T opkit.Float](dz, z, t, w []T, g T, n, k int) {
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
