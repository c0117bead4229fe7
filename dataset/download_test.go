package dataset

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// server serves the fixture's files gzipped (or plain) under NAME.gz and
// records the requested paths. override, when set, handles a request first
// and reports whether it did.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
	files    map[string][]byte
	override func(w http.ResponseWriter, r *http.Request) bool
}

func newServer(t *testing.T, f *fixture, compress bool) *server {
	s := &server{files: map[string][]byte{}}
	for name, b := range f.raw {
		if compress {
			b = gz(b)
		}
		s.files["/"+name+".gz"] = b
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.Path)
		s.mu.Unlock()
		if s.override != nil && s.override(w, r) {
			return
		}
		b, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestDownload(t *testing.T) {
	for _, compress := range []bool{true, false} {
		root := isolate(t)
		f := newFixture(5, 20, 7, 3, 3)
		f.useDigests(t)
		srv := newServer(t, f, compress)
		cache := filepath.Join(root, "cache", "deep") // created by the download
		var progress bytes.Buffer
		train, test, err := Load(Options{CacheDir: cache, BaseURL: srv.URL, Progress: &progress})
		if err != nil {
			t.Fatalf("compress=%v: Load: %v", compress, err)
		}
		if !bytes.Equal(train.Images, f.train.Images) || !bytes.Equal(test.Labels, f.test.Labels) {
			t.Errorf("compress=%v: downloaded data differs from the served data", compress)
		}
		suffix := map[bool]string{true: ".gz", false: ""}[compress]
		var want []string
		for _, n := range FileNames {
			want = append(want, n+suffix)
		}
		slices.Sort(want)
		if got := listDir(t, cache); !slices.Equal(got, want) {
			t.Errorf("compress=%v: cache holds %v, want %v", compress, got, want)
		}
		for _, n := range FileNames {
			if !strings.Contains(progress.String(), "dataset: downloading "+srv.URL+"/"+n+".gz") ||
				!strings.Contains(progress.String(), "dataset: "+n+".gz done, SHA-256 verified") {
				t.Errorf("compress=%v: progress %q lacks the lines for %s", compress, progress.String(), n)
			}
		}
		// A second Load finds the cache and downloads nothing.
		n := len(srv.requests)
		if _, _, err := Load(Options{CacheDir: cache, BaseURL: srv.URL}); err != nil || len(srv.requests) != n {
			t.Errorf("compress=%v: second Load: err=%v, %d new requests", compress, err, len(srv.requests)-n)
		}
	}
}

func TestDownloadOnlyMissing(t *testing.T) {
	root := isolate(t)
	f := newFixture(6, 9, 4, 2, 3)
	f.useDigests(t)
	srv := newServer(t, f, true)
	cache := filepath.Join(root, "cache")
	f.write(t, cache, true, TrainImagesFile, TestImagesFile)
	dir, err := Find(Options{CacheDir: cache, BaseURL: srv.URL + "/"})
	if err != nil || dir != cache {
		t.Fatalf("Find = %q, %v; want %q", dir, err, cache)
	}
	want := []string{"/" + TrainLabelsFile + ".gz", "/" + TestLabelsFile + ".gz"}
	if !slices.Equal(srv.requests, want) {
		t.Errorf("requests %v, want %v", srv.requests, want)
	}
}

func TestDownloadFailuresLeaveNothing(t *testing.T) {
	f := newFixture(7, 30, 10, 4, 4)
	other := newFixture(8, 30, 10, 4, 4) // same shapes, other bytes
	cases := []struct {
		name     string
		override func(w http.ResponseWriter, r *http.Request) bool
		setup    func(t *testing.T, cache string)
		want     []error
		msg      []string
	}{
		{
			name: "connection dies mid-way",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.Contains(r.URL.Path, TestImagesFile) {
					return false
				}
				b := gz(f.raw[TestImagesFile])
				w.Header().Set("Content-Length", strconv.Itoa(len(b)))
				w.Write(b[:len(b)/2])
				return true // the server closes the connection short of Content-Length
			},
			want: []error{ErrNotFound, ErrDownload},
			msg:  []string{TestImagesFile + ".gz: download failed: after ", "unexpected EOF"},
		},
		{
			name: "wrong bytes",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.Contains(r.URL.Path, TrainImagesFile) {
					return false
				}
				w.Write(gz(other.raw[TrainImagesFile]))
				return true
			},
			want: []error{ErrNotFound, ErrDownload, ErrDigest},
			msg:  []string{sha(other.raw[TrainImagesFile]), "want " + sha(f.raw[TrainImagesFile])},
		},
		{
			name: "corrupt gzip",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				w.Write(flip(gzStored(f.raw[strings.TrimSuffix(r.URL.Path[1:], ".gz")]), 10+5+17))
				return true
			},
			want: []error{ErrNotFound, ErrDownload, ErrCorrupt},
			msg:  []string{"checksum"},
		},
		{
			name: "a mirror announces too much",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Length", "300000000")
				w.Write(make([]byte, 100))
				return true
			},
			want: []error{ErrNotFound, ErrDownload},
			msg:  []string{"download failed: the server announces 300000000 bytes; the file takes at most "},
		},
		{
			name: "a mirror sends too much",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				for range 64 { // no Content-Length: chunked, 4 MiB in all
					if _, err := w.Write(make([]byte, 64<<10)); err != nil {
						break
					}
				}
				return true
			},
			want: []error{ErrNotFound, ErrDownload},
			msg:  []string{"download failed: the server sent more than ", " bytes, the most the file takes compressed or not"},
		},
		{
			name: "a gzip bomb",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				w.Write(gz(make([]byte, 1<<20))) // 1 MiB of zeros in about 1 KiB
				return true
			},
			want: []error{ErrNotFound, ErrDownload, ErrShape},
			msg:  []string{"more than the ", " bytes of the published file"},
		},
		{
			name: "HTTP 404",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				http.NotFound(w, r)
				return true
			},
			want: []error{ErrNotFound, ErrDownload},
			msg:  []string{"HTTP status 404 Not Found", "sudo apt-get install dataset-fashion-mnist", "name it in Options.Dir"},
		},
		{
			name: "stalled",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Length", "1000")
				w.Write(make([]byte, 10))
				w.(http.Flusher).Flush()
				<-r.Context().Done() // hang until the client gives up
				return true
			},
			want: []error{ErrNotFound, ErrDownload, errStalled},
			msg:  []string{"no data received for too long"},
		},
		{
			name: "stale temp file is removed",
			override: func(w http.ResponseWriter, r *http.Request) bool {
				http.Error(w, "boom", http.StatusInternalServerError)
				return true
			},
			setup: func(t *testing.T, cache string) {
				// A download killed with SIGKILL: its process (an id above Linux's
				// largest, 2^22) is gone.
				p := filepath.Join(cache, "."+TrainImagesFile+".tmp-4194305-123")
				os.WriteFile(p, []byte("half"), 0o644)
			},
			want: []error{ErrNotFound, ErrDownload},
			msg:  []string{"HTTP status 500"},
		},
	}
	defer func(d time.Duration) { stallTimeout = d }(stallTimeout)
	stallTimeout = 200 * time.Millisecond
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := isolate(t)
			f.useDigests(t)
			srv := newServer(t, f, true)
			srv.override = tc.override
			cache := filepath.Join(root, "cache")
			if tc.setup != nil {
				mkdir(cache)
				tc.setup(t, cache)
			}
			_, _, err := Load(Options{CacheDir: cache, BaseURL: srv.URL})
			if err == nil {
				t.Fatalf("case %d: no error", i)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("case %d: error %q does not wrap %v", i, err, w)
				}
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("case %d: error %q does not mention %q", i, err, m)
				}
			}
			t.Log(err)
			// Files that were verified may stay; nothing partial or unverified.
			for _, name := range listDir(t, cache) {
				base := strings.TrimSuffix(name, ".gz")
				if !slices.Contains(FileNames[:], base) {
					t.Errorf("case %d: cache holds %q after the failure", i, name)
					continue
				}
				b, _ := os.ReadFile(filepath.Join(cache, name))
				if !bytes.Equal(b, gz(f.raw[base])) {
					t.Errorf("case %d: cache holds a wrong %q", i, name)
				}
			}
		})
	}
}

func TestDownloadCanceled(t *testing.T) {
	root := isolate(t)
	f := newFixture(9, 5, 5, 2, 2)
	f.useDigests(t)
	srv := newServer(t, f, true)
	ctx, cancel := context.WithCancel(context.Background())
	srv.override = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte{0x1f})
		w.(http.Flusher).Flush()
		cancel() // as if the user pressed Ctrl-C mid-download
		<-r.Context().Done()
		return true
	}
	cache := filepath.Join(root, "cache")
	_, err := FindContext(ctx, Options{CacheDir: cache, BaseURL: srv.URL})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrDownload) {
		t.Fatalf("err = %v, want context.Canceled and ErrDownload", err)
	}
	if got := listDir(t, cache); len(got) != 0 {
		t.Errorf("cache holds %v after a canceled download, want nothing", got)
	}
}
