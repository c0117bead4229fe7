package safetensors_test

import (
	"bytes"
	"fmt"

	"github.com/d2l-go/convnets/internal/safetensors"
)

// Write two tensors with metadata, read them back, and convert one to float32.
func Example() {
	f := &safetensors.File{
		Tensors: []safetensors.Tensor{
			safetensors.FromFloat32s("0.weight", []int{2, 2}, []float32{1, 2, 3, 4}),
			safetensors.FromFloat32s("0.bias", []int{2}, []float32{0.5, -0.5}),
		},
		Metadata: map[string]string{"format": "pt"},
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d bytes, header %s\n", buf.Len(), bytes.TrimRight(buf.Bytes()[8:buf.Len()-24], " "))

	back, err := safetensors.Decode(buf.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	w, _ := back.Tensor("0.weight")
	v, _ := w.Float32s()
	fmt.Println(back.Names(), w.Shape, v, back.Metadata)

	// A cut file is refused with one line.
	_, err = safetensors.Decode(buf.Bytes()[:buf.Len()-1])
	fmt.Println(err)
	// Output:
	// 192 bytes, header {"__metadata__":{"format":"pt"},"0.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}
	// [0.weight 0.bias] [2 2] [1 2 3 4] map[format:pt]
	// safetensors file is truncated: the header announces 24 bytes of tensor data, the file holds 23
}
