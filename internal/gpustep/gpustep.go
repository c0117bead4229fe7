// Package gpustep describes the kernel launches of a device-resident training step
// (docs/gpu-step.md): the batch gathered on the device from the data set uploaded once,
// the fused convolution or dense product with its activation, the loss with its
// gradient and the epoch's sums kept on the device, and one SGD update over every
// parameter. Like the ops' opkit.Launch values, these are data, valid in every build;
// internal/kernelhost runs them on the host in tests, and a cuda build can launch them
// unchanged. Nothing in the training loop uses them yet.
package gpustep

import (
	"fmt"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/opkit"
)

// ScaleTable is the pixel scale the host's batches use, byte p to float32(p)/255, for
// gather_batch to look up, so that the device's pixels are the host's to the bit.
func ScaleTable() []float32 {
	t := dataset.PixelScale32()
	return t[:]
}

// Gather operands, in the order GatherBatch's launch names them with opkit.In.
const (
	GatherImages  = iota // the data set's pixels, uint8, px per image
	GatherLabels         // its labels, uint8
	GatherPerm           // the epoch's order of the examples, int64
	GatherScale          // ScaleTable, 256 float32
	GatherX              // out: (b, 1, rows, cols) float32
	GatherTargets        // out: (b, k) one-hot float32
	GatherWeights        // out: (b) float32
)

// GatherBatch is the launch that fills a training batch of b rows (px pixels and k
// classes each) with the n examples perm[start], ..., perm[start+n-1]: pixels through
// the scale table, one-hot targets, and the weight of each row, weight for the n real
// ones and 0 for the padding up to b. weight should be a float32 value (the host's
// float32(1)/float32(n)), which the kernel's conversion then keeps exactly.
func GatherBatch(start, n, b, px, k int, weight float32) opkit.Launch {
	in := opkit.In
	return opkit.Launch{Kernel: "gather_batch", Grid: opkit.Elems(b * px), Block: opkit.Threads256,
		Args: []any{in(GatherImages), in(GatherLabels), in(GatherPerm), start, in(GatherScale),
			in(GatherX), in(GatherTargets), in(GatherWeights), n, b, px, k, float64(weight)}}
}

// SGDTable returns the table sgd_update reads (opkit.In(0)): for each parameter, its
// device address, its gradient's, the offset of its first value among all of them, and
// its length. Along with it comes the total length, which SGDUpdate takes.
func SGDTable(params, grads []int64, lens []int) (table []int64, total int, err error) {
	if len(params) != len(lens) || len(grads) != len(lens) {
		return nil, 0, fmt.Errorf("gpustep: %d parameters, %d gradients and %d lengths", len(params), len(grads), len(lens))
	}
	for i, n := range lens {
		table = append(table, params[i], grads[i], int64(total), int64(n))
		total += n
	}
	return table, total, nil
}

// SGDUpdate is the launch of the SGD step p <- p - lr*g over the ntensors parameters of
// an SGDTable of total values: one launch for the whole network.
func SGDUpdate(ntensors, total int, lr float32) opkit.Launch {
	return opkit.Launch{Kernel: "sgd_update", Grid: opkit.Elems(total), Block: opkit.Threads256,
		Args: []any{opkit.In(0), ntensors, total, float64(lr)}}
}

// Xent operands, in the order XentStep's launch names them with opkit.In.
const (
	XentLogits  = iota // (n, k) float32
	XentTargets        // (n, k) float32
	XentWeights        // (n) float32
	XentGrad           // out: dL/dlogits (n, k) float32
	XentSums           // two float64, added to: the loss and the correct count
)

// XentStep is the launch of the softmax cross-entropy of n rows of k logits, its
// gradient (when grad is set) and the running loss and correct count: one block, so
// that the sums are taken in one fixed order.
func XentStep(n, k int, grad bool) opkit.Launch {
	dz := opkit.Null
	if grad {
		dz = opkit.In(XentGrad)
	}
	in := opkit.In
	return opkit.Launch{Kernel: "xent_step", Grid: [2]int{1, 1}, Block: opkit.Threads256,
		Args: []any{in(XentLogits), in(XentTargets), in(XentWeights), dz, in(XentSums), n, k}}
}

// WithActivation returns the launch of an op's conv_fwd or gemm (its Spec's GPU
// launch) followed by the activation of the given kind (nn.KernelReLU or
// nn.KernelSigmoid) in the same kernel (conv_act_fwd, gemm_act), with the same grid and
// arguments.
func WithActivation(l opkit.Launch, kind int) (opkit.Launch, error) {
	fused := map[string]string{"conv_fwd": "conv_act_fwd", "gemm": "gemm_act"}[l.Kernel]
	if fused == "" {
		return l, fmt.Errorf("gpustep: no fused activation for kernel %q (want conv_fwd or gemm)", l.Kernel)
	}
	l.Kernel = fused
	l.Args = append(append([]any(nil), l.Args...), kind)
	return l, nil
}
