// Command sweep trains LeNet variants side by side, the chapter's LeNet exercises
// (max pooling, ReLU, kernel size, channels, layers, learning rate, init), on the
// same data and seed, and compares them.
//
// Usage:
//
//	go run ./cmd/sweep -out DIR [-epochs N] [-limit N] [-variants LIST] [-dataset mnist]
//
// It writes DIR/sweep.md (one row per variant: spec, parameters, final loss, train
// and test accuracy, examples/sec), DIR/sweep.png (test accuracy per epoch, one line
// per variant) and DIR/sweep.json, all rewritten atomically after every variant, so
// an interrupted sweep keeps its finished rows. A variant is a lenet.Spec: see
// lenet.ParseSpec for the compact syntax, -list for the built-in ones.
//
// Exit status: 0 on success, 2 on bad usage, 1 on any other failure, 130 when
// interrupted (the finished variants stay in DIR).
package main

import "github.com/d2l-go/convnets/internal/cli"

func main() { cli.Main(run) }
