//go:build !amd64 || purego

package dataset

// scaleVector converts nothing: this build has no vector conversion.
func scaleVector(dst []float32, src []uint8) int { return 0 }
