// Command wasm is the explorer's network built for WebAssembly (GOOS=js GOARCH=wasm):
// the module an exported folder runs in a Web Worker (go run ./cmd/explore -export
// DIR builds it; see docs/site.md). It answers the page's requests with the same
// handlers as the explorer's server, cmd/internal/explore's, on the folder's weights and
// data, so that both modes give the same JSON.
//
// Built for any other platform it only says what it is for, and exits 2.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	if runtime.GOOS != "js" {
		fmt.Fprintln(os.Stderr, "wasm: this is the explorer's WebAssembly module; build it with go run ./cmd/explore -export DIR (GOOS=js GOARCH=wasm)")
		os.Exit(2)
	}
	serveJS()
}
