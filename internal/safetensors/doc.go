// Package safetensors reads and writes the safetensors weight format, the one PyTorch,
// Hugging Face and most frameworks exchange tensors in, with the standard library only.
//
// # The format
//
// A file is three parts back to back, and nothing after them:
//
//	8 bytes   N, the header's length, an unsigned little-endian integer
//	N bytes   the header: a UTF-8 JSON object, optionally padded with spaces
//	the rest  the tensors' bytes, back to back, each little-endian and row-major
//
// The header maps every tensor's name to its element type, shape and byte range in the
// data part, plus an optional "__metadata__" object of string to string:
//
//	{"__metadata__": {"format": "pt"},
//	 "0.weight": {"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [0, 600]},
//	 "0.bias":   {"dtype": "F32", "shape": [6], "data_offsets": [600, 624]}}
//
// Offsets count from the start of the data part; a shape of [] is a scalar.
//
// # Reading
//
// Read and Decode check everything before returning a File: the header length (at most
// MaxHeaderBytes), the JSON (UTF-8, no duplicate keys, no unknown fields, every dtype
// known), each tensor's byte count against its dtype and shape, that the byte ranges
// tile the data part exactly (from 0, no gaps, no overlaps), and that the input ends
// where the last tensor does. Memory grows only with the bytes actually read, so a header
// that promises terabytes costs nothing. Every failure is a *FormatError wrapping one of
// ErrNotSafetensors, ErrTruncated, ErrTrailingData, ErrHeader or ErrDType, with a
// one-line message.
//
// # Reading header first
//
// Open (OpenMax, to cap the header lower) reads and checks only the header of a file
// given as an io.ReaderAt and its size, an *os.File and its Stat().Size() say, with the
// same checks and messages as Read; the size stands in for reading to the end, so the
// header's byte ranges are checked against the file's real length. The returned
// *Reader says every tensor's name, dtype, shape and byte range (Tensors, Info, Names)
// and the metadata before any tensor's bytes are read, and then reads one tensor at a
// time:
//
//	f, _ := os.Open(path)
//	st, _ := f.Stat()
//	rd, err := safetensors.OpenMax(f, st.Size(), 1<<20)
//	if err != nil { ... }
//	for _, t := range rd.Tensors() { ... check t.Name, t.DType, t.Shape ... }
//	w, err := rd.Float32s("0.weight")
//
// A caller that checks the names and shapes first spends memory on the tensors it
// expects only, whatever the file holds. Reader.Sum is File.Sum read through a fixed
// buffer; Reader.File reads everything, as Read does.
//
// Tensor.Float32s converts F32, F64, F16 and BF16 tensors to float32, Tensor.Float64s to
// float64 (exactly); FromFloat32s and FromFloat64s make F32 and F64 tensors. Other dtypes
// are read and written as bytes.
//
// # Writing
//
// File.WriteTo writes the tensors in the order given, padding the header with spaces so
// that the data starts at a multiple of 8 bytes (as the reference implementation does, so
// that memory-mapped readers see aligned tensors).
package safetensors
