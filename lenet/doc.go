// Package lenet is the chapter's LeNet (Dive into Deep Learning, "Convolutional Neural
// Networks", section 6) as a Gorgonia expression graph, and the trainer that fits it to
// Fashion-MNIST: the textbook's train_ch6.
//
// # The network
//
// A network is a Spec: an ordered list of layers, each a convolution (channels,
// kernel, stride, padding, rectangles allowed), a max or average pooling (window,
// stride, padding), an activation (ReLU, sigmoid, ...: Activations), a Flatten or a
// dense layer, for a (1, 28, 28) input; a last dense layer to the 10 classes is always
// added. It is written as one token per layer (see ParseSpec), the chapter's LeNet
// being the preset "classic":
//
//	conv6k5p2-relu-avg2-conv16k5-sigmoid-avg2-dense120-sigmoid-dense84-sigmoid-lr0.9
//
//	Conv2d(1->6, 5x5, padding 2)  (1,6,28,28)   ReLU
//	AvgPool 2x2 stride 2          (1,6,14,14)
//	Conv2d(6->16, 5x5)            (1,16,10,10)  Sigmoid
//	AvgPool 2x2 stride 2          (1,16,5,5)
//	Flatten                       (1,400)
//	Linear 400->120, Sigmoid      (1,120)
//	Linear 120->84, Sigmoid       (1,84)
//	Linear 84->10                 (1,10)
//
// and "modern" the same with ReLU everywhere and max pooling.
//
// Describe works a Spec out without building it: per module of the PyTorch
// nn.Sequential it becomes, the output shape, parameters, multiply-adds and receptive
// field, or the first layer that breaks and why. Everything else reads that one
// answer: NewNet builds the layers from it, New checks its size limits (MaxParams,
// MaxActivationBytes) before allocating, checkpoints take their state_dict keys from
// it, Layout gives the explorer its shapes, and WritePyTorch writes the same network
// for PyTorch.
//
// Adding a layer kind (dropout, batch norm) touches:
//
//	spec.go      its LayerKind, its token (Spec.token, Layer.Token) and JSON fields
//	describe.go  its shape, parameters, receptive field and PyTorch module (walkState.next, torchModule)
//	specnet.go   the layer that computes it (buildLayer)
//
// plus, when it has parameters, their state_dict entries (statedict.go), and the op and
// layer that compute it (graph/nn, layers/).
//
// An activation (LeakyReLU, say) is simpler: in this package, one kind and one row of
// the table in activations.go (its token, its PyTorch module, whether it saturates,
// its layer), which the tokens, the JSON form, Describe, the PyTorch code, NewNet and
// the messages follow; beside it, the op and its test (graph/nn) and the layer
// (layers/activation.go). The op kit's package doc (internal/opkit, "Adding an
// activation") lists the five files.
//
// # Training
//
// A Classifier holds graphs built once: training graphs whose TapeMachines compute the
// loss and every gradient, and forward-only evaluation graphs. A batch is cut into
// shards (Config.Shards; 4 shards of 64 examples for a batch of 256), each a graph of
// the whole network for its share of the batch, on a machine of its own. The shards run
// in parallel on up to GOMAXPROCS cores; with more cores than shards, each shard's ops
// share out their work over the cores left over (device.SetWorkers). Their parameter
// nodes are bound to one set of tensors. A smaller last batch fills the first shards,
// its padding rows get zero weight in the loss, and shards left empty do not run. The
// loss is the numerically stable softmax cross-entropy (log-sum-exp) averaged over the
// real rows:
//
//	loss = (1/n) Σ_i ( logsumexp(z_i) − z_i[y_i] )
//
// each shard computing its rows' share; the shards' losses and gradients are summed in
// shard order, and SGD updates every parameter in place: w ← w − lr · ∂loss/∂w. Each op
// gives the same result on any number of goroutines, so every result is the same on 1,
// 2 or 16 cores: it depends on the seed, the batch size and the shard count, not on the
// machine's cores or on which core ran which shard. (Cutting a batch differently
// changes the results only by float rounding.)
//
// The training machines compile only what a step reads (device.NewMachineFor): the loss,
// the logits and the parameters' gradients, not the gradient with respect to the input
// images that Gorgonia's Grad also builds. Config.Ops chooses the project's fast ops
// (the default) or the Gorgonia primitives they replace for the convolutions and
// activations; both train alike (see nn.Ops).
//
// Train runs the epochs and records, like the textbook's Animator, the running train loss
// and accuracy five times per epoch and the test accuracy once per epoch. A batch loss
// over 100 times that of a uniform guess, or one that is NaN or infinite, or a weight
// that is, stops training at once with a *DivergedError. Cancelling its context stops it
// after the current batch with a TrainState that a checkpoint saves and that Train
// continues from exactly: the run ends with the same weights and numbers as one never
// stopped.
//
// # Checkpoints
//
// Snapshot and Save write a checkpoint as a safetensors file whose tensors are the
// PyTorch state_dict of the network's nn.Sequential (for the classic LeNet "0.weight"
// ... "11.bias", see StateDict; linear weights transposed to PyTorch's (out, in)), so
// PyTorch's load_state_dict takes it as it is; the network, the training state and a
// SHA-256 digest sit in its metadata. LoadCheckpoint reads those, the older LENETCKP
// files, and bare state_dicts written by PyTorch (Checkpoint.WeightsOnly), telling them
// apart by their first bytes; a file that does not name its network is read as the one
// SettleModel names. It refuses anything
// but a regular file by its type before opening it (RegularFile), and reads a
// safetensors file header first (ReadCheckpointAt): tensors the network does not have,
// or of other shapes, are refused before any is read, so memory stays near the
// network's own size whatever the file holds. Loading validates the metadata as a
// whole (network, settings, position, data set, history) and names every problem on
// one line.
//
// # Errors
//
// Constructors and Train return errors (never panic) for bad configuration, bad data and
// diverged training; checkpoint loading returns typed errors for foreign, corrupt,
// invalid (ErrInvalid: a learning rate, position or weight no run can continue from) or
// mismatched files.
package lenet
