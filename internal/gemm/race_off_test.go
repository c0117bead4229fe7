//go:build !race

package gemm

// raceEnabled: see race_on_test.go.
const raceEnabled = false
