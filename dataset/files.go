package dataset

import (
	"crypto/sha256"
	"hash"
)

// The four Fashion-MNIST file names, without the optional ".gz" suffix.
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// FileNames lists the four files in the order train images, train labels,
// test images, test labels.
var FileNames = [4]string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile}

// DefaultBaseURL is where upstream serves the four .gz files.
const DefaultBaseURL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

// fileSpec is the published size and SHA-256 of one DECOMPRESSED file
// (compressed files differ between mirrors).
type fileSpec struct {
	size   int64
	sha256 string
}

// digests holds the published SHA-256 of each decompressed file. Tests may
// replace entries (the package's own tests serve generated files).
var digests = map[string]fileSpec{
	TrainImagesFile: {47040016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
	TrainLabelsFile: {60008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
	TestImagesFile:  {7840016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
	TestLabelsFile:  {10008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
}

// Digest returns the published SHA-256 (hex) of the decompressed Fashion-MNIST
// file with the given name (".gz" suffix and directories ignored), and
// whether the name is one of the four.
func Digest(name string) (string, bool) { return FashionMNIST.Digest(name) }

func newHash() hash.Hash { return sha256.New() }
