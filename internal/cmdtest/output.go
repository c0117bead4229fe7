package cmdtest

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// Output runs run on a buffer and returns what it wrote, failing tb on an error.
func Output(tb testing.TB, run func(io.Writer) error) string {
	tb.Helper()
	var out bytes.Buffer
	if err := run(&out); err != nil {
		tb.Fatalf("%v; output so far:\n%s", err, out.String())
	}
	return out.String()
}

// PlainFunc is the run function of a command that needs no context: the examples,
// explain, gpucheck, lenetbench.
type PlainFunc func(args []string, stdout, stderr io.Writer) int

// Usage is a bad command line and what its error line must contain.
type Usage struct {
	Args []string
	Want string
}

// BadUsage fails tb unless every case makes main exit with status 2, print nothing on
// stdout and one line on stderr that starts with "name: " and contains the case's Want.
func BadUsage(tb testing.TB, name string, main PlainFunc, cases []Usage) {
	tb.Helper()
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := main(c.Args, &stdout, &stderr)
		if code != 2 {
			tb.Errorf("%q: exit %d, want 2", c.Args, code)
		}
		OneLine(tb, name, stderr.String(), c.Want)
		if stdout.Len() != 0 {
			tb.Errorf("%q: stdout %q; want nothing", c.Args, stdout.String())
		}
	}
}

// Help fails tb unless -h makes main exit with status 0, print nothing on stderr and
// name every one of flags on stdout.
func Help(tb testing.TB, main PlainFunc, flags ...string) {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	if code := main([]string{"-h"}, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		tb.Fatalf("-h: exit %d, stderr %q", code, stderr.String())
	}
	for _, f := range flags {
		if !strings.Contains(stdout.String(), "  "+f+" ") {
			tb.Errorf("-h does not list %s:\n%s", f, stdout.String())
		}
	}
}

// DecodePNG reads the PNG at path, failing tb when it is missing or does not decode.
func DecodePNG(tb testing.TB, path string) image.Image {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatalf("%s does not decode: %v", path, err)
	}
	return img
}

// DirNames returns the names in the folder dir, sorted, failing tb when it cannot be
// read: what a run left behind (its outputs, and no temporary file).
func DirNames(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}
