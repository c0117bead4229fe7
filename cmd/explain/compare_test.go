package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/cli"
	"github.com/d2l-go/convnets/internal/cmdtest"
	"github.com/d2l-go/convnets/internal/linestest"
	"github.com/d2l-go/convnets/lenet"
)

// TestCompareTwoImages draws test image 1 (a dress) beside image 4 (label 9, ankle
// boot) and checks every printed number against lenet.Inspect of the same images.
func TestCompareTwoImages(t *testing.T) {
	set := genTestSet(t)
	useSet(t, set)
	ck, c := saveCheckpoint(t, lenet.Classic, 3)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", ck, "-index", "1", "-compare", "4", "-out", out}, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	ia, err := lenet.Inspect(c, pixels(set.Image(1)))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := lenet.Inspect(c, pixels(set.Image(4)))
	if err != nil {
		t.Fatal(err)
	}
	text := stdout.String()
	linestest.Contains(t, "stdout", text,
		fmt.Sprintf("A: test image 1 (true dress): predicted %s (p = %.2f)", dataset.LabelNames[ia.Predicted], ia.Probs[ia.Predicted]),
		fmt.Sprintf("B: test image 4 (true ankle boot): predicted %s (p = %.2f)", dataset.LabelNames[ib.Predicted], ib.Probs[ib.Predicted]),
		fmt.Sprintf("%-34s %8.3f %8.3f %8.3f", " 1 ReLU", mean(ia.Layers[1].Data), mean(ib.Layers[1].Data), cosine(ia.Layers[1].Data, ib.Layers[1].Data)),
		fmt.Sprintf("%-34s %8.3f %8.3f %8.3f", " 4 Sigmoid", mean(ia.Layers[4].Data), mean(ib.Layers[4].Data), cosine(ia.Layers[4].Data, ib.Layers[4].Data)),
		"wrote "+filepath.Join(out, "compare-1-4.png"),
	)
	if strings.Contains(text, "Flatten") {
		t.Error("the Flatten layer (the pooling's values again) is listed")
	}
	img := cmdtest.DecodePNG(t, filepath.Join(out, "compare-1-4.png"))
	if b := img.Bounds(); b.Dx() < 1500 || b.Dy() < 1000 {
		t.Errorf("picture is %v; want two columns of panels", b)
	}
}

// TestCompareNoiseAndClasses picks images by class (sweater = pullover) and compares
// with noise, which is the same on every run.
func TestCompareNoiseAndClasses(t *testing.T) {
	useSet(t, genTestSet(t)) // labels 0, 3, 4, 7, 9
	ck, _ := saveCheckpoint(t, lenet.Modern, 5)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", ck, "-class", "coat", "-compare", "noise", "-out", out}, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "A: test image 2 (true coat)") || !strings.Contains(stdout.String(), "B: uniform noise (no class): predicted") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	first, err := os.ReadFile(filepath.Join(out, "compare-2-noise.png"))
	if err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := run([]string{"-model", ck, "-class", "coat", "-compare", "noise", "-out", out}, &stdout, &stderr); code != cli.ExitOK {
		t.Fatal(stderr.String())
	}
	second, _ := os.ReadFile(filepath.Join(out, "compare-2-noise.png"))
	if !bytes.Equal(first, second) {
		t.Error("two runs with noise drew different pictures")
	}
	stdout.Reset()
	if code := run([]string{"-model", ck, "-index", "0", "-compare", "sneaker", "-out", out}, &stdout, &stderr); code != cli.ExitOK ||
		!strings.Contains(stdout.String(), "B: test image 3 (true sneaker)") {
		t.Errorf("-compare sneaker: exit %d\n%s", code, stdout.String())
	}
}

func TestCompareErrors(t *testing.T) {
	useSet(t, genTestSet(t))
	ck, _ := saveCheckpoint(t, lenet.Classic, 1)
	cases := map[string][]string{
		`-compare: "bogus" is neither a test image index, a class`: {"-compare", "bogus"},
		"-compare: test image 7: the test set has 5 images":        {"-compare", "7"},
		"-class and -index both choose the image":                  {"-class", "coat", "-index", "2"},
		`-class "shirt": no test image of that class`:              {"-class", "shirt"},
	}
	for want, args := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"-model", ck, "-out", t.TempDir()}, args...), &stdout, &stderr)
		if code != cli.ExitUsage || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", args, code, stderr.String(), want)
		}
	}
}
