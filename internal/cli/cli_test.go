package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
)

func newFlags() (*flag.FlagSet, *int, *uint64) {
	fs := NewFlagSet("tool", "Usage: tool [-n N] [-seed S]\n")
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
		{[]string{"-h"}, ExitOK, "Usage: tool [-n N] [-seed S]\n  -n int\n    \thow many (default 1)\n  -seed uint\n    \tseed (default 1)\n", ""},
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

func TestNoArgs(t *testing.T) {
	hello := func(w io.Writer) error { _, err := io.WriteString(w, "hello\n"); return err }
	fail := func(io.Writer) error { return errors.New("broken") }
	cases := []struct {
		args           []string
		run            func(io.Writer) error
		code           int
		stdout, stderr string
	}{
		{nil, hello, ExitOK, "hello\n", ""},
		{[]string{"-v"}, hello, ExitUsage, "", "demo: takes no arguments, got \"-v\" (run 'demo -h' for the flags)\n"},
		{nil, fail, ExitFailure, "", "demo: broken\n"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := NoArgs("demo", c.args, &stdout, &stderr, c.run)
		if code != c.code || stdout.String() != c.stdout || stderr.String() != c.stderr {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.args, code, stdout.String(), stderr.String(), c.code, c.stdout, c.stderr)
		}
	}
}

func TestRun(t *testing.T) {
	parse := func(args []string, _ io.Writer) (int, error) {
		if len(args) > 0 {
			return 0, Usagef("bad %s", args[0])
		}
		return 7, nil
	}
	var got int
	work := func(n int) error {
		got = n
		if n != 7 {
			return errors.New("wrong n")
		}
		return nil
	}
	var stderr bytes.Buffer
	if code := Run("demo", nil, io.Discard, &stderr, parse, work); code != ExitOK || got != 7 || stderr.Len() != 0 {
		t.Errorf("exit %d, work saw %d, stderr %q", code, got, stderr.String())
	}
	got = 0
	if code := Run("demo", []string{"-x"}, io.Discard, &stderr, parse, work); code != ExitUsage || got != 0 {
		t.Errorf("bad usage: exit %d, work ran with %d", code, got)
	}
}

func TestAtLeastAndFirst(t *testing.T) {
	if err := First(AtLeast("-a", 1, 1), AtLeast("-b", 0, 1), AtLeast("-c", -5, 0)); err == nil || err.Error() != "-b 0: must be 1 or more" {
		t.Errorf("got %v, want -b's error", err)
	}
	var ue *UsageError
	if err := AtLeast("-c", -5, 0); !errors.As(err, &ue) {
		t.Errorf("%v is not a UsageError", err)
	}
	if err := First(nil, AtLeast("-a", 3, 1)); err != nil {
		t.Errorf("got %v", err)
	}
}

func TestSteps(t *testing.T) {
	var out bytes.Buffer
	say := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	fail := func(io.Writer) error { return errors.New("step 2 failed") }
	if err := Steps(&out, say("a"), say("b")); err != nil || out.String() != "ab" {
		t.Errorf("got %q, %v", out.String(), err)
	}
	out.Reset()
	if err := Steps(&out, say("a"), fail, say("c")); err == nil || err.Error() != "step 2 failed" || out.String() != "a" {
		t.Errorf("got %q, %v; want the first error and nothing after it", out.String(), err)
	}
}

func TestParseOptions(t *testing.T) {
	type opts struct{ n int }
	declare := func(o *opts) *flag.FlagSet {
		fs := NewFlagSet("demo", "Usage: demo [-n N]\n")
		fs.IntVar(&o.n, "n", 1, "how many")
		return fs
	}
	check := func(o *opts) error { return AtLeast("-n", o.n, 1) }
	o, err := ParseOptions([]string{"-n", "3"}, io.Discard, declare, check)
	if err != nil || o.n != 3 {
		t.Fatalf("-n 3: got %+v, %v", o, err)
	}
	var ue *UsageError
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "0"}, "-n 0: must be 1 or more"},
		{[]string{"-n", "x"}, `invalid value "x" for flag -n: parse error`},
		{[]string{"extra"}, `unexpected argument "extra" (flags start with -)`},
	} {
		o, err := ParseOptions(c.args, io.Discard, declare, check)
		if o != nil || !errors.As(err, &ue) || err.Error() != c.want {
			t.Errorf("%q: got %+v, %v; want the usage error %q", c.args, o, err, c.want)
		}
	}
	var stdout bytes.Buffer
	if _, err := ParseOptions([]string{"-h"}, &stdout, declare, check); !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(stdout.String(), "Usage: demo [-n N]\n") {
		t.Errorf("-h: error %v, stdout %q", err, stdout.String())
	}
}
