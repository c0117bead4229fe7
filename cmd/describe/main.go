// Command describe works out a network's shapes without building it: for every module
// of the PyTorch nn.Sequential a spec becomes (activations and Flatten included), its
// output shape, parameters, multiply-adds and receptive field, then the totals. An
// impossible spec gets one line naming the first layer that breaks, with the
// arithmetic.
//
// Usage:
//
//	go run ./cmd/describe -model SPEC|CHECKPOINT [-json | -pytorch]
//
// SPEC is a preset (classic, modern) or a spec such as
// conv8k3p1-relu-max2-conv16k3-relu-max2-dense64-relu-lr0.1; CHECKPOINT a file written
// by train -save. -json prints {"layers": [{"kind", "module", "shape", "params",
// "macs", "receptive_field"}], "params", "macs"}; -pytorch prints a Python module
// whose build() returns the nn.Sequential and whose load(path) loads a checkpoint
// into it.
//
// Exit status: 0 on success, 2 on bad usage (a malformed or impossible spec among it),
// 1 on any other failure, each failure one line on stderr.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
