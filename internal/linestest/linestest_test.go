package linestest

import "testing"

// recorder counts failures without stopping the test.
type recorder struct {
	testing.TB
	errors, fatals int
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(string, ...any)          { r.errors++ }
func (r *recorder) Fatalf(format string, a ...any) { r.fatals++ }

func TestEqual(t *testing.T) {
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
	}
}
