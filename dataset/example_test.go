package dataset_test

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/d2l-go/convnets/dataset"
)

func ExampleReadImages() {
	// A gzipped IDX file holding two 2x3 images.
	raw := []byte{
		0, 0, 8, 3, // magic 0x00000803: unsigned bytes, 3 dimensions
		0, 0, 0, 2, // 2 images
		0, 0, 0, 2, // 2 rows
		0, 0, 0, 3, // 3 columns
		0, 51, 102, 153, 204, 255,
		255, 0, 255, 0, 255, 0,
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()

	pixels, n, rows, cols, err := dataset.ReadImages(&buf)
	fmt.Println(n, rows, cols, pixels[:6], err)
	_, _, _, _, err = dataset.ReadImages(bytes.NewReader(raw[:20]))
	fmt.Println(err)
	// Output:
	// 2 2 3 [0 51 102 153 204 255] <nil>
	// dataset: <reader>: truncated file: the file ends after 4 of the 12 data bytes the header [2 2 3] announces
}

func ExampleSet_Batches() {
	set, _ := dataset.NewSet(make([]uint8, 10*2*2), []uint8{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, 10, 2, 2)
	it := set.Batches(4, false, 0)
	fmt.Println("batches per epoch:", it.NumBatches())
	for it.Next() {
		names := []string{}
		for _, l := range it.Labels() {
			names = append(names, dataset.LabelNames[l])
		}
		fmt.Println(it.Len(), it.Indices(), len(it.Float32()), names)
	}
	// Output:
	// batches per epoch: 3
	// 4 [0 1 2 3] 16 [ankle boot t-shirt t-shirt dress]
	// 4 [4 5 6 7] 16 [t-shirt pullover sneaker pullover]
	// 2 [8 9] 8 [sandal sandal]
}

func ExampleIterator_OneHot() {
	set, _ := dataset.NewSet(make([]uint8, 2), []uint8{3, 9}, 2, 1, 1)
	it := set.Batches(2, false, 0)
	it.Next()
	oh := it.OneHot()
	fmt.Println(oh[:10])
	fmt.Println(oh[10:])
	// Output:
	// [0 0 0 1 0 0 0 0 0 0]
	// [0 0 0 0 0 0 0 0 0 1]
}
