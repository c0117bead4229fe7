// Package opkit turns a small description of a differentiable operation, an OpSpec,
// into a Gorgonia op, so that each op of package graph and its subpackages is one file:
// its formula, its shape rule, its forward pass and its gradient.
//
// # Writing an op
//
// An OpSpec names the op and its inputs (Input: name, rank, the dimensions' names for
// messages), the rank of its result (OutRank), and gives
//
//	Shape    the result's shape from the inputs' shapes, or an error naming what is wrong
//	Forward  the computation on Args (the operands In and InShapes, the result Out and
//	         OutShape), writing every element of the result: one generic function,
//	         Floats(f, f), or FloatsWith(params, f, f) for one that takes the op's
//	         parameters; Go instantiates it for float32 and float64
//	Grad     the vector-Jacobian product: given the input nodes, the output node and
//	         dL/dy, the nodes of dL/dx for every input (nil where there is none)
//	GPU      optionally, the CUDA kernel of gpu/kernels/kernels.cu that computes Forward
//
// Apply checks the input nodes against the OpSpec and adds the op to their graph.
// Everything else a Gorgonia op needs is done here, once, for every op:
//
//   - the argument checks: node count, nil nodes, one graph, ranks, empty dimensions,
//     float dtypes (one spelling: "want float32 or float64"), one dtype for all inputs;
//     the same checks, and the shape rule, guard the values at run time;
//   - Gorgonia's Op interfaces: Type, InferShape, Do and UsePreallocDo, hashing (the
//     name and parameters, so that ops with other parameters never merge), SymDiff for
//     the TapeMachine and DoDiff for the LispMachine, both from Grad;
//   - the result's memory: kept from one run to the next, or the machine's
//     preallocated value (see "Results" below);
//   - device placement: in a binary built with the cuda tag, an op whose OpSpec has a
//     GPU kernel, built in a graph placed on a GPU (graph/device.SetDevice), runs that
//     kernel on the device memory Gorgonia's TapeMachine hands it. The Launch that
//     describes the kernel is plain data, valid in every build; what runs it is the GPU
//     wing (gpu/cudaop), which fills in the GPU hook (SetGPU) in that build only.
//
// Three concerns of the ops live in packages of their own: the loops an op shares out
// over goroutines (internal/parallel, given Args.Workers), the settings recorded per
// graph (internal/pergraph: the device and the workers, which Apply reads), and the
// geometry of sliding windows (graph/geom).
//
// # Adding an activation, from op to spec token
//
// A new element-wise function, say LeakyReLU, touches two files for the op, two more
// to be a layer and a token of the network's spec, and one line of the docs: five
// files, the op's own two and three more (tried on a copy of the tree, with the tests
// of every package passing):
//
//	graph/nn/leakyrelu.go       the op: an activation value (its forward function and
//	                            its gradient from the output, each built with
//	                            perElement) and the exported LeakyReLU(x); see relu.go
//	                            or tanh.go
//	graph/nn/leakyrelu_test.go  the op harness (optest.Check): values against a
//	                            reference, gradients against finite differences, float32
//	                            against float64, both machines, several goroutines
//	layers/activation.go        the layer: a LeakyReLU struct with Ops, whose Forward
//	                            calls activate with nn.LeakyReLU and its construction
//	                            from Gorgonia's primitives
//	lenet/activations.go        the kind (KindLeakyReLU LayerKind = "leakyrelu", its
//	                            token) and one row of the activations table: the PyTorch
//	                            module ("LeakyReLU()"), whether it saturates, the layer
//	docs/networks.md            a row of the table of tokens
//
// The table is all lenet reads: ParseSpec, the JSON form, Describe, the generated
// PyTorch code, NewNet, the default learning rate and the messages and help that list
// the tokens (lenet.TokenHelp, cmd/describe -h) follow it. Optional beyond that: a GPU
// kernel (gpu/kernels/kernels.cu, the activation's kernel number), a case of
// internal/torchcheck and scripts/torch_ops_check.py (make torch-ops), and the
// explorer's drawings of the activations (cmd/internal/explore/assets).
//
// # Results
//
// Gorgonia's TapeMachine forgets every value at Reset, so an op that allocated its
// result in Do would allocate, and the runtime zero, a new tensor at every training
// step. An op made here writes each run's result into the same memory instead (a
// scalar result into the same scalar). A node's value is therefore valid until the node
// runs again, as with the values the TapeMachine writes in place (UsePreallocDo) into
// reused registers. Read a value to keep with gorgonia.Read, which copies. Like any
// Gorgonia node, a node is run by one machine at a time.
//
// The rest of a run is kept too: the argument views handed to Forward, and the shape
// rule's answer for the operands' shapes, asked again only when they change. A run
// after the first allocates only a tensor result's header (three small objects), which
// is new at every run because the header a node holds may be handed to the tensor
// package's pool (gorgonia's UnbindAll) and on to another tensor; the kernels' own
// goroutines and scratch aside.
//
// # Errors
//
// Every message starts with "graph: " and the op's name, because the ops made here are
// those of package graph and its subpackages, and says what was expected.
package opkit
