package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
)

// writeFakeData writes four small valid IDX files (not Fashion-MNIST's bytes)
// into dir.
func writeFakeData(t *testing.T, dir string) {
	t.Helper()
	files := map[string][]byte{
		dataset.TrainImagesFile: {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 7, 8},
		dataset.TrainLabelsFile: {0, 0, 8, 1, 0, 0, 0, 1, 4},
		dataset.TestImagesFile:  {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 9, 9},
		dataset.TestLabelsFile:  {0, 0, 8, 1, 0, 0, 0, 1, 5},
	}
	for name, b := range files {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, name+".gz"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRun(t *testing.T) {
	data := t.TempDir()
	writeFakeData(t, data)
	missing := filepath.Join(t.TempDir(), "nope")
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"help", []string{"-h"}, 0, "usage: fetchdata", ""},
		{"bad flag", []string{"-bogus"}, 2, "", "flag provided but not defined"},
		{"extra argument", []string{"x"}, 2, "", `unexpected argument "x"`},
		{"missing -data folder", []string{"-data", missing}, 3, "", "does not exist"},
		{"fake data, verified", []string{"-data", data}, 1, "", "SHA-256 digest mismatch"},
		{"fake data, not verified", []string{"-data", data, "-no-verify"}, 0, data + "\n", ""},
		{"fake data as MNIST, verified", []string{"-dataset", "mnist", "-data", data}, 1, "", "want ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
		{"unknown data set", []string{"-dataset", "svhn"}, 2, "", `-dataset: unknown data set "svhn"`},
	}
	for i, tc := range cases {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		out := stdout.String()
		if tc.name == "help" {
			out = out[:min(len(out), len(tc.wantStdout))] // then the flags
		}
		if tc.name == "help" && !strings.Contains(stdout.String(), "or MNIST (-data DIR, $MNIST_DIR, ./data/mnist, the user cache dir)") {
			t.Errorf("-h does not name MNIST's places: %q", stdout.String())
		}
		if code != tc.wantCode || out != tc.wantStdout || !strings.Contains(stderr.String(), tc.wantStderr) {
			t.Errorf("case %d (%s): exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
				i, tc.name, code, stdout.String(), stderr.String(), tc.wantCode, tc.wantStdout, tc.wantStderr)
		}
		if tc.wantCode != 0 && strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("case %d (%s): stderr is not one line: %q", i, tc.name, stderr.String())
		}
	}
}
