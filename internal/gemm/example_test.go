package gemm_test

import (
	"fmt"

	"github.com/d2l-go/convnets/internal/gemm"
)

// Multiply a 2x3 matrix by the transpose of a 2x3 matrix and add to C.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // used as b^T (3x2)
		1, 0, 1,
		0, 1, 0,
	}
	c := []float32{
		10, 10,
		10, 10,
	}
	// C = 1*A*B^T + 1*C; every leading dimension is a row length.
	gemm.Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 1, c, 2)
	fmt.Println(c[0:2])
	fmt.Println(c[2:4])
	// Output:
	// [14 12]
	// [20 15]
}

// A sub-matrix: the middle 2x2 block of a 4x4 matrix, via an offset slice
// and its row stride.
func ExampleSgemm_subMatrix() {
	m := []float32{
		0, 0, 0, 0,
		0, 1, 2, 0,
		0, 3, 4, 0,
		0, 0, 0, 0,
	}
	id := []float32{1, 0, 0, 1}
	out := make([]float32, 4)
	gemm.Sgemm(true, false, 2, 2, 2, 2, m[5:], 4, id, 2, 0, out, 2) // 2 * block^T
	fmt.Println(out)
	// Output:
	// [2 6 4 8]
}
