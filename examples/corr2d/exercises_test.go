package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/linestest"
)

// TestExercises checks the answers: the diagonal edge found by [1, -1], by it on the
// transposed image and by its transpose; every hand-made kernel within its truncation
// bound on sin; the d-th difference of x^d equal to d! (golden file, every line).
func TestExercises(t *testing.T) {
	var out bytes.Buffer
	if err := exercises(&out); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/exercises.txt")
	if err != nil {
		t.Fatal(err)
	}
	linestest.Equal(t, out.String(), strings.Split(strings.TrimSuffix(string(want), "\n"), "\n"))
	for _, claim := range []string{"h^2/6 = 1.67e-03: true", "h^2/12 = 8.33e-04: true", "4h^3/12 = 3.33e-04: true",
		"[24, 24, 24, 24, 24, 24]"} {
		if !strings.Contains(out.String(), claim) {
			t.Errorf("output lacks %q", claim)
		}
	}
}
