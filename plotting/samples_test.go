package plotting

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/d2l-go/convnets/internal/cmdtest"
)

// -samples DIR keeps the sample pictures of TestSamples for a person to look
// at: go test ./plotting -run TestSamples -samples /tmp/plotting-samples
var samplesDir = flag.String("samples", "", "directory to keep the sample PNGs in (default: a temporary directory)")

var fashionNames = []string{"t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"}

// garment draws a rough 28x28 silhouette of a Fashion-MNIST class, values
// in [0, 1] with some texture.
func garment(class int, rng *rand.Rand) []float64 {
	pix := make([]float64, 28*28)
	set := func(r0, r1, c0, c1 int, v float64) {
		for r := max(0, r0); r <= min(27, r1); r++ {
			for c := max(0, c0); c <= min(27, c1); c++ {
				pix[r*28+c] = v
			}
		}
	}
	base := 0.55 + 0.3*rng.Float64()
	switch class {
	case 0, 2, 4, 6: // tops: body and sleeves
		set(4, 26, 8, 19, base)
		sleeve := 11
		if class == 2 || class == 4 {
			sleeve = 23
		}
		set(4, sleeve, 3, 7, base*0.9)
		set(4, sleeve, 20, 24, base*0.9)
		set(4, 6, 11, 16, 0.1) // neck
		if class == 4 {
			set(7, 26, 13, 14, 0.2) // zip
		}
		if class == 6 {
			set(4, 8, 11, 12, 1)
			set(4, 8, 15, 16, 1) // collar
		}
	case 1: // trouser
		set(2, 6, 8, 19, base)
		set(6, 26, 8, 12, base)
		set(6, 26, 15, 19, base)
	case 3: // dress, widening downwards
		for r := 3; r <= 26; r++ {
			half := 3 + (r-3)/3
			set(r, r, 14-half, 13+half, base)
		}
	case 5: // sandal: straps
		for _, r := range []int{16, 19, 22} {
			set(r, r+1, 3, 24, base)
		}
		set(23, 24, 2, 25, base)
	case 7: // sneaker
		set(14, 23, 4, 24, base)
		set(10, 14, 4, 13, base)
		set(22, 23, 3, 25, 1)
	case 8: // bag with a handle
		set(11, 25, 3, 24, base)
		set(4, 5, 9, 18, base)
		set(4, 11, 9, 10, base)
		set(4, 11, 17, 18, base)
	case 9: // ankle boot
		set(5, 24, 5, 13, base)
		set(15, 24, 5, 24, base)
		set(23, 24, 4, 25, 1)
	}
	for i := range pix {
		if pix[i] > 0 {
			pix[i] = min(1, max(0, pix[i]+0.08*rng.NormFloat64()))
		}
	}
	return pix
}

// conv computes a "same"-padded (pad = k/2) correlation of an h x w map with
// a k x k kernel.
func conv(x []float64, h, w int, k []float64, ks int) []float64 {
	out := make([]float64, h*w)
	p := ks / 2
	for r := range h {
		for c := range w {
			var s float64
			for i := range ks {
				for j := range ks {
					rr, cc := r+i-p, c+j-p
					if rr >= 0 && rr < h && cc >= 0 && cc < w {
						s += x[rr*w+cc] * k[i*ks+j]
					}
				}
			}
			out[r*w+c] = s
		}
	}
	return out
}

// pool2 averages 2x2 windows with stride 2.
func pool2(x []float64, h, w int) []float64 {
	out := make([]float64, (h/2)*(w/2))
	for r := range h / 2 {
		for c := range w / 2 {
			out[r*(w/2)+c] = (x[2*r*w+2*c] + x[2*r*w+2*c+1] + x[(2*r+1)*w+2*c] + x[(2*r+1)*w+2*c+1]) / 4
		}
	}
	return out
}

// crop cuts the centre h x w out of an H x W map.
func crop(x []float64, hh, ww, h, w int) []float64 {
	out := make([]float64, 0, h*w)
	r0, c0 := (hh-h)/2, (ww-w)/2
	for r := range h {
		out = append(out, x[(r0+r)*ww+c0:(r0+r)*ww+c0+w]...)
	}
	return out
}

// TestSamples draws one of every kind of picture, with realistic data, and
// checks that each decodes at the size FigureSize promised. With -samples it
// keeps them for a person to look at.
func TestSamples(t *testing.T) {
	dir := *samplesDir
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	type sample struct {
		name string
		w, h int
	}
	var samples []sample
	figure := func(name, title string, rows [][]Panel) {
		t.Helper()
		w, h, err := FigureSize(title, rows)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := SaveFigure(filepath.Join(dir, name), title, rows); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		samples = append(samples, sample{name, w, h})
	}

	// Training curves: d2l's LeNet run, after 1 and 10 epochs, and a
	// diverged run.
	cfg := AnimatorConfig{XLabel: "epoch", XMin: 1, XMax: 10, Legend: trainLegend}
	a := NewAnimator(cfg)
	d2lRun(t, a, 1)
	if err := a.Save(filepath.Join(dir, "curves_epoch1.png")); err != nil {
		t.Fatal(err)
	}
	a = NewAnimator(cfg)
	d2lRun(t, a, 10)
	if err := a.Save(filepath.Join(dir, "curves.png")); err != nil {
		t.Fatal(err)
	}
	div := NewAnimator(AnimatorConfig{Title: "lr 10: diverged", XLabel: "epoch", XMin: 1, XMax: 4, Legend: trainLegend})
	for i, loss := range []float64{2.3, 2.1, 1.9, 2.6, 4.8, 9.5, math.Inf(1)} {
		x := 1 + float64(i)/2
		if err := div.Add(x, loss, 0.1+0.02*float64(i), math.NaN()); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := div.Add(x, math.NaN(), math.NaN(), 0.1+0.01*float64(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := div.Save(filepath.Join(dir, "curves_diverged.png")); err != nil {
		t.Fatal(err)
	}
	samples = append(samples, sample{"curves_epoch1.png", 720, 540}, sample{"curves.png", 720, 540}, sample{"curves_diverged.png", 720, 540})

	// Predictions: 18 test images, the wrong ones highlighted.
	var imgs []Image
	for i := range 18 {
		class := i % 10
		pred := class
		if i == 4 || i == 6 || i == 12 {
			pred = []int{2, 0, 4}[i/5]
		}
		imgs = append(imgs, Image{
			Pix: garment(class, rng), W: 28, H: 28,
			Title:     fmt.Sprintf("true: %s\npred: %s", fashionNames[class], fashionNames[pred]),
			Highlight: pred != class,
		})
	}
	figure("predictions.png", "", [][]Panel{{&ImageGrid{Images: imgs, Cols: 9, Title: "Test images: true and predicted labels (wrong in red)"}}})

	// Image kernels with their numbers.
	kernels := []HeatMap{
		{Data: []float64{0, 0, 0, 0, 1, 0, 0, 0, 0}, Title: "identity"},
		{Data: []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}, Title: "box blur"},
		{Data: []float64{1, 2, 1, 2, 4, 2, 1, 2, 1}, Title: "Gaussian blur"},
		{Data: []float64{0, -1, 0, -1, 5, -1, 0, -1, 0}, Title: "sharpen"},
		{Data: []float64{-1, 0, 1, -2, 0, 2, -1, 0, 1}, Title: "Sobel x"},
		{Data: []float64{-1, -2, -1, 0, 0, 0, 1, 2, 1}, Title: "Sobel y"},
		{Data: []float64{0, 1, 0, 1, -4, 1, 0, 1, 0}, Title: "Laplacian 4"},
		{Data: []float64{1, 1, 1, 1, -8, 1, 1, 1, 1}, Title: "Laplacian 8"},
	}
	input := garment(4, rng)
	var applied []Image
	for i := range kernels {
		kernels[i].Rows, kernels[i].Cols, kernels[i].ShowValues = 3, 3, true
		if i == 1 || i == 2 {
			s := 9.0
			if i == 2 {
				s = 16
			}
			for j := range kernels[i].Data {
				kernels[i].Data[j] /= s
			}
		}
		applied = append(applied, Image{Pix: crop(conv(input, 28, 28, kernels[i].Data, 3), 28, 28, 26, 26), W: 26, H: 26, Title: kernels[i].Title})
	}
	figure("kernels.png", "Common image kernels applied to a coat", [][]Panel{
		{&HeatMapGrid{Maps: kernels, Cols: 8, Title: "kernels"}},
		// Each output stretched to its own range: a shared scale would wash
		// out the blurs next to the Laplacian's large values.
		{&ImageGrid{Images: applied, Cols: 8, Title: "outputs (valid correlation, 26 x 26, each stretched black..white)"}},
	})

	// Feature maps of a LeNet-like network for one image, and the whole
	// walk-through figure of cmd/explain.
	k1 := make([][]float64, 6)
	var k1maps, relu1, pool1 []HeatMap
	for c := range k1 {
		k1[c] = make([]float64, 25)
		for j := range k1[c] {
			k1[c][j] = 0.35 * rng.NormFloat64()
		}
		k1maps = append(k1maps, HeatMap{Data: k1[c], Rows: 5, Cols: 5, Title: fmt.Sprintf("kernel %d", c), ShowValues: true})
		y := conv(input, 28, 28, k1[c], 5)
		for j := range y {
			y[j] = max(0, y[j])
		}
		relu1 = append(relu1, HeatMap{Data: y, Rows: 28, Cols: 28, Title: fmt.Sprintf("channel %d", c)})
		pool1 = append(pool1, HeatMap{Data: pool2(y, 28, 28), Rows: 14, Cols: 14, Title: fmt.Sprintf("channel %d", c)})
	}
	var sig2, pool2maps []HeatMap
	for o := range 16 {
		sum := make([]float64, 100)
		for c := range 6 {
			k := make([]float64, 25)
			for j := range k {
				k[j] = 0.15 * rng.NormFloat64()
			}
			y := crop(conv(pool1[c].Data, 14, 14, k, 5), 14, 14, 10, 10)
			for j := range sum {
				sum[j] += y[j]
			}
		}
		for j := range sum {
			sum[j] = 1 / (1 + math.Exp(-sum[j]))
		}
		sig2 = append(sig2, HeatMap{Data: sum, Rows: 10, Cols: 10, Title: fmt.Sprint(o)})
		pool2maps = append(pool2maps, HeatMap{Data: pool2(sum, 10, 10), Rows: 5, Cols: 5, Title: fmt.Sprint(o)})
	}
	figure("featuremaps.png", "", [][]Panel{{&HeatMapGrid{Maps: relu1, Cols: 6, Title: "conv1 after ReLU (6 x 28 x 28)"}}})

	probs := []float64{0.02, 0.01, 0.21, 0.01, 0.61, 0, 0.12, 0, 0.02, 0}
	summary := "layer       output shape\n" +
		"input       (1, 1, 28, 28)\n" +
		"conv1+ReLU  (1, 6, 28, 28)\n" +
		"avgpool     (1, 6, 14, 14)\n" +
		"conv2+sigm  (1, 16, 10, 10)\n" +
		"avgpool     (1, 16, 5, 5)\n" +
		"linear x3   (1, 10)"
	cell := 0.75 * vg.Inch
	figure("explain.png", "Test image 42: true coat, predicted coat (p = 0.61)", [][]Panel{
		{
			&ImageGrid{Images: []Image{{Pix: input, W: 28, H: 28, Title: "input (28 x 28)"}}, CellSize: 1.6 * vg.Inch, Title: "input"},
			&BarChart{Values: probs, Names: fashionNames, Mark: 4, Title: "class probabilities", Height: 2.6 * vg.Inch},
			&Text{Text: summary, Mono: true, FontSize: 9},
		},
		{
			&HeatMapGrid{Maps: relu1, Cols: 3, CellSize: cell, Title: "conv1 after ReLU"},
			&HeatMapGrid{Maps: pool1, Cols: 3, CellSize: cell, Title: "conv1 after pooling"},
			&HeatMapGrid{Maps: k1maps, Cols: 3, Title: "conv1 kernels"},
		},
		{
			&HeatMapGrid{Maps: sig2, Cols: 8, CellSize: 0.6 * vg.Inch, Title: "conv2 after sigmoid"},
			&HeatMapGrid{Maps: pool2maps, Cols: 8, CellSize: 0.6 * vg.Inch, Title: "conv2 after pooling"},
		},
	})

	// Confusion matrix of a 10000-image test set, and the probabilities.
	counts := make([][]int, 10)
	for i := range counts {
		counts[i] = make([]int, 10)
		left := 1000
		for j := range counts[i] {
			if j != i {
				v := rng.IntN(25)
				if (i == 6 && j == 0) || (i == 4 && j == 2) || (i == 2 && j == 4) || (i == 0 && j == 6) {
					v = 90 + rng.IntN(80)
				}
				counts[i][j] = v
				left -= v
			}
		}
		counts[i][i] = left
	}
	figure("confusion.png", "", [][]Panel{{&Confusion{Counts: counts, Names: fashionNames}}})
	figure("bars.png", "", [][]Panel{{&BarChart{Values: probs, Names: fashionNames, Mark: 4, Title: "Predicted class probabilities"}}})

	for _, s := range samples {
		img := cmdtest.DecodePNG(t, filepath.Join(dir, s.name))
		checkSize(t, s.name, img, s.w, s.h)
	}
}
