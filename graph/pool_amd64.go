//go:build amd64 && !purego

package graph

import "golang.org/x/sys/cpu"

// havePoolVector says whether the kernels of pool_amd64.s can run: they use AVX2
// (maxWindows8 gathers).
var havePoolVector = cpu.X86.HasAVX2

// maxWindows8 is implemented in pool_amd64.s: for blocks·8 windows of the float32 plane
// x, window w starting at x[starts[w]] and covering the elements at offsets offs[:noffs]
// from there (in row-major order), m[w] is the first maximum, all ones (a NaN) where the
// window holds a NaN, and arg[w] the plane index of the first maximum.
//
//go:noescape
func maxWindows8(x *float32, starts, offs *int32, noffs, blocks int, m *float32, arg *int32)

// maxRow8 is implemented in pool_amd64.s: maxWindows8 for n windows of a row, stride 1
// or 2, window j starting at x[j·stride] and covering kh rows of kw elements (rows w
// apart); arg[j] is the first maximum's index from x. m and arg hold at least
// max(n, 8) elements.
//
//go:noescape
func maxRow8(x *float32, w, kh, kw, stride, n int, m *float32, arg *int32)

// avg2x2Rows is implemented in pool_amd64.s: for each of the oh output rows of y (ow
// apart), its first ow&^3 averages of the 2x2 windows of the row pair of x starting at
// 2i·w (w apart), each (((r0[2j] + r0[2j+1]) + r1[2j]) + r1[2j+1]) · 0.25 as in
// avg2x2Forward, so the same bits.
//
//go:noescape
func avg2x2Rows(x, y *float32, w, ow, oh int)

// avg2x2GradRows is implemented in pool_amd64.s: avg2x2Rows's backward pass, each of the
// first ow&^3 entries of a row of gy times 0.25 written to the four pixels of its window
// in dx, as in avg2x2Backward.
//
//go:noescape
func avg2x2GradRows(gy, dx *float32, w, ow, oh int)
