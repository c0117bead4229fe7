// Command explain shows what a trained LeNet does with one Fashion-MNIST test image, in
// the spirit of CNN Explainer (docs/chapter.md section 7): one PNG that walks through
// the network.
//
// Usage:
//
//	go run ./cmd/explain -model FILE [-index N] [-out DIR] [-data DIR]
//
// FILE is a checkpoint written by cmd/train's -save; the network variant (classic or
// modern) is read from it. For test image N (default 0) it writes DIR/explain-N.png
// (DIR defaults to "out") holding:
//
//   - the input image with its true label, and the ten class probabilities as a bar
//     chart with the true label marked;
//   - for each convolution layer, its feature maps after the activation and after the
//     pooling, one small heat map per channel, both sharing one colour scale with a
//     colour bar;
//   - the learned first-layer kernels with their values and biases;
//   - the layer-by-layer shape summary, which it also prints.
//
// Every number in the picture comes from lenet.Inspect: the image run alone through a
// batch-1 copy of the network with the checkpoint's weights.
//
// Exit status: 0 on success, 2 on bad usage (a missing -model, an -index outside the
// test set, an unknown flag), 1 on any other failure (a missing or corrupt checkpoint,
// missing data, a file that cannot be written), each failure with one line on stderr.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
