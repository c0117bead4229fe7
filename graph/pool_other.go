//go:build !amd64 || purego

package graph

// havePoolVector is false: the vector kernels exist only on amd64.
const havePoolVector = false

func maxWindows8(x *float32, starts, offs *int32, noffs, blocks int, m *float32, arg *int32) {
	panic("graph: maxWindows8 without a vector unit")
}

func maxRow8(x *float32, w, kh, kw, stride, n int, m *float32, arg *int32) {
	panic("graph: maxRow8 without a vector unit")
}

func avg2x2Rows(x, y *float32, w, ow, oh int) {
	panic("graph: avg2x2Rows without a vector unit")
}

func avg2x2GradRows(gy, dx *float32, w, ow, oh int) {
	panic("graph: avg2x2GradRows without a vector unit")
}
