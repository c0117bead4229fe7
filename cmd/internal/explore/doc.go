// Package explore serves a CNN explorer in the spirit of CNN Explainer (Wang et al.,
// IEEE VIS 2020): one web page, embedded in the binary, that shows what a network does
// with an image, layer by layer, with the network's own numbers; a designer in the same
// page that describes any network (lenet.Describe), trains it on the server, compares
// the runs and exports them; and a JSON API that the page uses and that works on its
// own.
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
// Given a training set (Config.Train) and a runs folder (Config.RunsDir), the Server
// also trains networks the page designs: one run at a time, on a goroutine and a
// network of its own, so the explorer answers meanwhile. A finished or stopped run's
// weights are saved in the folder and become the explorer's network (layout,
// inspector and evaluator switched under the mutex); every run is kept there as
// rN.safetensors (its checkpoint) and rN.json (its settings, status, points and final
// numbers), both written atomically, and read back by New. A run that was training
// when its server stopped is listed as failed. The training rate behind the page's
// time estimates is measured: by a calibration at start-up (two batches of 256 of the
// classic LeNet) and then by every finished run.
//
// Every request is answered by Server.Answer, from a Request to a Writer: the HTTP
// server's Handler makes them of its http.Request and ResponseWriter, and the
// WebAssembly explorer (cmd/explore/wasm) of the page's messages, with a Recorder, so
// that its module leaves out net/http and gives the same answers byte for byte.
//
// The page's files are plain ES modules (no build step): api.js is the only one that
// makes requests, so that another implementation of its methods can stand in for the
// HTTP one; app.js is the explorer, design.js the Design & train view, dom.js their
// helpers.
//
// # API
//
//	GET  /api/forward?index=N   test image N through the network
//	POST /api/forward           {"pixels": [784 numbers in 0..1]} through the network
//	GET  /api/model             the variant, the layers (lenet.LayerLayout) and every parameter
//	GET  /api/metrics           {"points": [{"epoch", "train_loss", "train_acc", "test_acc"}]}
//	GET  /api/labels            the test set's labels and the class names
//	GET  /api/mistakes          the test images the network gets wrong, and the confusion matrix
//	GET  /api/events            server-sent events: "weights", "metrics", "progress", "runs"
//	POST /api/design            {"spec": S}: lenet.Describe of the spec, as cmd/describe -json prints it
//	POST /api/spec              {"spec": S}: the spec read and normalized, its compact form and layers
//	POST /api/runs              {"spec", "epochs", "lr", "limit", "batch", "seed"}: start a run, 202 {"id"}
//	GET  /api/runs              every run, the one training, the one loaded, the measured rate
//	POST /api/runs/ID/stop      stop run ID (202; it ends "stopped" within a batch)
//	POST /api/runs/ID/load      make run ID's network and weights the explorer's
//	GET  /api/runs/ID/checkpoint  run ID's checkpoint (safetensors), as a download
//	GET  /api/runs/ID/pytorch   the PyTorch module of run ID's network (lenet.WritePyTorch)
//	GET  /site.json             {"mode": "server"}; an exported static folder's manifest says "site" (cmd/internal/site)
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
// request sends names a file: the page's files are embedded and a run's files are
// named by the server (rN).
//
// # Designing and training
//
// S, a spec, is a JSON string (a preset, classic or modern, or the compact form such as
// "conv8k5s2-tanh-dense64", see lenet.ParseSpec) or the spec's JSON form (an object
// {"layers": [...], "lr", "epochs"} or a list of layers such as [{"kind": "conv",
// "out": 8, "kernel": 5, "stride": 2}, {"kind": "tanh"}, {"kind": "linear", "out":
// 64}]). POST /api/design answers
//
//	{"layers": [{"kind", "module", "shape", "params", "macs", "receptive_field"}, ...], "params", "macs"}
//
// one entry per module in order (the Flatten a spec implies listed, the last dense
// layer to the classes marked "implied"), or a 400
//
//	{"error": "layer 0 conv8k40: input 28x28 is smaller than the 40x40 kernel; ...", "layer": 0}
//
// naming the first layer that breaks, counted from 0 in the normalized spec's layers
// (-1 for the spec as a whole or a training token). POST /api/spec answers {"spec",
// "arch", "layers", "lr", "epochs"} (the compact form with and without the training
// settings, the normalized layers, the learning rate and epochs the spec means), or
// the same 400 with "layers" too when the layers could be read, so that a page's rows
// count the layers as the error does.
//
// POST /api/runs takes the settings, zero meaning a default: epochs and lr those of
// the spec (lenet.Spec.EpochCount, LearningRate), limit the whole training set, batch
// 256, seed 1. Everything is checked before anything is allocated (the spec with
// lenet.Describe's limits, the batch with Description.CheckBatch, epochs at most
// MaxRunEpochs, batch at most MaxRunBatch, limit at most the training set): a bad
// setting is a 400 {"error", "layer"}, another run in progress a 409 {"error"} naming
// it, and so is a server without a training set (cmd/train -serve) with the reason.
// GET /api/runs answers
//
//	{"runs": [{"id", "spec", "title", "epochs", "lr", "limit", "batch", "seed", "params", "macs",
//	           "status", "error", "epochs_done", "points": [...as /api/metrics...], "train_loss",
//	           "train_acc", "test_acc", "examples_per_sec", "progress", "started", "seconds",
//	           "checkpoint"}, ...],
//	 "training": ID or "", "loaded": ID or "", "can_train", "why", "train_size",
//	 "rate": {"macs_per_sec", "measured"} or null, "limits": {"epochs", "batch", "runs"}}
//
// status being queued, training, finished, stopped, diverged (the loss or the weights
// blew up: lenet.DivergedError's message in "error") or failed. Loading or exporting a
// run without weights (diverged, failed, in progress) is a 409 saying why.
//
// Serve listens where it is told. On a loopback address it answers only requests
// whose Host header is that address (as localhost, 127.0.0.1 or [::1] too, with the
// port), and others get a 403 with a JSON error: a web page cannot use DNS rebinding
// (its own name re-pointed at 127.0.0.1) to read the server's answers. On any other
// address it was asked to be reached by other names, and answers every Host.
package explore
