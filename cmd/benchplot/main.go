// Command benchplot draws make bench-compare's summary as a PNG: for each network, the
// project's examples/sec and PyTorch's side by side, each bar as tall as the median of
// the rounds with a whisker from the slowest round to the fastest, and the ratio of the
// medians written above.
//
// Usage:
//
//	go run ./cmd/benchplot -in SUMMARY.tsv -out PNG [-title TEXT]
//
// SUMMARY.tsv is what scripts/bench-compare.sh writes beside its table: one line per
// network, tab-separated: the name, then the project's min, median and max, then
// PyTorch's min, median and max. Lines starting with '#' are comments.
//
// Exit status: 0 on success, 2 on bad usage, 1 on any other failure (a malformed
// summary among them), each failure one line on stderr.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
