//go:build gpuemu

package kernelhost_test

import (
	"fmt"

	"github.com/d2l-go/convnets/internal/opkit"
)

// The launches of a device-resident training step (docs/gpu-step.md) that no op makes:
// the batch gathered on the device from the data set uploaded once, the loss with its
// gradient and the epoch's sums kept on the device, one SGD update over every
// parameter, and the convolution or dense product fused with its activation. No
// training loop launches them; the tests here check their kernels against the host.

// scaleTable is the pixel scale gather_batch looks up, byte p to float32(p)/255, as the
// host's batches scale them (dataset.Iterator.Float32); TestGatherBatchMatchesHostBatches
// checks that the two agree to the bit.
func scaleTable() []float32 {
	t := make([]float32, 256)
	for p := range t {
		t[p] = float32(p) / 255
	}
	return t
}

// Gather operands, in the order gatherBatch's launch names them with opkit.InArg.
const (
	gatherImages  = iota // the data set's pixels, uint8, px per image
	gatherLabels         // its labels, uint8
	gatherPerm           // the epoch's order of the examples, int64
	gatherScale          // scaleTable, 256 float32
	gatherX              // out: (b, 1, rows, cols) float32
	gatherTargets        // out: (b, k) one-hot float32
	gatherWeights        // out: (b) float32
)

// gatherBatch is the launch that fills a training batch of b rows (px pixels and k
// classes each) with the n examples perm[start], ..., perm[start+n-1]: pixels through
// the scale table, one-hot targets, and the weight of each row, weight for the n real
// ones and 0 for the padding up to b. weight is a float32 value (the host's
// float32(1)/float32(n)), which the kernel's conversion then keeps exactly.
func gatherBatch(start, n, b, px, k int, weight float32) opkit.Launch {
	in := opkit.InArg
	return opkit.Launch{Kernel: "gather_batch", Grid: opkit.Elems(b * px), Block: opkit.Threads256,
		Args: []any{in(gatherImages), in(gatherLabels), in(gatherPerm), start, in(gatherScale),
			in(gatherX), in(gatherTargets), in(gatherWeights), n, b, px, k, float64(weight)}}
}

// sgdTable returns the table sgd_update reads (opkit.InArg(0)): for each parameter, its
// device address, its gradient's, the offset of its first value among all of them, and
// its length; and the total length, which sgdUpdate takes.
func sgdTable(params, grads []int64, lens []int) (table []int64, total int, err error) {
	if len(params) != len(lens) || len(grads) != len(lens) {
		return nil, 0, fmt.Errorf("sgdTable: %d parameters, %d gradients and %d lengths", len(params), len(grads), len(lens))
	}
	for i, n := range lens {
		table = append(table, params[i], grads[i], int64(total), int64(n))
		total += n
	}
	return table, total, nil
}

// sgdUpdate is the launch of the SGD step p <- p - lr*g over the ntensors parameters of
// an sgdTable of total values: one launch for the whole network.
func sgdUpdate(ntensors, total int, lr float32) opkit.Launch {
	return opkit.Launch{Kernel: "sgd_update", Grid: opkit.Elems(total), Block: opkit.Threads256,
		Args: []any{opkit.InArg(0), ntensors, total, float64(lr)}}
}

// Xent operands, in the order xentStep's launch names them with opkit.InArg.
const (
	xentLogits  = iota // (n, k) float32
	xentTargets        // (n, k) float32
	xentWeights        // (n) float32
	xentGrad           // out: dL/dlogits (n, k) float32
	xentSums           // two float64, added to: the loss and the correct count
)

// xentStep is the launch of the softmax cross-entropy of n rows of k logits, its
// gradient (when grad is set) and the running loss and correct count: one block, so
// that the sums are taken in one fixed order.
func xentStep(n, k int, grad bool) opkit.Launch {
	dz := opkit.NullArg
	if grad {
		dz = opkit.InArg(xentGrad)
	}
	in := opkit.InArg
	return opkit.Launch{Kernel: "xent_step", Grid: [2]int{1, 1}, Block: opkit.Threads256,
		Args: []any{in(xentLogits), in(xentTargets), in(xentWeights), dz, in(xentSums), n, k}}
}

// withActivation returns the launch of an op's conv_fwd or gemm (its OpSpec's GPU
// launch) followed by the activation of the given kind (the last argument of the
// activation op's act_fwd launch) in the same kernel (conv_act_fwd, gemm_act), with the
// same grid and arguments.
func withActivation(l opkit.Launch, kind any) (opkit.Launch, error) {
	fused := map[string]string{"conv_fwd": "conv_act_fwd", "gemm": "gemm_act"}[l.Kernel]
	if fused == "" {
		return l, fmt.Errorf("withActivation: no fused activation for kernel %q (want conv_fwd or gemm)", l.Kernel)
	}
	l.Kernel = fused
	l.Args = append(append([]any(nil), l.Args...), kind)
	return l, nil
}
