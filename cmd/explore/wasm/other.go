//go:build !js

package main

// serveJS exists only in the WebAssembly build (bridge_js.go).
func serveJS() {}
