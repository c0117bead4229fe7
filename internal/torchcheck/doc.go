// Package torchcheck is the Go half of the check that every op of the project computes
// what PyTorch computes, in values and in gradients (make torch-ops). It holds only
// tests: TestDump runs every op of packages graph and graph/nn, and the whole LeNet of
// package lenet, on seeded random inputs through a TapeMachine and writes what came out
// to a safetensors file; scripts/torch_ops_check.py recomputes every case with
// torch.nn.functional and compares.
//
//	go test ./internal/torchcheck -run '^TestDump$' -count=1 -args -out /abs/path/FILE
//	/usr/bin/python3 scripts/torch_ops_check.py FILE
//
// Without -out, TestDump writes to a temporary folder; either way it checks what it
// wrote (make test runs it, so the Go half cannot rot without PyTorch).
//
// # A case
//
// Each case is one op, one configuration and one dtype (float64, float32): its
// differentiated inputs x_k, its data inputs (targets and row weights of a loss, which
// are not differentiated), its outputs y (the first one, y_0, the op's result), a tensor
// R of y_0's shape drawn from the case's seed, and the gradients
//
//	dL/dx_k    of    L = sum(y_0 ⊙ R)
//
// computed by gorgonia.Grad and the TapeMachine. R is 1 when y_0 is a scalar (a loss),
// so that L is the loss itself. Float32 cases hold float32 values: their inputs are the
// float64 draws rounded.
//
// Inputs of max and min pooling hold distinct values, so no window has two maxima, except
// in the cases named "ties", which test the rule deliberately: the gradient goes to the
// first maximum (minimum) of the window in row-major order, as PyTorch's CPU max_pool2d
// does. The LeNet cases meet such ties too: their images have Fashion-MNIST's black
// border, so the first convolution gives exactly its bias on every all-zero window and
// max pooling (modern) sees windows of equal values. ReLU's gradient at exactly 0 is 0 in
// both (the case "ReLU zeros" holds exact zeros).
//
// # The file
//
// A safetensors file. Its metadata "torchcheck.cases" is a JSON array with one object
// per case:
//
//	{"name": "Conv2D x(2,3,7,9) w(4,3,2,3) pad(1,0) stride(1,2) float64",
//	 "op": "conv2d", "dtype": "F64", "prefix": "c012/",
//	 "attrs": {"pad": [1, 0], "stride": [1, 2]},
//	 "inputs": ["x", "w"], "data": [], "outputs": ["y"]}
//
// and its tensors, in the case's dtype, are named from the prefix:
//
//	PREFIX in/NAME     every differentiated input, in the op's argument order
//	PREFIX data/NAME   every data input
//	PREFIX out/NAME    every output, the first one y_0
//	PREFIX r           R, shaped as y_0
//	PREFIX grad/NAME   dL/dNAME for every differentiated input, shaped as it
//
// "op" says what the PyTorch side computes (the docstring of scripts/torch_ops_check.py
// lists them), "attrs" the op's settings. The LeNet cases ("lenet", "lenet_trainer") name
// their parameters as package lenet does (conv1.weight, ..., fc3.bias) and store them in
// its layouts (a convolution's bias (1, C, 1, 1), a linear weight (in, out)).
package torchcheck
