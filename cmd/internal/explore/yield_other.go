//go:build !js

package explore

// yieldToHost does nothing where goroutines run on threads of their own (see
// yield_js.go).
func yieldToHost() {}
