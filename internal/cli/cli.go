// Package cli holds what the project's commands share about flags and failures: a flag
// error is one line on stderr and exit status 2, -h prints the usage and exits 0, any
// other failure is one line and exit status 1.
//
//	func run(args []string, stdout, stderr io.Writer) int {
//		fs := cli.NewFlagSet("name", "Usage: name [-n N]\n\nDoes the work.\n\nFlags:\n")
//		n := fs.Int("n", 1, "how many")
//		if err := cli.Parse(fs, args, stdout); err != nil {
//			return cli.Exit(stderr, "name", err)
//		}
//		return cli.Exit(stderr, "name", work(*n))
//	}
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// UsageError is a mistake in how a command was called (a bad flag or value), which
// exits with status 2.
type UsageError struct{ Err error }

// Error returns the mistake's message.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the mistake, for errors.Is and errors.As.
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// NewFlagSet returns a flag set for the command name whose usage (-h) is the text usage
// followed by the flags' defaults. Its errors are returned, for Parse to report.
func NewFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args into fs. The flag package's own printing is turned off: it would
// print the error, then the whole usage. -h or -help prints fs.Usage to stdout and
// returns flag.ErrHelp; any other error, and a positional argument, is a *UsageError.
func Parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	case err != nil:
		return &UsageError{err}
	case fs.NArg() > 0:
		return Usagef("unexpected argument %q (flags start with -)", fs.Arg(0))
	}
	return nil
}

// ParseOptions parses args into a new O through the flag set that declare sets up on
// it, as Parse does, then checks the values with check: -h prints the usage to stdout
// and returns flag.ErrHelp; every other error is Parse's or check's (a *UsageError).
func ParseOptions[O any](args []string, stdout io.Writer, declare func(*O) *flag.FlagSet, check func(*O) error) (*O, error) {
	o := new(O)
	if err := Parse(declare(o), args, stdout); err != nil {
		return nil, err
	}
	if err := check(o); err != nil {
		return nil, err
	}
	return o, nil
}

// Given returns the names of the flags that args set explicitly, for defaults that
// depend on something else (a checkpoint, another flag). Call it after Parse.
func Given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// Exit writes err on one line, "name: err", to stderr and returns the exit status:
// ExitOK for nil and flag.ErrHelp (writing nothing), ExitUsage for a *UsageError (whose
// line ends with a hint to run 'name -h'), ExitFailure for anything else. Line breaks
// inside err become "; ", so the promise of one line holds whatever err says.
func Exit(stderr io.Writer, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %s (run '%s -h' for the flags)\n", name, msg, name)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, msg)
	return ExitFailure
}

// Run is a command's body: parse turns args into options (printing -h's usage on
// stdout), work does the job, and the result is Exit's status.
func Run[O any](name string, args []string, stdout, stderr io.Writer, parse func([]string, io.Writer) (O, error), work func(O) error) int {
	o, err := parse(args, stdout)
	if err == nil {
		err = work(o)
	}
	return Exit(stderr, name, err)
}

// NoArgs runs a command that takes no arguments: run writes to stdout, and any
// argument is bad usage.
func NoArgs(name string, args []string, stdout, stderr io.Writer, run func(io.Writer) error) int {
	if len(args) > 0 {
		return Exit(stderr, name, Usagef("takes no arguments, got %q", args[0]))
	}
	return Exit(stderr, name, run(stdout))
}

// AtLeast returns a *UsageError unless flag's value v is min or more.
func AtLeast(flag string, v, min int) error {
	if v < min {
		return Usagef("%s %d: must be %d or more", flag, v, min)
	}
	return nil
}

// First returns the first error that is not nil, or nil: flag checks in the order the
// flags are listed.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Steps runs each step on w in turn and stops at the first error: a command that prints
// several parts.
func Steps(w io.Writer, steps ...func(io.Writer) error) error {
	for _, step := range steps {
		if err := step(w); err != nil {
			return err
		}
	}
	return nil
}
