# Targets: test (vet + tests), lint, vet-cuda (go vet -tags cuda without CUDA), data
# (make Fashion-MNIST available), train (the full default LeNet run), interop (weights
# both ways with PyTorch), bench (training throughput and the hot ops' benchmarks),
# bench-compare (the same training work against PyTorch), bench-ab (against another
# revision), cuda (bin/train-cuda and bin/gpucheck-cuda, built with -tags cuda),
# explore-png (docs/explore.png). See README.md.
GO ?= go
OUT ?= out
EPOCHS ?= 10

.PHONY: test lint vet-cuda data train interop torch-ops bench bench-compare bench-ab cuda explore-png

test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# go vet -tags cuda ./... without NVIDIA's toolkit: stand-in headers generated from what
# gorgonia.org/cu uses (internal/cudastub) and a placeholder PTX. CI runs it.
vet-cuda:
	GO=$(GO) ./scripts/vet-cuda.sh

data:
	./scripts/data.sh

train: data
	$(GO) run ./cmd/train -out $(OUT)

# Weights both ways with PyTorch as safetensors (scripts/interop.sh): a checkpoint of
# cmd/train (EPOCHS, default 10) evaluated in PyTorch, PyTorch's 1-epoch weights
# evaluated by cmd/evaluate; each must match the other side's test accuracy within
# 0.002. Needs python3-torch and python3-numpy (installs nothing). Not part of CI.
interop:
	EPOCHS=$(EPOCHS) OUT=$(OUT) ./scripts/interop.sh

# Every op against PyTorch: internal/torchcheck runs each op of graph and graph/nn, and
# the whole LeNet, on seeded inputs and writes OUT/torch_ops.safetensors;
# scripts/torch_ops_check.py recomputes every value and gradient with
# torch.nn.functional and prints one line per case (relative tolerance 1e-10 in float64,
# 1e-5 in float32; exit 1 on any FAIL). Needs python3-torch and python3-numpy (installs
# nothing). Not part of CI (make test checks the Go half's file).
torch-ops:
	@/usr/bin/python3 -c 'import numpy, torch' 2>/dev/null || { \
		echo "torch-ops: PyTorch and numpy are missing for /usr/bin/python3: sudo apt-get install python3-torch python3-numpy" >&2; exit 1; }
	mkdir -p $(OUT)
	$(GO) test ./internal/torchcheck -run '^TestDump$$' -count=1 -v -args -out $(abspath $(OUT))/torch_ops.safetensors
	/usr/bin/python3 scripts/torch_ops_check.py $(OUT)/torch_ops.safetensors

# Training throughput of one whole epoch through lenet.Train (examples/sec by the wall
# clock, batch 256, classic LeNet) and peak RSS, then the Go benchmarks: a training step
# and a step of the training loop with their allocations (allocs/op), and the hot ops.
# Not part of CI.
bench: data
	mkdir -p bin
	$(GO) build -o bin/lenetbench ./cmd/lenetbench
	bin/lenetbench -epochs 1
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 200ms ./lenet/ ./dataset/ ./graph/... ./internal/gemm/ ./layers/ ./internal/explore/

# The same training in PyTorch (installs Debian's python3-torch), a whole epoch each side
# per round, interleaved for ROUNDS rounds (default 5) on THREADS cores (default all), of
# MODEL (classic, the default, or modern); prints every round, min / median / max, the
# ratio of medians and peak RSS. See scripts/bench-compare.sh. Not part of CI.
bench-compare: data
	./scripts/bench-compare.sh

# This checkout's training throughput against another revision's (BASE, default main):
# the two lenetbench binaries take turns, one epoch each per round, ROUNDS rounds
# (default 5) of each of MODELS (default "classic modern"); prints every round, min /
# median / max of examples/sec and of the CPU seconds, and the ratios of the medians.
# See scripts/bench-ab.sh. Not part of CI.
bench-ab: data
	./scripts/bench-ab.sh

# cmd/train and cmd/gpucheck built with -tags cuda into bin/: the project's CUDA kernels
# compiled to PTX (nvcc, else clang) and embedded, Gorgonia's CUDA code compiled against
# CUDA 13 and cuDNN 9 headers through cuda/cuda13_compat.h. CUDA_HOME (default
# /usr/local/cuda) and CUDNN_HOME (default CUDA_HOME) say where they are; run the result
# on the GPU machine with scripts/gpu-check.sh. Not part of CI.
cuda:
	GO=$(GO) ./scripts/build-cuda.sh

# docs/explore.png: the explorer's browser test (headless Chromium) with the quick model
# cmd/explore trains when it has no checkpoint, writing its screenshot. Not part of CI.
explore-png: data
	$(GO) test ./cmd/explore -run '^TestBrowser$$' -count=1 -v -args -update
