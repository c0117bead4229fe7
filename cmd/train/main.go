// Command train trains LeNet on Fashion-MNIST, the chapter's train_ch6, and writes the
// training curves, sample predictions and metrics to an output folder.
//
// Usage:
//
//	go run ./cmd/train [flags]
//
// It prints one line per epoch and closes with the textbook's two lines:
//
//	loss 0.384, train acc 0.857, test acc 0.827
//	4872.3 examples/sec on cpu
//
// Ctrl-C or SIGTERM finishes the current batch (or abandons the current evaluation),
// saves the curves and, with -save, a checkpoint of the exact position, and says on one
// line what it saved; -resume continues from there and ends with the numbers of the
// run that was never interrupted.
//
// With -serve ADDR it also serves the LeNet explorer of cmd/explore at ADDR while it
// trains: the curves grow point by point and the page takes the weights after every
// epoch; it stays up after training until Ctrl-C.
//
// Exit status: 0 on success, 2 on bad usage, 130 when interrupted, 1 on any other
// failure, each failure with one line on stderr.
package main

import (
	"github.com/d2l-go/convnets/graph/device"
	"github.com/d2l-go/convnets/internal/cli"
)

func main() {
	// -ops gorgonia trains through Gorgonia's own matrix products: give them the
	// project's float32 GEMM, as the throughput figures in docs/performance.md assume.
	device.UseBLAS()
	cli.Main(run)
}
