//go:build amd64 && !purego

package graph

import "golang.org/x/sys/cpu"

// havePoolVector says whether maxWindows8 can run: it gathers with AVX2.
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
