// Package dataset reads Fashion-MNIST (and the original MNIST, see Source): it
// finds (or downloads and verifies) the four IDX files, decodes them into uint8
// sets, and serves shuffled mini-batches as float tensors for the LeNet trainer.
//
// # Data
//
// Fashion-MNIST has 60000 training and 10000 test images of 28x28 uint8
// pixels, each labelled with one of ten classes (LabelNames). The data comes
// as four IDX files, usually gzip-compressed:
//
//	train-images-idx3-ubyte  magic 0x00000803, header n rows cols, then n*rows*cols pixels
//	train-labels-idx1-ubyte  magic 0x00000801, header n, then n labels
//	t10k-images-idx3-ubyte
//	t10k-labels-idx1-ubyte
//
// All header fields are big-endian uint32. ReadImages and ReadLabels decode
// them from any io.Reader, sniffing gzip from its magic bytes (0x1f 0x8b).
//
// # Finding the data
//
// Load (and Find) search Options.Dir (a command's -data DIR; then nothing else),
// $FASHION_MNIST_DIR (likewise alone), ./data/fashion-mnist, the user cache
// dir, and /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist),
// then download from upstream into the cache dir. Every file's SHA-256 (of the
// decompressed bytes) is checked against the published digest unless
// Options.SkipVerify is set:
//
//	train, test, err := dataset.Load(dataset.Options{Dir: *dataDir, DirFlag: "-data"})
//	train = train.Head(*limit) // -limit N: the first N training images
//
// The errors say what is wrong and what to do in this package's terms
// (Options.Dir, $FASHION_MNIST_DIR); a command names its own flag in them
// with Options.DirFlag.
//
// Options.Source = MNIST does the same for the handwritten digits: Options.Dir,
// $MNIST_DIR, ./data/mnist, the user cache dir, then a download (no Debian
// package ships MNIST), verified against MNIST's published digests.
//
// # Mini-batches and shapes
//
// Images stay uint8 in memory (47 MB for the training set). An Iterator
// converts one mini-batch at a time into a reused buffer, in NCHW order:
//
//	Float32(), Float64()  (batch, 1, rows, cols), x = pixel / 255 in [0, 1]
//	Labels()              (batch), class indices 0..9
//	OneHot()              (batch, 10), y[i][c] = 1 if label i == c else 0
//
// Shuffling uses a seeded PCG generator, so a seed gives the same order on
// every machine; the last batch keeps the remainder (PyTorch DataLoader's
// default, drop_last=False), so an epoch has ceil(N / batch) batches.
//
// # Errors
//
// Bad input never panics. Every failure is one wrapped error naming the file
// and the problem; its cause is one of the sentinels (ErrEmpty, ErrBadMagic,
// ErrRank, ErrShape, ErrTooLarge, ErrTruncated, ErrCorrupt, ErrLabelRange,
// ErrCountMismatch, ErrDigest, ErrNotFound, ErrDownload), tested with
// errors.Is, and problems with one file are a *FormatError (errors.As) that
// holds its path or URL. Headers are checked before anything is allocated:
// more than MaxBytes of data is refused, and a buffer larger than 1 MiB is
// allocated up front only as far as the file's size vouches for it (a gzip
// file's size trailer, which can be forged, for at most 64 MiB); beyond that
// the buffer grows only as the data arrives. The
// only panics are documented programmer errors (Set.Image with an index out
// of range).
package dataset
