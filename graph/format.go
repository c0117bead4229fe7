package graph

import (
	"fmt"
	"strconv"
	"strings"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Format renders a value the way the textbook prints a tensor, nested brackets with one
// row per line and the entries right-aligned:
//
//	[[19, 25],
//	 [37, 43]]
//
// Entries use the shortest decimal form that reads back as the same float32 or float64
// (so 19 prints as "19", not "19.0000"). Values of any rank are accepted; a scalar
// prints as its number. Values that are not float32 or float64 fall back to fmt's %v.
func Format(v gorgonia.Value) string {
	switch s := v.(type) {
	case *gorgonia.F64:
		return strconv.FormatFloat(float64(*s), 'g', -1, 64)
	case *gorgonia.F32:
		return strconv.FormatFloat(float64(*s), 'g', -1, 32)
	case tensor.Tensor:
		t := s
		if d, ok := t.(*tensor.Dense); ok && (d.IsMaterializable() || d.RequiresIterator()) {
			t = d.Materialize()
		}
		var cells []string
		switch d := t.Data().(type) {
		case []float64:
			cells = formatCells(d, 64)
		case []float32:
			cells = formatCells(d, 32)
		case float64:
			return strconv.FormatFloat(d, 'g', -1, 64)
		case float32:
			return strconv.FormatFloat(float64(d), 'g', -1, 32)
		default:
			return fmt.Sprintf("%v", v)
		}
		shape := t.Shape()
		if shape.IsScalar() {
			return cells[0]
		}
		if len(cells) > shape.TotalSize() {
			cells = cells[:shape.TotalSize()]
		}
		width := 0
		for _, c := range cells {
			width = max(width, len(c))
		}
		for i, c := range cells {
			cells[i] = strings.Repeat(" ", width-len(c)) + c
		}
		var b strings.Builder
		formatNested(&b, cells, shape, 0)
		return b.String()
	}
	return fmt.Sprintf("%v", v)
}

func formatCells[T float32 | float64](d []T, bits int) []string {
	out := make([]string, len(d))
	for i, v := range d {
		out[i] = strconv.FormatFloat(float64(v), 'g', -1, bits)
	}
	return out
}

// formatNested writes cells (row-major, of the given shape) as nested brackets; depth is
// how many brackets are already open, which sets the indentation of continuation lines.
func formatNested(b *strings.Builder, cells []string, shape tensor.Shape, depth int) {
	b.WriteByte('[')
	if len(shape) == 1 {
		b.WriteString(strings.Join(cells, ", "))
		b.WriteByte(']')
		return
	}
	n := shape[0]
	size := len(cells) / max(n, 1)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
			if len(shape) > 2 {
				b.WriteByte('\n')
			}
			b.WriteString(strings.Repeat(" ", depth+1))
		}
		formatNested(b, cells[i*size:(i+1)*size], shape[1:], depth+1)
	}
	b.WriteByte(']')
}
