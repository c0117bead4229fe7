//go:build amd64 && !purego

package nn

import (
	"math"

	"golang.org/x/sys/cpu"
)

// haveAVX2 says whether the vector kernels can run: sigmoid8 needs AVX2 for its integer
// vector ops.
var haveAVX2 = cpu.X86.HasAVX2

// sigmoidConsts are sigmoid8's constants, each eight times: -0 (to flip signs), the
// clamp of -x to [-87.3, 88], expReduced32's constants, 1, and the exponent bias 127.
type sigmoidConsts [15][8]uint32

var sigmoidTable = func() *sigmoidConsts {
	var c sigmoidConsts
	splat(c[:], []float32{float32(math.Copysign(0, -1)), -87.3, 88, exp32Log2e, exp32Round, exp32Ln2Hi, exp32Ln2Lo,
		exp32P0, exp32P1, exp32P2, exp32P3, exp32P4, exp32P5, 1}, 127)
	return &c
}()

// splat fills the rows of a vector kernel's constant table with eight copies each: of
// the bits of floats, then of the integer last.
func splat(c [][8]uint32, floats []float32, last uint32) {
	for i, v := range floats {
		for j := range c[i] {
			c[i][j] = math.Float32bits(v)
		}
	}
	for j := range c[len(floats)] {
		c[len(floats)][j] = last
	}
}

// sigmoid8 is implemented in vector_amd64.s: sigmoid32 of blocks·8 floats.
//
//go:noescape
func sigmoid8(x, y *float32, blocks int, c *sigmoidConsts)

// sigmoidVector computes sigmoid32 of the longest prefix of x that this CPU's vector
// unit takes, into y, and returns its length.
func sigmoidVector(x, y []float32) int {
	blocks := len(x) / 8
	if !haveAVX2 || blocks == 0 {
		return 0
	}
	sigmoid8(&x[0], &y[0], blocks, sigmoidTable)
	return blocks * 8
}

// tanhConsts are tanh8's constants, each eight times: the masks of |x| and of the
// sign, the clamp 10, tanh32Go's polynomial, its range end 0.625, 1, 2, expReduced32's
// constants and the exponent bias 127.
type tanhConsts [22][8]uint32

var tanhTable = func() *tanhConsts {
	var c tanhConsts
	splat(c[:], []float32{math.Float32frombits(0x7fffffff), math.Float32frombits(tanh32Sign), tanh32Clamp,
		tanh32P0, tanh32P1, tanh32P2, tanh32P3, tanh32P4, tanh32Small, 1, 2,
		exp32Log2e, exp32Round, exp32Ln2Hi, exp32Ln2Lo, exp32P0, exp32P1, exp32P2, exp32P3, exp32P4, exp32P5}, 127)
	return &c
}()

// tanh8 is implemented in vector_amd64.s: tanh32 of blocks·8 floats.
//
//go:noescape
func tanh8(x, y *float32, blocks int, c *tanhConsts)

// tanhVector computes tanh32 of the longest prefix of x that this CPU's vector unit
// takes, into y, and returns its length.
func tanhVector(x, y []float32) int {
	blocks := len(x) / 8
	if !haveAVX2 || blocks == 0 {
		return 0
	}
	tanh8(&x[0], &y[0], blocks, tanhTable)
	return blocks * 8
}

// relu8, reluGrad8, sigmoidGrad8 and tanhGrad8 are implemented in vector_amd64.s: ReLU,
// its gradient and the sigmoid's and tanh's gradients, to the bits of the Go loops,
// for blocks·8 floats.
//
//go:noescape
func relu8(x, y *float32, blocks int)

//go:noescape
func reluGrad8(y, dy, dx *float32, blocks int)

// reluVector computes max(x, 0) of the longest prefix of x that this CPU's vector unit
// takes, into y, and returns its length.
func reluVector(x, y []float32) int {
	blocks := len(x) / 8
	if !haveAVX2 || blocks == 0 {
		return 0
	}
	relu8(&x[0], &y[0], blocks)
	return blocks * 8
}

//go:noescape
func sigmoidGrad8(y, dy, dx *float32, blocks int)

//go:noescape
func tanhGrad8(y, dy, dx *float32, blocks int)

// reluGradVector, sigmoidGradVector and tanhGradVector compute reluGrad32,
// sigmoidGrad and tanhGrad of the
// longest prefix of y that this CPU's vector unit takes, into dx, and return its length.
func reluGradVector(y, dy, dx []float32) int { return gradVector(reluGrad8, y, dy, dx) }

func sigmoidGradVector(y, dy, dx []float32) int { return gradVector(sigmoidGrad8, y, dy, dx) }

func tanhGradVector(y, dy, dx []float32) int { return gradVector(tanhGrad8, y, dy, dx) }

// gradVector runs the gradient kernel k on the whole blocks of 8 of y, dy and dx.
func gradVector(k func(y, dy, dx *float32, blocks int), y, dy, dx []float32) int {
	blocks := len(y) / 8
	if !haveAVX2 || blocks == 0 {
		return 0
	}
	k(&y[0], &dy[0], &dx[0], blocks)
	return blocks * 8
}

// add8 is implemented in vector_amd64.s: dst += src for blocks·8 floats.
//
//go:noescape
func add8(dst, src *float32, blocks int)

// addVector adds the longest prefix of src that this CPU's vector unit takes to dst and
// returns its length.
func addVector(dst, src []float32) int {
	blocks := min(len(dst), len(src)) / 8
	if !haveAVX2 || blocks == 0 {
		return 0
	}
	add8(&dst[0], &src[0], blocks)
	return blocks * 8
}
