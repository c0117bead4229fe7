// Package plotting draws the project's figures as PNG files with
// gonum.org/v1/plot: the training curves of the textbook's Animator, grids of
// images with their labels, heat maps of feature maps and kernels, a
// confusion matrix and bar charts, alone or combined in one figure.
//
// The package knows nothing of Gorgonia or of the rest of the project: it
// takes plain float64 slices and ints. Data flows one way, dataset -> lenet
// -> plotting.
//
// # Training curves
//
// Animator mirrors d2l's Animator. The trainer records train loss and
// accuracy five times per epoch and test accuracy once, with NaN for "no
// value here", and rewrites the PNG at the end of every epoch:
//
//	a := plotting.NewAnimator(plotting.AnimatorConfig{
//		XLabel: "epoch", XMin: 1, XMax: float64(epochs),
//		Legend: []string{"train loss", "train acc", "test acc"},
//	})
//	a.Add(epoch+frac, loss, acc, math.NaN())
//	a.Add(epoch+1, math.NaN(), math.NaN(), testAcc)
//	err := a.Save("out/curves.png")
//
// Animator.Series returns a series' points as plotter.XYs (a plotter.XYer).
//
// # Pictures of data and of the network
//
//   - SaveImageGrid: grayscale images, each titled ("true: coat\npred:
//     shirt"); Highlight draws a wrong prediction's title and frame in red.
//   - SaveHeatMapGrid: matrices (feature maps, kernels) sharing one colour
//     scale with a colour bar; ShowValues prints the numbers in the cells.
//     A scale with both signs is a diverging blue-white-red map centred on
//     0, any other is viridis.
//   - SaveConfusion: counts[true][predicted] with the class names on both
//     axes, the counts in the cells and a white-to-blue colour bar.
//   - SaveBars: one bar per value (class probabilities), one bar marked.
//
// Each of these is a Panel (ImageGrid, HeatMapGrid, Confusion, BarChart,
// plus Text and PlotPanel) and SaveFigure lays out rows of panels in one
// PNG, each panel at the size it asks for, so that nothing is clipped or
// squeezed. cmd/explain puts the input image, the feature maps of every
// layer, the kernels and the probabilities in one picture this way. Any type
// with Size and Draw methods is a Panel.
//
// # Shapes
//
// Images and heat maps are row-major, row 0 drawn at the top, like a
// (height, width) slice of an NCHW tensor: pass channel c of sample n of a
// (N, C, H, W) tensor as Data[((n*C+c)*H)*W : ((n*C+c)*H+H)*W] with Rows H
// and Cols W.
//
// # Output
//
// Every PNG is DPI (120) dots per inch; a figure w x h inches is
// round(w*DPI) x round(h*DPI) pixels (the Animator's default, 6 x 4.5
// inches, is 720 x 540). FigureSize tells a figure's size in pixels before
// drawing it. Files are written atomically: the PNG is drawn in memory, then
// written to a temporary file in the target's directory and renamed over
// the target, so a reader never sees half a file and a failed save leaves
// no file (and no temporary file) behind.
//
// # Errors
//
// Bad input never panics. It returns one error wrapping ErrInvalid that
// names the problem (which image, which row, the sizes involved), before
// any file is touched. I/O failures wrap the operating system's error, so
// errors.Is(err, fs.ErrNotExist) and errors.As(err, new(*fs.PathError))
// work. A panic inside gonum/plot while drawing (which validated input
// should never cause) is recovered in one place and returned wrapping
// ErrDraw.
package plotting
