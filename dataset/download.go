//go:build !js

package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/d2l-go/convnets/internal/atomicfile"
)

// stallTimeout abandons a download that receives nothing for this long.
var stallTimeout = time.Minute

// errStalled is the cancellation cause of a stalled download.
var errStalled = errors.New("no data received for too long")

// clientOptions is the part of Options only builds with downloads have.
type clientOptions struct {
	// Client makes the HTTP requests. Default: a client with 30 s connect
	// and response-header timeouts; a download that stalls for a minute is
	// abandoned.
	Client *http.Client
}

var defaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   30 * time.Second,
	ResponseHeaderTimeout: 30 * time.Second,
}}

// download fetches NAME.gz for each name into dir, verified and renamed into
// place one by one.
func download(ctx context.Context, dir string, names []string, opts Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrDownload, err)
	}
	base := opts.BaseURL
	if base == "" {
		base = opts.source().baseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	client := opts.Client
	if client == nil {
		client = defaultClient
	}
	for _, name := range names {
		if err := downloadOne(ctx, client, base+name+".gz", dir, name, opts); err != nil {
			return err
		}
	}
	return nil
}

// downloadOne fetches url into a temp file in dir, checks the SHA-256 of its
// decompressed bytes against the published digest of name, and renames it to
// dir/name.gz (or dir/name if the server sent it uncompressed). On any
// failure the temp file is removed.
func downloadOne(ctx context.Context, client *http.Client, url, dir, name string, opts Options) (err error) {
	want, ok := opts.source().knownFile(name)
	if !ok {
		return &FormatError{File: url, Err: fmt.Errorf("%w: no published digest for %s", ErrDownload, name)}
	}
	fail := func(cause error) error {
		return &FormatError{File: url, Err: fmt.Errorf("%w: %w", ErrDownload, cause)}
	}
	atomicfile.RemoveStale(dir) // temp files of downloads that were killed

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	resp, err := get(ctx, client, url)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()

	tmp, err := atomicfile.CreateTemp(dir, name)
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bar, done := newProgress(opts.Progress, url, resp.ContentLength)
	defer func() { done(err == nil) }()
	if err := copyBody(ctx, cancel, tmp, resp, bar, maxDownload(want.size)); err != nil {
		return fail(err)
	}
	if err := install(tmp, dir, name, want); err != nil {
		return fail(err)
	}
	return nil
}

// get sends the GET request and returns the response of a 200 OK.
func get(ctx context.Context, client *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	return resp, nil
}

// maxDownload is the most bytes a download of a file of size decompressed bytes may
// send: the file itself, or its gzip, which deflate's stored blocks let exceed it by 5
// bytes in 16 KiB at worst, plus the gzip header and trailer.
func maxDownload(size int64) int64 { return size + size/(16<<10)*5 + 1024 }

// copyBody copies the response body into tmp, counting it on bar when bar is not nil,
// and at most limit bytes: a longer announced length is refused before the body is read,
// and a body that goes on past limit as soon as it does. A body that sends nothing for
// stallTimeout cancels ctx (through cancel) with errStalled, which is then the error
// returned; a body shorter than its announced length is an error too.
func copyBody(ctx context.Context, cancel context.CancelCauseFunc, tmp io.Writer, resp *http.Response, bar io.Writer, limit int64) error {
	if resp.ContentLength > limit {
		return fmt.Errorf("the server announces %d bytes; the file takes at most %d, compressed or not", resp.ContentLength, limit)
	}
	sr := &stallReader{r: resp.Body, timer: time.AfterFunc(stallTimeout, func() { cancel(errStalled) })}
	var body io.Reader = io.LimitReader(sr, limit+1)
	if bar != nil {
		body = io.TeeReader(body, bar)
	}
	n, err := io.Copy(tmp, body)
	sr.timer.Stop()
	if err == nil && n > limit {
		return fmt.Errorf("the server sent more than %d bytes, the most the file takes compressed or not", limit)
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, errStalled) {
			err = cause
		}
		return fmt.Errorf("after %d bytes: %w", n, err)
	}
	return nil
}

// install checks that the decompressed bytes of the downloaded tmp hash to want's
// digest (reading no more of them than want's size), then syncs, closes and renames it
// to dir/name.gz (dir/name when it is not gzipped).
func install(tmp *os.File, dir, name string, want fileSpec) error {
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	got, _, err := hashStream(tmp, want.size)
	if err != nil {
		return unwrapFormat(err)
	}
	if got != want.sha256 {
		return fmt.Errorf("%w: SHA-256 of the decompressed data is %s, want %s", ErrDigest, got, want.sha256)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	final := filepath.Join(dir, name)
	if gz, _ := isGzipFile(tmp.Name()); gz {
		final += ".gz"
	}
	return os.Rename(tmp.Name(), final)
}

func isGzipFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var b [2]byte
	n, _ := io.ReadFull(f, b[:])
	return n == 2 && b[0] == 0x1f && b[1] == 0x8b, nil
}

// stallReader pushes its timer back on every read that returns data.
type stallReader struct {
	r     io.Reader
	timer *time.Timer
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(stallTimeout)
	}
	return n, err
}

// newProgress returns a writer counting downloaded bytes (nil when w is nil)
// and a function to call when the file is finished or abandoned. On a
// terminal it draws a progress bar; elsewhere it writes one line per file.
func newProgress(w io.Writer, url string, size int64) (io.Writer, func(ok bool)) {
	if w == nil {
		return nil, func(bool) {}
	}
	name := url[strings.LastIndex(url, "/")+1:]
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
		return bar, func(ok bool) {
			if ok {
				bar.Finish()
			} else {
				bar.Exit()
			}
			fmt.Fprintln(w)
		}
	}
	if size >= 0 {
		fmt.Fprintf(w, "dataset: downloading %s (%d bytes)\n", url, size)
	} else {
		fmt.Fprintf(w, "dataset: downloading %s\n", url)
	}
	return io.Discard, func(ok bool) {
		if ok {
			fmt.Fprintf(w, "dataset: %s done, SHA-256 verified\n", name)
		} else {
			fmt.Fprintf(w, "dataset: %s failed\n", name)
		}
	}
}
