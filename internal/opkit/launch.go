package opkit

// Launch describes how the GPU version of an op runs: the kernel of
// gpu/kernels/kernels.cu, its grid and blocks, and its arguments. It is data, so that an
// op's file describes its kernel in every build; a binary built with the cuda tag runs
// it (gpu/cudaop), and the kernels' host emulation (gpu/kernelhost) runs it in tests.
type Launch struct {
	// Kernel is the name of the kernel (extern "C" in gpu/kernels/kernels.cu).
	Kernel string
	// Grid and Block are the (x, y) sizes of the grid and of its blocks.
	Grid, Block [2]int
	// Args are the kernel's arguments in order: InArg(i) for operand i's device
	// memory, OutArg for the result's, NullArg for a null pointer, and int or float64
	// values (each passed as one 64-bit word: the kernels take pointers, long long and
	// double).
	Args []any
	// Copy, instead of a kernel, copies operand 0's memory to the result's.
	Copy bool
}

// pointer names a device memory argument of a kernel.
type pointer int

const (
	outPointer  pointer = -1
	nullPointer pointer = -2
)

// InArg is the kernel argument holding operand i's device memory.
func InArg(i int) any { return pointer(i) }

// OutArg and NullArg are the kernel arguments holding the result's device memory and a
// null pointer.
var (
	OutArg  any = outPointer
	NullArg any = nullPointer
)

// Elems is the grid of a grid-stride kernel over n elements, in blocks of Threads256.
func Elems(n int) [2]int { return [2]int{max(1, min((n+255)/256, 65535)), 1} }

// Tiles16 is the grid of 16x16 tiles covering an (m, n) matrix, in blocks of
// Threads16x16.
func Tiles16(m, n int) [2]int { return [2]int{(n + 15) / 16, (m + 15) / 16} }

// Block sizes.
var (
	Threads256   = [2]int{256, 1}
	Threads16x16 = [2]int{16, 16}
)
