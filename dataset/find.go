package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SystemDir is where Debian's and Ubuntu's dataset-fashion-mnist package
// installs the four .gz files.
const SystemDir = "/usr/share/datasets/fashion-mnist"

// EnvDir names the environment variable that points at a data folder.
const EnvDir = "FASHION_MNIST_DIR"

// LocalDir is the project-local data folder, relative to the working
// directory.
const LocalDir = "data/fashion-mnist"

// systemDir is SystemDir; the package's tests point it elsewhere.
var systemDir = SystemDir

// Options control Find and Load. The zero value searches the usual places,
// downloads when nothing is found, and verifies every file's SHA-256.
type Options struct {
	// Dir, when non-empty, is the only folder used: the four files must be
	// there; nothing else is searched or downloaded. Default: empty, search
	// FASHION_MNIST_DIR, ./data/fashion-mnist, the cache dir and SystemDir,
	// then download.
	Dir string
	// DirFlag is the command-line flag that sets Dir in the caller's command
	// (a command's "-data"), for the messages: a folder it names is "given
	// with -data", and the advice on missing data is to "pass -data DIR".
	// Default: empty, the messages speak of Options.Dir; this package names no
	// flag of its own.
	DirFlag string
	// NoDownload turns the download off. Default: false (download into the
	// cache dir when no folder holds the files).
	NoDownload bool
	// SkipVerify skips the SHA-256 check of local files, for other IDX
	// datasets stored under the Fashion-MNIST file names. Downloads are
	// always verified. Default: false (verify).
	SkipVerify bool
	// Progress receives download progress: a progress bar when it is a
	// terminal, one line per file otherwise. Default: nil, silent.
	Progress io.Writer
	// CacheDir is the folder downloads go to and that is searched before
	// SystemDir. Default: DefaultCacheDir().
	CacheDir string
	// BaseURL is the URL the ".gz" file names are appended to. Default:
	// DefaultBaseURL.
	BaseURL string
	// Source is the data set: FashionMNIST (the default, when nil) or MNIST.
	// It decides the folders searched, the download URL and the digests.
	Source *Source
	// The HTTP client of the downloads (Client, download.go), where the
	// build has them: not under WebAssembly, whose module leaves net/http out.
	clientOptions
}

// DefaultCacheDir returns os.UserCacheDir()/d2l-convnets/fashion-mnist.
func DefaultCacheDir() (string, error) { return FashionMNIST.CacheDir() }

// Find returns the folder that holds the four Fashion-MNIST files (each
// plain or .gz), searching, in order:
//
//  1. opts.Dir (a command's -data DIR): if set, ONLY this folder; an incomplete or
//     missing folder is an error, never a silent fallback;
//  2. $FASHION_MNIST_DIR: if set, likewise the only folder used;
//  3. ./data/fashion-mnist;
//  4. the cache dir (opts.CacheDir, default DefaultCacheDir());
//  5. /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist);
//  6. a download from opts.BaseURL into the cache dir (unless
//     opts.NoDownload): each file goes to a temp file, its decompressed
//     SHA-256 is checked, and only then is it renamed into place, so a
//     failed or interrupted download leaves no partial file behind.
//
// Find only checks that the files exist; Load verifies their contents.
// When nothing is found, the error wraps ErrNotFound (and the download's
// error) and says how to get the data.
func Find(opts Options) (dir string, err error) {
	return FindContext(context.Background(), opts)
}

// DirFlagUsage is the help of a command's -data flag, which sets Options.Dir: the
// search order of Find, as a user meets it.
const DirFlagUsage = "folder holding the four Fashion-MNIST files (only that folder is searched);\n" +
	"default: $" + EnvDir + ", ./data/fashion-mnist, the user cache, " + SystemDir + ", then a download"

// FindContext is Find with a context that cancels a download.
func FindContext(ctx context.Context, opts Options) (string, error) {
	src := opts.source()
	if opts.Dir != "" {
		why := "Options.Dir"
		if opts.DirFlag != "" {
			why = "given with " + opts.DirFlag
		}
		return explicitDir(src, opts.Dir, why)
	}
	if env := os.Getenv(src.envDir); env != "" {
		return explicitDir(src, env, "from $"+src.envDir)
	}
	cache := opts.CacheDir
	var cacheErr error
	if cache == "" {
		cache, cacheErr = src.CacheDir()
	}
	var searched []string
	for _, d := range []string{src.localDir, cache, src.SystemDir()} {
		if d == "" {
			continue
		}
		_, missing, exists, err := resolve(d)
		if exists && len(missing) == 0 && err == nil {
			return filepath.Abs(d)
		}
		shown := d
		if d == src.localDir {
			shown = "./" + d
		}
		switch {
		case err != nil:
			shown += " (" + err.Error() + ")"
		case exists:
			shown += " (lacks " + strings.Join(missing, ", ") + ")"
		}
		searched = append(searched, shown)
	}
	where := "looked in " + strings.Join(searched, ", ")
	switch {
	case opts.NoDownload:
		return "", notFound(src, opts, where+"; downloading is off")
	case cacheErr != nil:
		return "", notFound(src, opts, fmt.Sprintf("%s; cannot download: %v", where, cacheErr))
	}
	_, missing, _, _ := resolve(cache)
	if err := download(ctx, cache, missing, opts); err != nil {
		return "", &multiError{
			msg:  fmt.Sprintf("dataset: %s not found: %s; the download failed: %s; %s", src.title, where, strings.TrimPrefix(err.Error(), "dataset: "), src.howTo(opts.DirFlag)),
			errs: []error{ErrNotFound, err},
		}
	}
	return filepath.Abs(cache)
}

// notFound is the ErrNotFound error of src with detail, for a search with opts.
func notFound(src *Source, opts Options, detail string) error {
	return &multiError{msg: fmt.Sprintf("dataset: %s not found: %s; %s", src.title, detail, src.howTo(opts.DirFlag)), errs: []error{ErrNotFound}}
}

// explicitDir accepts dir only if it holds all four files of src.
func explicitDir(src *Source, dir, why string) (string, error) {
	_, missing, exists, err := resolve(dir)
	fail := func(format string, args ...any) error {
		return &multiError{msg: fmt.Sprintf("dataset: %s not found: folder %s (%s) ", src.title, dir, why) + fmt.Sprintf(format, args...), errs: []error{ErrNotFound}}
	}
	switch st, statErr := os.Stat(dir); {
	case errors.Is(statErr, fs.ErrNotExist):
		return "", fail("does not exist; create it with the four files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz or plain), or drop it to search the usual places")
	case statErr != nil:
		return "", fail("cannot be read: %v", pathCause(statErr))
	case !st.IsDir():
		return "", fail("is a file, not a folder; name the folder that holds the four files")
	case err != nil:
		return "", fail("cannot be read: %v; make it readable (chmod a+rx), or drop it to search the usual places", err)
	case !exists:
		return "", fail("cannot be read")
	case len(missing) > 0:
		return "", fail("lacks %s (.gz or plain); add them, or drop it to search the usual places", strings.Join(missing, ", "))
	}
	return filepath.Abs(dir)
}

// pathCause is the cause of a *fs.PathError without the path, which the message names
// already.
func pathCause(err error) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// resolve returns the paths of the four files in dir (FileNames order;
// NAME.gz preferred over NAME), the names of those missing, whether dir
// is an existing folder, and the error that kept a file from being looked at
// (a folder without search permission: permission denied), nil when each
// was found or does not exist.
func resolve(dir string) (paths [4]string, missing []string, exists bool, err error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return paths, FileNames[:], false, nil
	}
	for i, name := range FileNames {
		for _, cand := range []string{name + ".gz", name} {
			p := filepath.Join(dir, cand)
			st, serr := os.Stat(p)
			if serr == nil && st.Mode().IsRegular() {
				paths[i] = p
				break
			}
			if serr != nil && !errors.Is(serr, fs.ErrNotExist) && err == nil {
				err = pathCause(serr)
			}
		}
		if paths[i] == "" {
			missing = append(missing, name)
		}
	}
	return paths, missing, true, err
}

// Paths returns the paths of the four files in dir, in FileNames order, or
// an ErrNotFound error naming the missing ones.
func Paths(dir string) ([4]string, error) { return FashionMNIST.paths(dir) }

// paths is Paths, with src's name in its messages.
func (s *Source) paths(dir string) ([4]string, error) {
	paths, _, _, _ := resolve(dir)
	if _, err := explicitDir(s, dir, "data folder"); err != nil {
		return paths, err
	}
	return paths, nil
}

// Verify checks the SHA-256 of the four Fashion-MNIST files in dir against the
// published digests, without keeping their contents. Errors wrap ErrDigest
// (with both digests), ErrNotFound, or a decoding error.
func Verify(dir string) error { return FashionMNIST.Verify(dir) }

// Verify is the package's Verify for this data set's digests.
func (s *Source) Verify(dir string) error {
	paths, err := s.paths(dir)
	if err != nil {
		return err
	}
	for _, p := range paths {
		want, _ := s.knownFile(p)
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("dataset: %w", err)
		}
		got, _, err := hashStream(f, want.size)
		f.Close()
		if err != nil {
			return withFile(p, err)
		}
		if got != want.sha256 {
			return digestErr(p, got, want.sha256)
		}
	}
	return nil
}

// multiError is an error with its own message that wraps several errors.
type multiError struct {
	msg  string
	errs []error
}

func (e *multiError) Error() string   { return e.msg }
func (e *multiError) Unwrap() []error { return e.errs }
