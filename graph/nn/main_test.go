package nn

import (
	"os"
	"testing"

	"github.com/d2l-go/convnets/graph/device"
)

// TestMain installs the project's BLAS, as the programs do, so that the Gorgonia
// primitives the ops are compared with compute their float32 products with the same
// GEMM.
func TestMain(m *testing.M) {
	device.UseBLAS()
	os.Exit(m.Run())
}
