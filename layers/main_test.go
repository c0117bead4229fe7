package layers

import (
	"os"
	"testing"

	"github.com/d2l-go/convnets/graph/device"
)

// TestMain installs the project's BLAS, as the programs do, so that layers built from
// Gorgonia's primitives compute their float32 products with the same GEMM as the
// project's ops they are compared with.
func TestMain(m *testing.M) {
	device.UseBLAS()
	os.Exit(m.Run())
}
