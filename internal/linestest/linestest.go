// Package linestest compares a program's printed output with the lines a test
// expects, reporting each differing line.
package linestest

import (
	"os"
	"strings"
	"testing"
)

// Equal fails tb unless got, split into lines (one trailing newline ignored), is want.
func Equal(tb testing.TB, got string, want []string) {
	tb.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != len(want) {
		tb.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), got)
		return
	}
	for i := range want {
		if lines[i] != want[i] {
			tb.Errorf("line %d:\n got %q\nwant %q", i+1, lines[i], want[i])
		}
	}
}

// File is Equal with the lines of the golden file at path.
func File(tb testing.TB, got, path string) {
	tb.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
		return
	}
	Equal(tb, got, strings.Split(strings.TrimSuffix(string(want), "\n"), "\n"))
}

// Contains fails tb once for every piece of want that got lacks, naming got as what
// (the output, stdout, a file), and then shows got whole.
func Contains(tb testing.TB, what, got string, want ...string) {
	tb.Helper()
	missing := false
	for _, w := range want {
		if !strings.Contains(got, w) {
			tb.Errorf("%s lacks %q", what, w)
			missing = true
		}
	}
	if missing {
		tb.Logf("%s:\n%s", what, got)
	}
}
