package dataset

import "fmt"

// LabelNames are the Fashion-MNIST class names, indexed by label.
var LabelNames = [NumClasses]string{"t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"}

// Set holds one split in memory: N images of Rows x Cols uint8 pixels, stored
// one after another in row-major order (len(Images) == N*Rows*Cols), and N
// labels in 0..NumClasses-1. Pixels stay uint8 (47 MB for the training set);
// mini-batches convert to floats on the fly (see Batches).
type Set struct {
	Images []uint8
	Labels []uint8
	N      int
	Rows   int
	Cols   int
}

// NewSet checks that images and labels form a valid set of n rows x cols
// images and returns it (sharing the slices). Errors wrap ErrShape,
// ErrCountMismatch or ErrLabelRange.
func NewSet(images, labels []uint8, n, rows, cols int) (*Set, error) {
	s := &Set{Images: images, Labels: labels, N: n, Rows: rows, Cols: cols}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate reports whether the set is consistent: positive dimensions, one
// label per image, N*Rows*Cols pixels, labels in range.
func (s *Set) Validate() error {
	if s.N <= 0 || s.Rows <= 0 || s.Cols <= 0 {
		return fmt.Errorf("dataset: %w: set of %d images of %dx%d: every dimension must be positive", ErrShape, s.N, s.Rows, s.Cols)
	}
	if s.Rows > MaxBytes/s.Cols || s.N > MaxBytes/(s.Rows*s.Cols) || len(s.Images) != s.N*s.Rows*s.Cols {
		return fmt.Errorf("dataset: %w: %d pixels for %d images of %dx%d", ErrShape, len(s.Images), s.N, s.Rows, s.Cols)
	}
	if len(s.Labels) != s.N {
		return fmt.Errorf("dataset: %w: %d images but %d labels", ErrCountMismatch, s.N, len(s.Labels))
	}
	if err := checkLabels(s.Labels); err != nil {
		return fmt.Errorf("dataset: %w", unwrapFormat(err))
	}
	return nil
}

// Head returns the first n examples, sharing memory with s (this is -limit
// N). n <= 0 or n >= N returns s itself.
func (s *Set) Head(n int) *Set {
	if n <= 0 || n >= s.N {
		return s
	}
	px := s.Rows * s.Cols
	return &Set{Images: s.Images[: n*px : n*px], Labels: s.Labels[:n:n], N: n, Rows: s.Rows, Cols: s.Cols}
}

// Image returns the pixels of image i (Rows*Cols bytes, row-major), sharing
// memory with s. Like a slice index, it panics if i is outside 0..N-1.
func (s *Set) Image(i int) []uint8 {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("dataset: image index %d out of range [0,%d)", i, s.N))
	}
	px := s.Rows * s.Cols
	return s.Images[i*px : (i+1)*px : (i+1)*px]
}

// Label returns the class of example i (panics like Image when i is out of
// range).
func (s *Set) Label(i int) int { return int(s.Labels[i]) }
