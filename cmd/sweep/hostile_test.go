package main

import (
	"strings"
	"testing"
	"time"
)

// Variant names and specs holding '|', '\' or line breaks stay in their cells: every
// row of sweep.md has the header's nine column separators.
func TestTableEscapesCells(t *testing.T) {
	r := &report{source: "Fashion-MNIST", trainN: 60, testN: 10, batch: 4, seed: 1, date: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		rows: []row{
			{Name: "a|b", Spec: "conv3|x", Params: 10, Epochs: 1, Loss: 0.5, TrainAcc: 0.25, TestAcc: 0.125, ExamplesPerSec: 100},
			{Name: `back\|slash`, Spec: "dense8", Params: 20, Epochs: 2, Diverged: 2},
			{Name: "two\nlines", Spec: "s\r\nt", Params: 30, Epochs: 1},
		}}
	var b strings.Builder
	if err := r.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7 (title, blank, header, rule, 3 rows):\n%s", len(lines), b.String())
	}
	want := []string{
		"| a\\|b | `conv3\\|x` | 10 | 1 | 0.500 | 0.250 | 0.125 | 100 |",
		"| back\\\\\\|slash | `dense8` | 20 | 2 | diverged at epoch 2 | | | |",
		"| two lines | `s t` | 30 | 1 | 0.000 | 0.000 | 0.000 | 0 |",
	}
	for i, w := range want {
		if lines[4+i] != w {
			t.Errorf("row %d: %q, want %q", i, lines[4+i], w)
		}
		// Unescaped separators: a '|' not preceded by a backslash that is itself
		// unescaped.
		if n := separators(lines[4+i]); n != 9 {
			t.Errorf("row %d has %d cell separators, want 9: %s", i, n, lines[4+i])
		}
	}
}

// separators counts the '|' that end cells: those not escaped by a backslash.
func separators(line string) int {
	n := 0
	escaped := false
	for _, c := range line {
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '|':
			n++
		}
	}
	return n
}
