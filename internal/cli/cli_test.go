package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

func newFlags() (*flag.FlagSet, *int, *uint64) {
	fs := flag.NewFlagSet("tool", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), "Usage: tool [-n N] [-seed S]") }
	return fs, fs.Int("n", 1, "how many"), fs.Uint64("seed", 1, "seed")
}

// Every bad call is one line on stderr and exit status 2; -h prints the usage on
// stdout and exits 0.
func TestParseAndExit(t *testing.T) {
	cases := []struct {
		args       []string
		code       int
		stdout     string
		stderrLine string
	}{
		{[]string{"-n", "3"}, ExitOK, "", ""},
		{[]string{"-h"}, ExitOK, "Usage: tool [-n N] [-seed S]\n", ""},
		{[]string{"-bogus"}, ExitUsage, "", "tool: flag provided but not defined: -bogus (run 'tool -h' for the flags)"},
		{[]string{"-seed", "-1"}, ExitUsage, "", `tool: invalid value "-1" for flag -seed: parse error (run 'tool -h' for the flags)`},
		{[]string{"-n", "ten"}, ExitUsage, "", `tool: invalid value "ten" for flag -n: parse error (run 'tool -h' for the flags)`},
		{[]string{"-n"}, ExitUsage, "", "tool: flag needs an argument: -n (run 'tool -h' for the flags)"},
		{[]string{"extra"}, ExitUsage, "", `tool: unexpected argument "extra" (flags start with -) (run 'tool -h' for the flags)`},
	}
	for _, c := range cases {
		fs, _, _ := newFlags()
		var stdout, stderr bytes.Buffer
		code := Exit(&stderr, "tool", Parse(fs, c.args, &stdout))
		if code != c.code || stdout.String() != c.stdout {
			t.Errorf("%v: exit %d, stdout %q; want %d, %q", c.args, code, stdout.String(), c.code, c.stdout)
		}
		want := ""
		if c.stderrLine != "" {
			want = c.stderrLine + "\n"
		}
		if stderr.String() != want {
			t.Errorf("%v: stderr %q, want %q", c.args, stderr.String(), want)
		}
	}
}

func TestGiven(t *testing.T) {
	fs, _, _ := newFlags()
	if err := Parse(fs, []string{"-seed", "5"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := Given(fs); len(got) != 1 || !got["seed"] {
		t.Errorf("Given = %v, want only seed", got)
	}
}

func TestExitFailureIsOneLine(t *testing.T) {
	var stderr bytes.Buffer
	err := fmt.Errorf("saving: %w", errors.Join(errors.New("first"), errors.New("second")))
	if code := Exit(&stderr, "tool", err); code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	if got := stderr.String(); got != "tool: saving: first; second\n" || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr %q", got)
	}
	stderr.Reset()
	if code := Exit(&stderr, "tool", fmt.Errorf("-lr: %w", Usagef("must be positive"))); code != ExitUsage {
		t.Errorf("wrapped usage error: exit %d, want 2", code)
	}
	if code := Exit(&stderr, "tool", flag.ErrHelp); code != ExitOK {
		t.Errorf("ErrHelp: exit %d", code)
	}
}
