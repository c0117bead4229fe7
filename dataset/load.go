package dataset

import (
	"context"
	"fmt"
	"sync"
)

// Load finds the data (see Find), reads both splits and checks them: the
// SHA-256 of every file (unless opts.SkipVerify), the IDX headers, one label
// per image, labels in 0..9, and the same image size in both splits. The two
// splits are decoded concurrently.
func Load(opts Options) (train, test *Set, err error) {
	return LoadContext(context.Background(), opts)
}

// LoadContext is Load with a context that cancels a download.
func LoadContext(ctx context.Context, opts Options) (train, test *Set, err error) {
	dir, err := FindContext(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	paths, err := opts.source().paths(dir)
	if err != nil {
		return nil, nil, err
	}
	var testErr error
	var wg sync.WaitGroup
	wg.Go(func() { test, testErr = LoadFiles(paths[2], paths[3], opts) })
	train, err = LoadFiles(paths[0], paths[1], opts)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	if testErr != nil {
		return nil, nil, testErr
	}
	if train.Rows != test.Rows || train.Cols != test.Cols {
		return nil, nil, formatErr(paths[2], ErrShape, "test images are %dx%d, training images (%s) %dx%d",
			test.Rows, test.Cols, paths[0], train.Rows, train.Cols)
	}
	return train, test, nil
}

// LoadTest finds the data like Load and reads only the test split, checked the same
// way, without reading the 60,000 training images: for tools that only look at test
// images.
func LoadTest(opts Options) (*Set, error) {
	return LoadTestContext(context.Background(), opts)
}

// LoadTestContext is LoadTest with a context that cancels a download.
func LoadTestContext(ctx context.Context, opts Options) (*Set, error) {
	dir, err := FindContext(ctx, opts)
	if err != nil {
		return nil, err
	}
	paths, err := opts.source().paths(dir)
	if err != nil {
		return nil, err
	}
	return LoadFiles(paths[2], paths[3], opts)
}

// LoadFiles reads one split from an images file and a labels file (plain or
// .gz). Unless opts.SkipVerify, a file named like one of the four files of
// opts.Source (Fashion-MNIST when nil) must have its published SHA-256
// (ErrDigest otherwise); other names are not verified. Only opts.SkipVerify
// and opts.Source are used.
func LoadFiles(imagesPath, labelsPath string, opts Options) (*Set, error) {
	var verify *Source
	if !opts.SkipVerify {
		verify = opts.source()
	}
	dims, pixels, err := readIDXFile(imagesPath, 3, verify)
	if err != nil {
		return nil, err
	}
	_, labels, err := readIDXFile(labelsPath, 1, verify)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(labels); err != nil {
		return nil, withFile(labelsPath, err)
	}
	if len(labels) != dims[0] {
		return nil, formatErr(labelsPath, ErrCountMismatch, "%d labels, but %s holds %d images", len(labels), imagesPath, dims[0])
	}
	return &Set{Images: pixels, Labels: labels, N: dims[0], Rows: dims[1], Cols: dims[2]}, nil
}

// String describes the set, e.g. "60000 images of 28x28".
func (s *Set) String() string { return fmt.Sprintf("%d images of %dx%d", s.N, s.Rows, s.Cols) }
