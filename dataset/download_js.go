//go:build js

package dataset

import (
	"context"
	"errors"
)

// download is not available under WebAssembly, where the data comes with the page
// (an exported explorer's folder): leaving out the HTTP client and the progress bar
// keeps the module small.
func download(ctx context.Context, dir string, names []string, opts Options) error {
	return errors.New("dataset: downloading is not available in WebAssembly")
}

// clientOptions is empty under WebAssembly, which has no downloads.
type clientOptions struct{}
