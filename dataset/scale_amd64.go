//go:build amd64 && !purego

package dataset

import "golang.org/x/sys/cpu"

// haveAVX2 says whether scale8 can run.
var haveAVX2 = cpu.X86.HasAVX2

// scale8 is implemented in scale_amd64.s: pixels to [0, 1] floats, eight at a time.
//
//go:noescape
func scale8(src *uint8, dst *float32, blocks int)

// scaleVector converts the longest prefix of src that this CPU's vector unit takes
// into dst (as scale32 does) and returns its length.
func scaleVector(dst []float32, src []uint8) int {
	blocks := len(src) / 8
	if !haveAVX2 || blocks == 0 {
		return 0
	}
	scale8(&src[0], &dst[0], blocks)
	return blocks * 8
}
