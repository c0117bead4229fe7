package cmdtest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"testing"
)

// serveLike prints an address, waits for Ctrl-C and says goodbye on stderr: the shape
// of the project's servers.
func serveLike(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "serve: bad argument %q\n", args[0])
		return 2
	}
	fmt.Fprintln(stdout, "listening at http://127.0.0.1:8080/")
	<-ctx.Done()
	fmt.Fprintln(stderr, "serve: stopped")
	return 0
}

func TestRunAndOneLine(t *testing.T) {
	code, stdout, stderr := Run(context.Background(), serveLike, "x")
	if code != 2 || stdout != "" || stderr != "serve: bad argument \"x\"\n" {
		t.Errorf("Run: %d, %q, %q", code, stdout, stderr)
	}
	OneLine(t, "serve", stderr, `bad argument "x"`)
}

func TestStartAwaitStop(t *testing.T) {
	p := Start(t, "serve", serveLike)
	url := p.Await(t, &p.Stdout, regexp.MustCompile(`listening at (\S+)`))
	if url != "http://127.0.0.1:8080/" || p.Stderr.String() != "" {
		t.Errorf("Await: %q, stderr %q", url, p.Stderr.String())
	}
	if code := p.Stop(t); code != 0 || p.Stderr.String() != "serve: stopped\n" {
		t.Errorf("Stop: exit %d, stderr %q", code, p.Stderr.String())
	}
	if code := p.Stop(t); code != 0 {
		t.Errorf("a second Stop: exit %d", code)
	}
}
