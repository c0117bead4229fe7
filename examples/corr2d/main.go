// Command corr2d shows docs/chapter.md section 2, "Convolutions for images", with the
// project's custom Corr2D op:
//
//   - corr2d(X, K) for X = [[0,1,2],[3,4,5],[6,7,8]] and K = [[0,1],[2,3]];
//   - edge detection: X = ones(6, 8) with columns 2..5 set to 0 and K = [[1, -1]] give
//     1 at column 1 and -1 at column 5, zeros elsewhere;
//   - corr2d(X^T, K) is all zeros: this kernel only sees vertical edges;
//   - cross-correlation vs convolution: a true convolution flips the kernel, and gives
//     -Y here; since kernels are learned, the flip does not matter.
//
// `corr2d exercises` answers the section's exercises (see exercises.go).
package main

import (
	"fmt"
	"io"

	"github.com/d2l-go/convnets/examples/internal/exgraph"
	"github.com/d2l-go/convnets/graph"
	"github.com/d2l-go/convnets/internal/examplemain"
	"gorgonia.org/gorgonia"
)

func main() { examplemain.Main("corr2d", run, exercises) }

// edgeImage is the chapter's 6x8 image: ones, with a black band in columns 2..5.
func edgeImage() []float32 {
	x := make([]float32, 6*8)
	for i := range x {
		if c := i % 8; c < 2 || c > 5 {
			x[i] = 1
		}
	}
	return x
}

// results are the nodes run prints.
type results struct {
	x, k, y, edges, y0, transposed, flippedK, convolved *gorgonia.Node
}

// build puts every expression of the section into g.
func build(g *gorgonia.ExprGraph) (*results, error) {
	var r results
	var err error
	r.x = exgraph.Node(g, "X", []float32{0, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 3)
	r.k = exgraph.Node(g, "K", []float32{0, 1, 2, 3}, 2, 2)
	if r.y, err = graph.Corr2D(r.x, r.k); err != nil {
		return nil, fmt.Errorf("corr2d(X, K): %w", err)
	}
	r.edges = exgraph.Node(g, "edges", edgeImage(), 6, 8)
	edgeK := exgraph.Node(g, "edgeK", []float32{1, -1}, 1, 2)
	if r.y0, err = graph.Corr2D(r.edges, edgeK); err != nil {
		return nil, fmt.Errorf("edge detection: %w", err)
	}
	xt, err := gorgonia.Transpose(r.edges)
	if err != nil {
		return nil, fmt.Errorf("transposing X: %w", err)
	}
	if r.transposed, err = graph.Corr2D(xt, edgeK); err != nil {
		return nil, fmt.Errorf("corr2d(X^T, K): %w", err)
	}
	// A convolution flips the kernel in both directions; [[1, -1]] becomes [[-1, 1]].
	r.flippedK = exgraph.Node(g, "flippedK", []float32{-1, 1}, 1, 2)
	if r.convolved, err = graph.Corr2D(r.edges, r.flippedK); err != nil {
		return nil, fmt.Errorf("convolution: %w", err)
	}
	return &r, nil
}

// run builds and runs the section's graph and prints its results.
func run(w io.Writer) error {
	g := gorgonia.NewGraph()
	r, err := build(g)
	if err != nil {
		return err
	}
	if err := exgraph.Run(g); err != nil {
		return fmt.Errorf("running the graph: %w", err)
	}
	negated, err := isNegation(r.convolved.Value(), r.y0.Value())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "X =\n%s\nK =\n%s\ncorr2d(X, K) =\n%s\n\n", graph.Format(r.x.Value()), graph.Format(r.k.Value()), graph.Format(r.y.Value()))
	fmt.Fprintf(w, "edge detection: X (6x8), white (1) with a black (0) band in columns 2..5\n%s\n", graph.Format(r.edges.Value()))
	fmt.Fprintf(w, "K = [[1, -1]]; Y = corr2d(X, K) (6x7): 1 at a white-to-black edge, -1 at black-to-white\n%s\n", graph.Format(r.y0.Value()))
	fmt.Fprintf(w, "corr2d(X^T, K) (8x5) is all zeros: K only detects vertical edges\n%s\n\n", graph.Format(r.transposed.Value()))
	fmt.Fprintf(w, "cross-correlation vs convolution: a convolution flips the kernel, K -> %s,\n", graph.Format(r.flippedK.Value()))
	fmt.Fprintf(w, "and gives -Y here (checked: %v). A learned kernel absorbs the flip, so deep\n", negated)
	fmt.Fprintln(w, "learning frameworks compute cross-correlation and call it convolution.")
	return nil
}

// isNegation reports whether a = -b entry by entry.
func isNegation(a, b gorgonia.Value) (bool, error) {
	ad, ok1 := a.Data().([]float32)
	bd, ok2 := b.Data().([]float32)
	if !ok1 || !ok2 || len(ad) != len(bd) {
		return false, fmt.Errorf("comparing %v and %v values", a.Shape(), b.Shape())
	}
	for i := range ad {
		if ad[i] != -bd[i] {
			return false, nil
		}
	}
	return true, nil
}
