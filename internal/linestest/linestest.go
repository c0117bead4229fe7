// Package linestest compares a program's printed output with the lines a test
// expects, reporting each differing line.
package linestest

import (
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
