// Command fetchdata makes Fashion-MNIST available and prints the folder that
// holds it. It searches the usual places (see dataset.Find), downloads into
// the user cache dir when nothing is found, verifies the SHA-256 of the four
// files, and prints the folder on stdout. `make data` runs it.
//
// Usage:
//
//	go run ./cmd/fetchdata [-dataset mnist] [-data DIR] [-no-download] [-no-verify] [-base-url URL]
//
// Exit status: 0 on success, 2 on bad usage, 3 when the data is not found
// (and could not be downloaded), 1 on any other failure.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
)

// exitNotFound is the exit status when the data is nowhere to be found;
// scripts/data.sh installs the Debian package on it.
const exitNotFound = 3

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("fetchdata", fmt.Sprintf("usage: fetchdata [-dataset mnist] [-data DIR] [-no-download] [-no-verify] [-base-url URL]\n\n"+
		"Finds Fashion-MNIST (-data DIR, $%s, ./%s, the user cache dir, %s)\n"+
		"or MNIST (-data DIR, $%s, ./%s, the user cache dir), downloads it into the\n"+
		"cache dir when missing, and prints the folder.\n\n", dataset.EnvDir, dataset.LocalDir, dataset.SystemDir,
		dataset.MNIST.EnvDir(), dataset.MNIST.LocalDir()))
	dir := fs.String("data", "", "use only this `DIR` (no search, no download)")
	noDownload := fs.Bool("no-download", false, "never download; fail if the data is not found")
	noVerify := fs.Bool("no-verify", false, "skip the SHA-256 check of the four files")
	baseURL := fs.String("base-url", "", "download from this mirror `URL` (the four .gz names are appended); default: the data set's")
	name := fs.String("dataset", "fashion-mnist", "the data: fashion-mnist or mnist")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return cli.Exit(stderr, "fetchdata", err)
	}
	src, err := dataset.ParseSource(*name)
	if err != nil {
		return cli.Exit(stderr, "fetchdata", cli.Usagef("-dataset: %w", err))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	found, err := dataset.FindContext(ctx, dataset.Options{Dir: *dir, DirFlag: "-data", NoDownload: *noDownload, Progress: stderr, BaseURL: *baseURL, Source: src})
	if err == nil && !*noVerify {
		err = src.Verify(found)
	}
	if errors.Is(err, dataset.ErrNotFound) {
		cli.Exit(stderr, "fetchdata", err)
		return exitNotFound
	}
	if err != nil {
		return cli.Exit(stderr, "fetchdata", err)
	}
	fmt.Fprintln(stdout, found)
	return 0
}
