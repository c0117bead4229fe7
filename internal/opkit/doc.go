// Package opkit turns a small description of a differentiable operation, an OpSpec, into a
// Gorgonia op, so that each op of package graph and its subpackages is one file: its
// formula, its shape rule, its forward pass and its gradient.
//
// # Writing an op
//
// An OpSpec names the op and its inputs, and gives
//
//	Shape    the result's shape from the inputs' shapes, or an error naming what is wrong
//	Forward  the computation, once for float32 and once for float64 (Floats), writing
//	         every element of the result
//	Grad     the vector-Jacobian product: given the input nodes, the output node and
//	         dL/dy, the nodes of dL/dx for every input (nil where there is none)
//	GPU      optionally, the CUDA kernel of gpu/kernels/kernels.cu that computes Forward
//
// Apply checks the input nodes against the OpSpec and adds the op to their graph. Everything
// else a Gorgonia op needs is done here, once, for every op:
//
//   - the argument checks: node count, nil nodes, one graph, ranks, empty dimensions,
//     float dtypes (one spelling: "want float32 or float64"), one dtype for all inputs;
//     the same checks, and the shape rule, guard the values at run time;
//   - Gorgonia's Op interfaces: Type, InferShape, Do and UsePreallocDo, hashing (the
//     name and parameters, so that ops with other parameters never merge), SymDiff for
//     the TapeMachine and DoDiff for the LispMachine, both from Grad;
//   - the result's memory: kept from one run to the next, or the machine's
//     preallocated value (see "Results" below);
//   - device placement: in a binary built with the cuda tag, an op whose OpSpec has a GPU
//     kernel, built in a graph placed on a GPU (pergraph.SetPlace), runs that kernel on the
//     device memory Gorgonia's TapeMachine hands it. The Launch that describes the
//     kernel is plain data, valid in every build; what runs it is the GPU wing
//     (gpu/cudaop), which fills in the GPU hook (SetGPU) in that build only.
//
// Three concerns of the ops live in packages of their own: the loops an op shares out
// over goroutines (internal/parallel, given Args.Workers), the settings recorded per
// graph (internal/pergraph: the device and the workers, which Apply reads), and the
// geometry of sliding windows (graph/geom).
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
