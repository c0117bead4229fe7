package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/d2l-go/convnets/internal/hostiletest"
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

// Variants the machine cannot hold, and variant files that are not files, are refused
// with one line before anything is allocated for them.
func TestHugeVariantsRefused(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, maxVariantsFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ arg, want string }{
		{"conv6k5p100000-relu", "layer 0 conv6k5p100000: the layers' outputs reach 1788.6 GB for one example here, over the limit of 2.0 GB; use fewer channels, more stride or less padding"},
		{"conv100000000k5-relu", `layer 0 conv100000000k5: the number of channels 100000000 is out of range (at most 1048576)`},
		{"dense2000000000", `layer 1 dense2000000000: the width 2000000000 is out of range (at most 1048576)`},
		{"@/dev/zero", "/dev/zero: not a regular file: it is a character device"},
		{"@" + dir, dir + ": not a regular file: it is a folder"},
		{"@" + big, big + ": more than 1048576 bytes; a list of specs is far smaller"},
	}
	for _, c := range cases {
		var err error
		alloc := hostiletest.Allocated(func() { _, err = parseVariants(c.arg) })
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line containing %q", c.arg, err, c.want)
		}
		if alloc > 8<<20 {
			t.Errorf("%s: allocated %d bytes before refusing", c.arg, alloc)
		}
	}
}
