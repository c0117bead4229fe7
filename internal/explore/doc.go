// Package explore serves a LeNet explorer in the spirit of CNN Explainer (Wang et al.,
// IEEE VIS 2020): one web page, embedded in the binary, that shows what a network does
// with an image, layer by layer, with the network's own numbers, and a JSON API that the
// page uses and that works on its own.
//
// A Server holds a copy of the network's weights and the test set of the data set they
// were trained on (Fashion-MNIST or MNIST). It runs every forward pass through
// lenet.Inspector (a batch-1 copy of the network) under one mutex, because a Gorgonia
// machine is not safe for concurrent use; one forward takes well under a millisecond, so
// requests wait for each other only briefly. The mistakes on the whole test set (a
// second or so) are found by a second network of its own, from a snapshot of the
// weights, so forward passes go on meanwhile. A trainer hands it new weights with
// SetWeights (a lenet.Snapshot, taken on the training goroutine between batches) and new
// points of its history with AddPoint; the page follows both through server-sent events.
//
// # API
//
//	GET  /api/forward?index=N   test image N through the network
//	POST /api/forward           {"pixels": [784 numbers in 0..1]} through the network
//	GET  /api/model             the variant, the layers (lenet.LayerSpec) and every parameter
//	GET  /api/metrics           {"points": [{"epoch", "train_loss", "train_acc", "test_acc"}]}
//	GET  /api/labels            the test set's labels and the class names
//	GET  /api/mistakes          the test images the network gets wrong, and the confusion matrix
//	GET  /api/events            server-sent events "weights" and "metrics" while training
//
// A forward answers
//
//	{"index": N, "label": L, "pixels": [784], "predicted": P, "probabilities": [10],
//	 "epoch": E, "layers": [{"name", "shape", "values"}, ...]}
//
// with every layer of the network in order (the convolutions before their activations),
// values flattened row-major; "index" and "label" only for a test image. Bad requests
// get a 400 with {"error": "..."} (an index out of range, a wrong pixel count, a pixel
// outside 0..1, malformed JSON, a body over 64 KB), unknown paths a 404 and wrong
// methods a 405 with an Allow header, all with the same JSON error body. Nothing a
// request sends reaches the file system: the page's files are embedded.
//
// Serve listens where it is told. On a loopback address it answers only requests
// whose Host header is that address (as localhost, 127.0.0.1 or [::1] too, with the
// port), and others get a 403 with a JSON error: a web page cannot use DNS rebinding
// (its own name re-pointed at 127.0.0.1) to read the server's answers. On any other
// address it was asked to be reached by other names, and answers every Host.
package explore
