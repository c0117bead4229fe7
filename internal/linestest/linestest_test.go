package linestest

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder counts failures without stopping the test.
type recorder struct {
	testing.TB
	errors, fatals int
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(string, ...any)          { r.errors++ }
func (r *recorder) Fatal(...any)                   { r.fatals++ }
func (r *recorder) Fatalf(format string, a ...any) { r.fatals++ }
func (r *recorder) Logf(string, ...any)            {}

func TestEqual(t *testing.T) {
	golden := filepath.Join(t.TempDir(), "golden.txt")
	if err := os.WriteFile(golden, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		got            string
		want           []string
		errors, fatals int
	}{
		{"a\nb\n", []string{"a", "b"}, 0, 0},
		{"a\nb", []string{"a", "b"}, 0, 0},
		{"a\nc\n", []string{"a", "b"}, 1, 0},
		{"a\n", []string{"a", "b"}, 0, 1},
	}
	for _, c := range cases {
		r := &recorder{TB: t}
		Equal(r, c.got, c.want)
		if r.errors != c.errors || r.fatals != c.fatals {
			t.Errorf("Equal(%q, %q): %d errors, %d fatals; want %d, %d", c.got, c.want, r.errors, r.fatals, c.errors, c.fatals)
		}
		// The golden file holds "a\nb\n": File agrees with Equal on those lines.
		r = &recorder{TB: t}
		File(r, c.got, golden)
		if c.want[0] == "a" && c.want[1] == "b" && (r.errors != c.errors || r.fatals != c.fatals) {
			t.Errorf("File(%q): %d errors, %d fatals; want %d, %d", c.got, r.errors, r.fatals, c.errors, c.fatals)
		}
	}
	r := &recorder{TB: t}
	if File(r, "a\n", filepath.Join(t.TempDir(), "missing.txt")); r.fatals != 1 {
		t.Errorf("File with a missing golden file: %d fatals, want 1", r.fatals)
	}
}

func TestContains(t *testing.T) {
	cases := []struct {
		got    string
		want   []string
		errors int
	}{
		{"epoch 1: loss 0.5\n", []string{"epoch 1", "loss 0.5"}, 0},
		{"epoch 1: loss 0.5\n", []string{"epoch 2", "loss 0.5", "acc"}, 2},
		{"", nil, 0},
	}
	for _, c := range cases {
		r := &recorder{TB: t}
		Contains(r, "output", c.got, c.want...)
		if r.errors != c.errors || r.fatals != 0 {
			t.Errorf("Contains(%q, %q): %d errors, %d fatals; want %d, 0", c.got, c.want, r.errors, r.fatals, c.errors)
		}
	}
}
