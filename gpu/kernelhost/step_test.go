//go:build gpuemu

package kernelhost_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/gpu/kernelhost"
	"github.com/d2l-go/convnets/graph/nn"
	"github.com/d2l-go/convnets/internal/opkit"
	"github.com/d2l-go/convnets/internal/opkit/optest"
	"github.com/d2l-go/convnets/lenet"
)

// nans is n float32 NaNs as bytes: output memory in which an unwritten element shows.
func nans(n int) kernelhost.Buffer {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return kernelhost.Buffer{Bytes: kernelhost.Bytes(v)}
}

// gather_batch fills every batch of a shuffled epoch, the short last one included,
// with the pixels, one-hot targets and row weights the host's batches give, to the bit.
func TestGatherBatchMatchesHostBatches(t *testing.T) {
	driver(t)
	const n, rows, cols, b = 37, 28, 28, 16
	px := rows * cols
	rng := rand.New(rand.NewPCG(3, 4))
	images, labels := make([]uint8, n*px), make([]uint8, n)
	for i := range images {
		images[i] = uint8(rng.IntN(256))
	}
	for i := range labels {
		labels[i] = uint8(rng.IntN(dataset.NumClasses))
	}
	set, err := dataset.NewSet(images, labels, n, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	type batch struct {
		x, t []float32
		n    int
	}
	var perm []int64
	var want []batch
	for it := set.Batches(b, true, 5); it.Next(); {
		for _, i := range it.Indices() {
			perm = append(perm, int64(i))
		}
		want = append(want, batch{slices.Clone(it.Float32()), slices.Clone(it.OneHot()), it.Len()})
	}
	if len(want) != 3 || want[2].n != 5 {
		t.Fatalf("the epoch has %d batches, the last of %d examples; want 3 and 5", len(want), want[len(want)-1].n)
	}
	for k, w := range want {
		mem := make([]kernelhost.Buffer, gatherWeights+1)
		mem[gatherImages] = kernelhost.Buffer{Bytes: images}
		mem[gatherLabels] = kernelhost.Buffer{Bytes: labels}
		mem[gatherPerm] = kernelhost.Buffer{Bytes: kernelhost.Bytes(perm)}
		mem[gatherScale] = kernelhost.Buffer{Bytes: kernelhost.Bytes(scaleTable())}
		mem[gatherX], mem[gatherTargets], mem[gatherWeights] = nans(b*px), nans(b*dataset.NumClasses), nans(b)
		weight := float32(1) / float32(w.n) // the trainer's row weight (lenet.Classifier.TrainBatch)
		run(t, gatherBatch(k*b, w.n, b, px, dataset.NumClasses, weight), mem, -1)
		wx := append(w.x, make([]float32, (b-w.n)*px)...)
		wt := append(w.t, make([]float32, (b-w.n)*dataset.NumClasses)...)
		ww := make([]float32, b)
		for i := range w.n {
			ww[i] = weight
		}
		for _, c := range []struct {
			what      string
			got, want []float32
		}{
			{"pixels", kernelhost.Float32s(mem[gatherX].Bytes), wx},
			{"targets", kernelhost.Float32s(mem[gatherTargets].Bytes), wt},
			{"weights", kernelhost.Float32s(mem[gatherWeights].Bytes), ww},
		} {
			if d := compare(c.got, c.want); !d.same {
				t.Errorf("batch %d (%d examples): %s differ from the host's (max diff %.3g)", k, w.n, c.what, d.abs)
			}
		}
	}
}

// sgd_update takes the SGD step of all of LeNet's parameters in one launch, to the bit
// what the trainer's update computes (gonum's axpy, w + (-lr)·g, lenet/shard.go), with
// the launch's own grid and with a grid of 3 blocks, whose threads each cross several
// parameters.
func TestSGDUpdateMatchesHostStep(t *testing.T) {
	driver(t)
	g := gorgonia.NewGraph()
	net, err := lenet.NewNet(g, "", lenet.ClassicSpec(), tensor.Float32, nn.FastOps, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var params, grads [][]float32
	for _, p := range net.Params() {
		params = append(params, slices.Clone(p.Value().Data().([]float32)))
		grads = append(grads, uniform(rng, p.Shape().TotalSize()))
	}
	const lr = float32(0.9)
	var blas gonum.Implementation
	want := make([][]float32, len(params))
	for i, p := range params {
		want[i] = slices.Clone(p)
		blas.Saxpy(len(p), -lr, grads[i], 1, want[i], 1)
	}
	np := len(params)
	refs := func(first int) []int64 {
		r := make([]int64, np)
		for i := range r {
			r[i] = kernelhost.Ref(first + i)
		}
		return r
	}
	lens := make([]int, np)
	for i, p := range params {
		lens[i] = len(p)
	}
	table, total, err := sgdTable(refs(1), refs(1+np), lens)
	if err != nil {
		t.Fatal(err)
	}
	if total != 61706 {
		t.Fatalf("LeNet has %d parameters, want 61706", total)
	}
	l := sgdUpdate(np, total, lr)
	small := l
	small.Grid = [2]int{3, 1}
	for _, l := range []opkit.Launch{l, small} {
		mem := []kernelhost.Buffer{{Bytes: kernelhost.Bytes(table), Table: true}}
		for _, p := range params {
			mem = append(mem, kernelhost.Buffer{Bytes: kernelhost.Bytes(p)})
		}
		for _, g := range grads {
			mem = append(mem, kernelhost.Buffer{Bytes: kernelhost.Bytes(g)})
		}
		run(t, l, mem, -1)
		for i := range params {
			if d := compare(kernelhost.Float32s(mem[1+i].Bytes), want[i]); !d.same {
				t.Errorf("grid %v: parameter %d (%d values) differs from the host's step by up to %.3g", l.Grid, i, lens[i], d.abs)
			}
			if d := compare(kernelhost.Float32s(mem[1+np+i].Bytes), grads[i]); !d.same {
				t.Errorf("grid %v: gradient %d was written", l.Grid, i)
			}
		}
	}
}

// xent_step's loss, gradient and correct count are those of graph/nn's
// SoftmaxCrossEntropy and of the trainer's count (first maximum, lenet.Argmax), on a
// batch with padding rows and a tie; it adds to the sums it is given. The tolerance,
// 1e-6 of the largest value, covers its float32 sums of 10 terms against the CPU's
// float64 ones and exp2f/log2f (on the GPU ex2/lg2.approx, 2^-22 relative) against
// math.Exp and math.Log.
func TestXentStepMatchesLoss(t *testing.T) {
	driver(t)
	const b, n, k = 8, 6, 10
	rng := rand.New(rand.NewPCG(7, 8))
	z := uniform(rng, b*k)
	for i := range z {
		z[i] *= 4
	}
	z[2*k+3], z[2*k+7] = 9, 9 // a tie: the first maximum counts
	tg, w := make([]float32, b*k), make([]float32, b)
	labels := make([]int, n)
	for i := range n {
		labels[i] = rng.IntN(k)
		tg[i*k+labels[i]] = 1
		w[i] = float32(1) / n
	}
	labels[2] = 3
	clear(tg[2*k : 3*k])
	tg[2*k+3] = 1

	g := gorgonia.NewGraph()
	in := optest.Nodes(g, []*tensor.Dense{
		tensor.New(tensor.WithShape(b, k), tensor.WithBacking(z)),
		tensor.New(tensor.WithShape(b, k), tensor.WithBacking(tg)),
		tensor.New(tensor.WithShape(b), tensor.WithBacking(w)),
	})
	loss, err := nn.SoftmaxCrossEntropy(in[0], in[1], in[2])
	if err != nil {
		t.Fatal(err)
	}
	dz, err := gorgonia.Grad(loss, in[0])
	if err != nil {
		t.Fatal(err)
	}
	runCPU(t, g)
	wantLoss, wantDz := float64(values(t, loss)[0]), values(t, dz[0])
	correct := 0
	for i, l := range labels {
		if lenet.Argmax(z[i*k:(i+1)*k]) == l {
			correct++
		}
	}

	for _, grad := range []bool{true, false} {
		mem := make([]kernelhost.Buffer, xentSums+1)
		mem[xentLogits] = kernelhost.Buffer{Bytes: kernelhost.Bytes(z)}
		mem[xentTargets] = kernelhost.Buffer{Bytes: kernelhost.Bytes(tg)}
		mem[xentWeights] = kernelhost.Buffer{Bytes: kernelhost.Bytes(w)}
		mem[xentGrad] = nans(b * k)
		mem[xentSums] = kernelhost.Buffer{Bytes: kernelhost.Bytes([]float64{0.5, 3})}
		run(t, xentStep(b, k, grad), mem, -1)
		sums := kernelhost.Float64s(mem[xentSums].Bytes)
		if got := sums[0] - 0.5; math.Abs(got-wantLoss) > 1e-6*wantLoss {
			t.Errorf("grad %v: loss %.9g, want %.9g", grad, got, wantLoss)
		}
		if got := sums[1] - 3; got != float64(correct) {
			t.Errorf("grad %v: correct count %v, want %d", grad, got, correct)
		}
		gotDz := kernelhost.Float32s(mem[xentGrad].Bytes)
		if !grad {
			if d := compare(gotDz, kernelhost.Float32s(nans(b*k).Bytes)); !d.same {
				t.Error("without a gradient buffer the kernel wrote one")
			}
			continue
		}
		d := compare(gotDz, wantDz)
		if !d.ok || d.rel > 1e-6 {
			t.Errorf("gradient differs by up to %.3g (%.3g of the largest)", d.abs, d.rel)
		}
		t.Logf("loss %.9g (cpu %.9g), correct %v, gradient max |gpu-cpu| %.3g (relative %.3g)", sums[0]-0.5, wantLoss, sums[1]-3, d.abs, d.rel)
	}
}

// conv_act_fwd and gemm_act, with the launch of the convolution or dense op itself
// and the activation kind of the ReLU or Sigmoid op's own act_fwd launch
// (withActivation), give what the op followed by the CPU's ReLU or Sigmoid gives,
// within the convolution's and product's tolerance.
func TestFusedActivationMatchesOps(t *testing.T) {
	driver(t)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		name string
		kind int // the kind act_fwd takes, checked against the op's launch
		act  func(*gorgonia.Node) (*gorgonia.Node, error)
	}{{"relu", 0, nn.ReLU}, {"sigmoid", 1, nn.Sigmoid}} {
		g := gorgonia.NewGraph()
		x := input(g, rng, "x", 4, 1, 28, 28)
		conv, err := nn.FusedConv2D(x, input(g, rng, "w", 6, 1, 5, 5), input(g, rng, "b", 6), [2]int{2, 2}, [2]int{1, 1})
		if err != nil {
			t.Fatal(err)
		}
		h := input(g, rng, "h", 8, 400)
		dense, err := nn.Dense(h, input(g, rng, "w2", 400, 120), input(g, rng, "b2", 120))
		if err != nil {
			t.Fatal(err)
		}
		var outs []*gorgonia.Node
		for _, n := range []*gorgonia.Node{conv, dense} {
			a, err := c.act(n)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, a)
		}
		runCPU(t, g)
		for i, n := range []*gorgonia.Node{conv, dense} {
			act := outs[i].Op().(*opkit.Op).OpSpec().GPU([]tensor.Shape{n.Shape()}, outs[i].Shape())
			kind := act.Args[len(act.Args)-1]
			if act.Kernel != "act_fwd" || kind != c.kind {
				t.Fatalf("%s: the op launches %s with kind %v, want act_fwd with %d", c.name, act.Kernel, kind, c.kind)
			}
			mem, shapes := operands(t, g, n)
			l, err := withActivation(n.Op().(*opkit.Op).OpSpec().GPU(shapes, n.Shape()), kind)
			if err != nil {
				t.Fatal(err)
			}
			mem = append(mem, nans(n.Shape().TotalSize()))
			run(t, l, mem, len(mem)-1)
			d := compare(kernelhost.Float32s(mem[len(mem)-1].Bytes), values(t, outs[i]))
			if !d.ok || d.rel > 2e-5 {
				t.Errorf("%s %s: max |gpu-cpu| %.3g (%.3g of the largest)", c.name, l.Kernel, d.abs, d.rel)
			}
			t.Logf("%s %-12s max |gpu-cpu| %.3g, relative %.3g", c.name, l.Kernel, d.abs, d.rel)
		}
	}
	if _, err := withActivation(opkit.Launch{Kernel: "pool_fwd"}, 0); err == nil {
		t.Error("withActivation accepted pool_fwd")
	}
}
