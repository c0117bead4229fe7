// Package examplemain is the main function the section examples share: the program
// prints the section's computations, or with the single argument "exercises" the
// answers to its exercises.
package examplemain

import (
	"fmt"
	"io"
	"os"
)

// Main runs run, or exercises when the only argument is "exercises", on stdout, and
// exits: 2 for other arguments, 1 when the chosen function fails.
func Main(name string, run, exercises func(io.Writer) error) {
	os.Exit(Run(name, os.Args[1:], os.Stdout, os.Stderr, run, exercises))
}

// Run is Main without the exit, for tests: it returns the exit status.
func Run(name string, args []string, stdout, stderr io.Writer, run, exercises func(io.Writer) error) int {
	do := run
	switch {
	case len(args) == 1 && args[0] == "exercises":
		do = exercises
	case len(args) > 0:
		fmt.Fprintf(stderr, "usage: %s [exercises]\n", name)
		return 2
	}
	if err := do(stdout); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
