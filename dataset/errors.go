package dataset

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can test the cause with errors.Is. Errors about one file
// (or one URL) are additionally a *FormatError naming it.
var (
	// ErrEmpty: the file holds no bytes at all.
	ErrEmpty = errors.New("empty file")
	// ErrBadMagic: the first four bytes are not an IDX magic number of unsigned
	// bytes (0x00 0x00 0x08 rank).
	ErrBadMagic = errors.New("bad IDX magic number")
	// ErrRank: the IDX header announces the wrong number of dimensions
	// (images have 3, labels 1).
	ErrRank = errors.New("wrong IDX rank")
	// ErrShape: a dimension is zero, the file holds more bytes than the header
	// announces, or two splits disagree on the image size.
	ErrShape = errors.New("bad IDX shape")
	// ErrTooLarge: the header announces more than MaxBytes of data; refused
	// before anything is allocated.
	ErrTooLarge = errors.New("IDX file too large")
	// ErrTruncated: the file (or its gzip stream) ends before the header or
	// the data it announces.
	ErrTruncated = errors.New("truncated file")
	// ErrCorrupt: the gzip stream is damaged (bad header, bad deflate data or
	// a checksum mismatch).
	ErrCorrupt = errors.New("corrupt gzip stream")
	// ErrLabelRange: a label is outside 0..NumClasses-1.
	ErrLabelRange = errors.New("label out of range")
	// ErrCountMismatch: an images file and its labels file hold different
	// numbers of examples.
	ErrCountMismatch = errors.New("image and label counts differ")
	// ErrDigest: the SHA-256 of the decompressed bytes is not the published
	// one.
	ErrDigest = errors.New("SHA-256 digest mismatch")
	// ErrNotFound: the four files are in none of the searched folders (and
	// could not be downloaded). Its messages name the data set: "dataset:
	// MNIST not found: ...".
	ErrNotFound = errors.New("data set not found")
	// ErrDownload: fetching a file over HTTP failed.
	ErrDownload = errors.New("download failed")
)

// FormatError reports a problem with one data file. File is the path (or URL)
// of the file, empty when the data came from an io.Reader; Err wraps one of
// the sentinel errors above.
//
//	var fe *dataset.FormatError
//	if errors.As(err, &fe) { fmt.Println("bad file:", fe.File) }
//	if errors.Is(err, dataset.ErrTruncated) { ... }
type FormatError struct {
	File string
	Err  error
}

// Error implements error: "dataset: FILE: PROBLEM".
func (e *FormatError) Error() string {
	f := e.File
	if f == "" {
		f = "<reader>"
	}
	return "dataset: " + f + ": " + e.Err.Error()
}

// Unwrap returns the underlying cause for errors.Is and errors.As.
func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a *FormatError whose cause wraps sentinel with a detail.
func formatErr(file string, sentinel error, format string, args ...any) *FormatError {
	return &FormatError{File: file, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// withFile sets the file name of a *FormatError (or wraps any other error in
// one) so that every error about a file names it.
func withFile(file string, err error) error {
	if err == nil {
		return nil
	}
	var fe *FormatError
	if errors.As(err, &fe) && fe.File == "" {
		return &FormatError{File: file, Err: fe.Err}
	}
	if errors.As(err, &fe) {
		return err
	}
	return &FormatError{File: file, Err: err}
}
