package layers_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/d2l-go/convnets/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The LeNet of docs/chapter.md section 6 and its shape summary for one 28x28 image.
func ExampleSequential_WriteSummary() {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewPCG(1, 2))
	conv1, err := layers.NewConv2D(g, "conv1", layers.Conv2DConfig{In: 1, Out: 6, Kernel: [2]int{5, 5}, Padding: [2]int{2, 2}}, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	conv2, err := layers.NewConv2D(g, "conv2", layers.Conv2DConfig{In: 6, Out: 16, Kernel: [2]int{5, 5}}, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	pool, err := layers.NewAvgPool2D(layers.PoolConfig{Kernel: [2]int{2, 2}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var fc [3]*layers.Linear
	for i, io := range [][2]int{{400, 120}, {120, 84}, {84, 10}} {
		if fc[i], err = layers.NewLinear(g, fmt.Sprint("fc", i+1), io[0], io[1], tensor.Float32, rng); err != nil {
			fmt.Println(err)
			return
		}
	}
	net := layers.NewSequential(
		conv1, layers.ReLU{}, pool,
		conv2, layers.Sigmoid{}, pool,
		layers.Flatten{},
		fc[0], layers.Sigmoid{},
		fc[1], layers.Sigmoid{},
		fc[2],
	)
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(1, 1, 28, 28), gorgonia.WithName("x"))
	if _, err := net.Forward(x); err != nil {
		fmt.Println(err)
		return
	}
	if err := net.WriteSummary(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// layer                          output shape
	// Conv2d(1->6, 5x5, padding 2)   (1,6,28,28)
	// ReLU                           (1,6,28,28)
	// AvgPool 2x2 stride 2           (1,6,14,14)
	// Conv2d(6->16, 5x5)             (1,16,10,10)
	// Sigmoid                        (1,16,10,10)
	// AvgPool 2x2 stride 2           (1,16,5,5)
	// Flatten                        (1,400)
	// Linear 400->120                (1,120)
	// Sigmoid                        (1,120)
	// Linear 120->84                 (1,84)
	// Sigmoid                        (1,84)
	// Linear 84->10                  (1,10)
}

// Two layers need two names: Gorgonia would otherwise merge their parameters.
func ExampleNewConv2D_duplicateName() {
	g := gorgonia.NewGraph()
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := layers.Conv2DConfig{In: 1, Out: 6, Kernel: [2]int{5, 5}}
	if _, err := layers.NewConv2D(g, "conv1", cfg, rng); err != nil {
		fmt.Println(err)
	}
	_, err := layers.NewConv2D(g, "conv1", cfg, rng)
	fmt.Println(err)
	// Output:
	// layers: NewConv2D "conv1": parameter "conv1.weight": a node with this name already exists in the graph; give every layer a unique name
}
