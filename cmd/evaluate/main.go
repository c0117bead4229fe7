// Command evaluate runs LeNet weights on the Fashion-MNIST test set: a checkpoint written
// by cmd/train -save, or a safetensors file holding only the ten tensors of the d2l
// LeNet's PyTorch state_dict (0.weight, 0.bias, 3.weight, ..., 11.bias), such as one
// written by scripts/torch_check.py. A checkpoint of a run on MNIST (cmd/train -dataset
// mnist) is run on MNIST's test set.
//
// Usage:
//
//	go run ./cmd/evaluate -model FILE [-data DIR] [-variant SPEC] [-save FILE]
//
// It prints where the weights come from, the accuracy of every class, and closes with
//
//	test acc 0.8216
//
// Exit status: 0 on success, 2 on bad usage, 1 on any other failure, each failure one
// line on stderr.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
