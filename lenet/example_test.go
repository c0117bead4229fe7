package lenet_test

import (
	"context"
	"fmt"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/lenet"
)

// squares is a small data set that needs no download: image i of class i%10 is dark
// with a bright 6x6 square in one of ten places.
func squares(n int) *dataset.Set {
	images := make([]uint8, n*28*28)
	labels := make([]uint8, n)
	for i := range n {
		k := i % 10
		labels[i] = uint8(k)
		r0, c0 := 2+(k/5)*12, 1+(k%5)*5
		for r := r0; r < r0+6; r++ {
			for c := c0; c < c0+6; c++ {
				images[i*784+r*28+c] = uint8(200 + i%50)
			}
		}
	}
	s, err := dataset.NewSet(images, labels, n, 28, 28)
	if err != nil {
		panic(err)
	}
	return s
}

// A network of your own, from its spec to training: the learning rate and the epochs
// the spec names are the ones it trains with, and the batch size and seed default to
// cmd/train's (256 and 1), so cmd/train -model with the same spec trains the same way.
func ExampleNew_customNetwork() {
	spec, err := lenet.ParseSpec("conv4k3p1s2-tanh-max2-dense16-relu-lr0.2-epochs6")
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := lenet.Describe(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d parameters, %d multiply-adds per image\n", spec.Arch(), d.Params, d.MACs)

	c, err := lenet.New(lenet.Config{Spec: spec})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	res, err := lenet.Train(context.Background(), c, squares(1000), squares(200), lenet.TrainConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("lr %g, %d epochs, batch %d: test acc %.2f\n", spec.LearningRate(), res.State.Epoch, c.BatchSize(), res.TestAcc)
	// Output:
	// conv4k3p1s2-tanh-max2-dense16-relu: 3362 parameters, 10352 multiply-adds per image
	// lr 0.2, 6 epochs, batch 256: test acc 1.00
}
