package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

const summary = "# bench-compare 2026-12-07\nclassic\t29984\t30045\t30106\t8400\t9352\t10304\n\nwide convolutions\t9237\t9348\t9459\t5012\t5137\t5262\n"

func TestReadSummary(t *testing.T) {
	chart, err := readSummary(strings.NewReader(summary), "s.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(chart.Groups, "|"); got != "classic|wide convolutions" {
		t.Errorf("groups %q", got)
	}
	if got := strings.Join(chart.Notes, "|"); got != "3.21x|1.82x" {
		t.Errorf("notes %q, want the ratios of the medians", got)
	}
	py := chart.Series[1]
	if py.Min[0] != 8400 || py.Median[0] != 9352 || py.Max[1] != 5262 {
		t.Errorf("PyTorch series %+v", py)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "s.tsv")
	bad := filepath.Join(dir, "bad.tsv")
	out := filepath.Join(dir, "s.png")
	if err := os.WriteFile(in, []byte(summary), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("classic\t1\t2\t3\t4\t5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	many := strings.Repeat("n\t1\t2\t3\t1\t2\t3\n", maxNetworks+1)
	if err := os.WriteFile(filepath.Join(dir, "many.tsv"), []byte(many), 0o644); err != nil {
		t.Fatal(err)
	}
	order := filepath.Join(dir, "order.tsv")
	if err := os.WriteFile(order, []byte("n\t3\t2\t1\t1\t2\t3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args   []string
		status int
		stdout string
		stderr string
	}{
		{[]string{"-in", in, "-out", out}, 0, "wrote " + out + " (2 networks)\n", ""},
		{[]string{"-out", out}, 2, "", "benchplot: -in is required: the summary bench-compare writes (run 'benchplot -h' for the flags)\n"},
		{[]string{"-in", in}, 2, "", "benchplot: -out is required: the PNG to write (run 'benchplot -h' for the flags)\n"},
		{[]string{"-in", bad, "-out", out}, 1, "", "benchplot: " + bad + ":1: 6 tab-separated fields, want 7 (name, then min, median and max for the project and for PyTorch)\n"},
		{[]string{"-in", filepath.Join(dir, "many.tsv"), "-out", out}, 1, "", "benchplot: " + filepath.Join(dir, "many.tsv") + ":25: more than 24 networks: split the summary\n"},
		{[]string{"-in", order, "-out", out}, 1, "", "benchplot: " + order + ":1: the project's min, median and max are 3, 2 and 1: want min <= median <= max\n"},
		{[]string{"-in", filepath.Join(dir, "none.tsv"), "-out", out}, 1, "", "benchplot: open " + filepath.Join(dir, "none.tsv") + ": no such file or directory\n"},
	}
	for _, c := range cases {
		os.Remove(out)
		var stdout, stderr bytes.Buffer
		status := run(c.args, &stdout, &stderr)
		if status != c.status || stdout.String() != c.stdout || stderr.String() != c.stderr {
			t.Errorf("benchplot %q: status %d, stdout %q, stderr %q; want %d, %q, %q", c.args, status, stdout.String(), stderr.String(), c.status, c.stdout, c.stderr)
		}
		if c.status == 0 {
			img := cmdtest.DecodePNG(t, out)
			if w := img.Bounds().Dx(); w != 750 {
				t.Errorf("chart is %d pixels wide, want 750 (6 inches at 120 dpi plus margins)", w)
			}
		}
	}
}
