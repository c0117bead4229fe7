package main

import (
	"fmt"
	"io"
	"math"
	"math/cmplx"

	"gorgonia.org/gorgonia"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/graph/geom"
)

// moreCases are other padding and stride combinations (exercise 2) on the 8x8 input.
var moreCases = []shapeCase{
	{[2]int{2, 2}, [2]int{0, 0}, [2]int{2, 2}},
	{[2]int{5, 5}, [2]int{2, 2}, [2]int{3, 3}},
	{[2]int{4, 4}, [2]int{1, 1}, [2]int{1, 1}},
	{[2]int{1, 1}, [2]int{0, 0}, [2]int{3, 3}},
	{[2]int{8, 8}, [2]int{0, 0}, [2]int{1, 1}},
	{[2]int{3, 7}, [2]int{1, 3}, [2]int{1, 2}},
}

// exercises answers the section's exercises whose answer is a computation:
// exercise 1 is the last line of run (3x5 kernel, padding (0,1), stride (3,4): 2x2);
// exercise 2, other combinations; exercise 3, what a stride of 2 does to an audio
// signal; exercise 5, what a stride saves.
func exercises(w io.Writer) error {
	fmt.Fprintln(w, "Exercise 2: other padding and stride combinations on the 8x8 input")
	for _, c := range moreCases {
		oh, ow, err := convShape(c)
		if err != nil {
			return err
		}
		fh := geom.OutputSize(side, c.kernel[0], c.pad[0], c.stride[0])
		fw := geom.OutputSize(side, c.kernel[1], c.pad[1], c.stride[1])
		fmt.Fprintf(w, "  kernel %dx%d, padding (%d,%d), stride (%d,%d): Conv2D %dx%d, formula %dx%d\n",
			c.kernel[0], c.kernel[1], c.pad[0], c.pad[1], c.stride[0], c.stride[1], oh, ow, fh, fw)
		if oh != fh || ow != fw {
			return fmt.Errorf("kernel %v: Conv2D gave %dx%d but the formula %dx%d", c.kernel, oh, ow, fh, fw)
		}
	}
	fmt.Fprintln(w)
	if err := audio(w); err != nil {
		return err
	}
	return strideCost(w)
}

// conv1d runs graph.Conv2D on a signal as a (1,1,1,n) image with a (1,1,1,k) kernel
// and a stride along the signal.
func conv1d(x, k []float64, stride int) ([]float64, error) {
	g := gorgonia.NewGraph()
	xn := exgraph.Node(g, "x", x, 1, 1, 1, len(x))
	kn := exgraph.Node(g, "k", k, 1, 1, 1, len(k))
	y, err := graph.Conv2D(xn, kn, [2]int{0, 0}, [2]int{1, stride})
	if err != nil {
		return nil, err
	}
	if err := exgraph.Run(g); err != nil {
		return nil, err
	}
	return y.Value().Data().([]float64), nil
}

// peak returns the strongest frequency bin of x (0..len/2) and its amplitude.
func peak(x []float64) (bin int, amp float64) {
	n := len(x)
	for f := 0; f <= n/2; f++ {
		var s complex128
		for i, v := range x {
			s += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(f*i)/float64(n)))
		}
		if a := 2 * cmplx.Abs(s) / float64(n); a > amp {
			bin, amp = f, a
		}
	}
	return bin, amp
}

// audio is exercise 3: a stride of 2 on a signal keeps every second sample, halving
// the sample rate. Tones below the new Nyquist frequency (a quarter of the old rate)
// survive; a tone above it folds back to a wrong, lower frequency (aliasing) unless a
// low-pass kernel weakens it first.
func audio(w io.Writer) error {
	const n, rate = 64, 8000.0 // 64 samples at 8 kHz
	fmt.Fprintf(w, "Exercise 3: a stride of 2 on audio (%d samples at %.0f Hz) halves the sample rate to %.0f Hz\n", n, rate, rate/2)
	for _, c := range []struct {
		tone   int // cycles in the 64 samples
		kernel []float64
		label  string
	}{
		{6, []float64{1}, "kernel [1]       "},
		{24, []float64{1}, "kernel [1]       "},
		{24, []float64{0.5, 0.5}, "kernel [1/2, 1/2]"},
	} {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Cos(2 * math.Pi * float64(c.tone*i) / n)
		}
		y, err := conv1d(x, c.kernel, 2)
		if err != nil {
			return err
		}
		inBin, _ := peak(x)
		outBin, amp := peak(y)
		in := float64(inBin) * rate / n
		out := float64(outBin) * rate / 2 / float64(len(y))
		fmt.Fprintf(w, "  %4.0f Hz tone, %s stride 2: %2d samples, strongest tone %4.0f Hz, amplitude %.2f\n", in, c.label, len(y), out, amp)
	}
	fmt.Fprintln(w, "  the 750 Hz tone survives; 3000 Hz is above the new Nyquist frequency (2000 Hz) and comes out")
	fmt.Fprintln(w, "  as 1000 Hz (aliasing); averaging two samples first (a low-pass kernel) weakens it to 0.38.")
	fmt.Fprintln(w)
	return nil
}

// strideCost is exercise 5: a stride of s computes about 1/s^2 of the outputs, and
// so of the multiply-adds.
func strideCost(w io.Writer) error {
	fmt.Fprintln(w, "Exercise 5: what a stride saves, 3x3 kernel, padding 1, on a 28x28 image")
	base := 0
	for _, s := range []int{1, 2, 3, 4} {
		o := geom.OutputSize(28, 3, 1, s)
		macs := o * o * 9
		if s == 1 {
			base = macs
		}
		fmt.Fprintf(w, "  stride %d: %2dx%-2d output, %4d multiply-adds, %.3f of stride 1's (1/s^2 = %.3f)\n",
			s, o, o, macs, float64(macs)/float64(base), 1/float64(s*s))
	}
	return nil
}
