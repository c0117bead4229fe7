// Command kernels applies the common image kernels of docs/chapter.md section 2 to a
// real Fashion-MNIST image with the project's own cross-correlation, graph.Corr2D, and
// saves the results as one PNG grid: each kernel with its numbers above the image it
// makes.
//
// Usage:
//
//	go run ./examples/kernels [-index N] [-data DIR] [-out DIR]
//
// It uses test image N (default 0, an ankle boot) and writes DIR/kernels.png (DIR
// defaults to "out"). The kernels, all 3x3:
//
//	identity       0 0 0 / 0 1 0 / 0 0 0       the image itself
//	box blur       1 1 1 / 1 1 1 / 1 1 1, /9   the mean of the neighbourhood
//	Gaussian blur  1 2 1 / 2 4 2 / 1 2 1, /16  a mean weighted towards the centre
//	sharpen        0 -1 0 / -1 5 -1 / 0 -1 0   the image plus its negative Laplacian
//	Sobel x        -1 0 1 / -2 0 2 / -1 0 1    horizontal change: vertical edges
//	Sobel y        -1 -2 -1 / 0 0 0 / 1 2 1    vertical change: horizontal edges
//	Laplacian 4    0 1 0 / 1 -4 1 / 0 1 0      second derivative, 4 neighbours
//	Laplacian 8    1 1 1 / 1 -8 1 / 1 1 1      second derivative, 8 neighbours
//
// Blur kernels sum to 1 and keep the brightness; the edge kernels sum to 0 and answer
// only where the image changes. Corr2D does no padding, so a 28x28 image gives 26x26
// outputs.
//
// Exit status: 0 on success, 2 on bad usage, 1 on any other failure (missing data, a
// file that cannot be written), with one line on stderr.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
