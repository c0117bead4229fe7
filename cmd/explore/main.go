// Command explore serves a CNN explorer in the browser, in the spirit of CNN
// Explainer: every layer's feature maps for any input (a test image by index, by class,
// at random, among the network's mistakes, noise, or a drawing), and, for any unit, the
// window, kernels, products, sum and activation that make its value, with the
// network's own numbers.
//
// Usage:
//
//	go run ./cmd/explore [-model FILE] [-addr 127.0.0.1:8080] [-data DIR] [-runs DIR] [-export DIR]
//
// FILE is a checkpoint written by cmd/train -save (its variant, classic or modern, is
// read from it), or a safetensors file with only the d2l LeNet's PyTorch state_dict
// (taken as classic LeNet unless it names its variant, and the output says so).
// Without -model, explore uses out/lenet.safetensors when there is one, else
// out/lenet.ckpt (a checkpoint saved under its older name), and otherwise first trains
// a quick model (the classic LeNet, 2 epochs, about 20 s on two cores) and says so. It
// prints the page's address and serves until interrupted. The page's files are in the
// binary: it works offline and fetches nothing from elsewhere. The JSON API it serves
// is described in cmd/internal/explore.
//
// The page's Design & train view builds a network layer by layer, trains it on the
// server (one run at a time) and compares the runs; each run is kept in -runs DIR
// (default out/runs) as its checkpoint and a small JSON file, and read back at the
// next start. See docs/designer.md.
//
// With -export DIR it serves nothing: it writes the explorer as one static folder that
// any web server serves, the network built for WebAssembly and running in the browser
// (see docs/site.md).
//
// Exit status: 0 when stopped with Ctrl-C, 2 on bad usage, 1 on any other failure (a
// missing or corrupt checkpoint, missing data, an address in use), each failure with
// one line on stderr.
package main

import "github.com/d2l-go/convnets/internal/cli"

func main() { cli.Main(run) }
