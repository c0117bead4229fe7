package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// Main runs a long-running command: run gets the command line and a context that
// Ctrl-C, SIGTERM or SIGHUP (the terminal closed) cancels, so that it can stop cleanly
// and say what it saved; the process exits with the status run returns.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// IsTerminal reports whether w is a terminal: progress bars and counters go only
// there, never into files, pipes or CI logs.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
