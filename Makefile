# Targets: test (vet + tests), race (the concurrent packages under -race), lint, vet-cuda (go vet -tags cuda without CUDA),
# gpu-emulation (the GPU kernels run on the host, compiled by g++), data (make
# Fashion-MNIST available), train (the full default LeNet run), interop (weights both
# ways with PyTorch), bench (training throughput and the hot ops' benchmarks),
# bench-compare (the same training work against PyTorch), bench-ab (this checkout against
# another revision), cuda (bin/train-cuda and
# bin/gpucheck-cuda, built with -tags cuda), explore-png (the explorer's screenshots),
# hostile (the hostile inputs' memory cases under an address-space limit), docs-check
# (the commands the docs show, against what they print), site (the explorer as a static
# folder, out/site, and its budgets measured). See README.md,
# docs/development.md and, for everything GPU, gpu/README.md.
GO ?= go
OUT ?= out
EPOCHS ?= 10

.PHONY: test race lint vet-cuda gpu-emulation data train interop torch-ops torch-shapes bench bench-compare bench-ab bench-cores cuda explore-png hostile docs-check site

test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# The packages whose ops and training share work out over goroutines, under the race
# detector (about 80 s on two cores; gemm's own tests are left out: 70 s more). CI runs it.
race:
	$(GO) test -race -count=1 ./graph/... ./lenet/ ./internal/parallel/ ./internal/pergraph/

# The WebAssembly build is vetted through its main package, which compiles what it
# imports for js/wasm (their tests are for the host: they use its syscalls and servers).
lint:
	GOOS=js GOARCH=wasm $(GO) vet ./cmd/explore/wasm
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# go vet -tags cuda ./... without NVIDIA's toolkit: stand-in headers generated from what
# gorgonia.org/cu uses (gpu/cmd/cudastub) and a placeholder PTX. CI runs it.
vet-cuda:
	GO=$(GO) ./gpu/scripts/vet-cuda.sh

# The GPU kernels (gpu/kernels/kernels.cu) compiled by g++ as host C++ and run against
# the CPU ops, without a GPU (gpu/kernelhost). Its tests carry the gpuemu build tag, so
# that make test compiles no C++. Needs g++ (sudo apt-get install g++). CI runs it.
gpu-emulation:
	$(GO) vet -tags gpuemu ./gpu/kernelhost/
	$(GO) test -tags gpuemu -count=1 ./gpu/kernelhost/

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
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 200ms ./lenet/ ./dataset/ ./graph/... ./internal/gemm/ ./layers/ ./cmd/internal/explore/

# The same training in PyTorch (installs Debian's python3-torch), a whole epoch each side
# per round, interleaved for ROUNDS rounds (default 5) on THREADS cores (default all), for
# each network of SPECS (default six: classic, modern, 3x3 kernels, wide and strided
# convolutions, tanh with padded max pooling; PyTorch runs the code describe -pytorch
# writes for each) or MODEL alone; prints every round, min / median / max, the ratio of
# medians, peak RSS and a summary table, also as OUT/bench-compare.tsv and, drawn by
# cmd/benchplot, OUT/bench-compare.png. See scripts/bench-compare.sh. Not part of CI.
bench-compare: data
	OUT=$(OUT) ./scripts/bench-compare.sh

# This checkout's training throughput against another revision's (BASE, default main):
# the two lenetbench binaries take turns, one epoch each per round, ROUNDS rounds
# (default 5) of each of MODELS (default "classic modern"); prints every round, min /
# median / max of examples/sec and of the CPU seconds, and the ratios of the medians.
# See scripts/bench-ab.sh. Not part of CI.
bench-ab: data
	./scripts/bench-ab.sh

# How training throughput scales from one core to two: one lenetbench binary, one epoch
# on core 0 (GOMAXPROCS=1) and one on cores 0 and 1 (GOMAXPROCS=2) in turn, ROUNDS
# rounds (default 5) of MODEL (default classic); prints every run, min / median / max
# per core count and the ratio of the medians. See scripts/bench-cores.sh. Not part of CI.
bench-cores: data
	./scripts/bench-cores.sh

# cmd/train and gpu/cmd/gpucheck built with -tags cuda into bin/: the project's CUDA
# kernels compiled to PTX (nvcc, else clang) and embedded, Gorgonia's CUDA code compiled
# against CUDA 13 and cuDNN 9 headers through gpu/cuda13_compat.h. CUDA_HOME (default
# /usr/local/cuda) and CUDNN_HOME (default CUDA_HOME) say where they are; run the result
# on the GPU machine with gpu/scripts/gpu-check.sh. Not part of CI.
cuda:
	GO=$(GO) ./gpu/scripts/build-cuda.sh

# docs/explore.png, docs/design.png and docs/design-phone.png: the explorer's browser
# tests (headless Chromium), the first with the quick model cmd/explore trains when it
# has no checkpoint, the others with the network they design and train, writing their
# screenshots. Not part of CI.
explore-png: data
	$(GO) test ./cmd/explore -run '^TestBrowser(Design)?$$' -count=1 -v -args -update

# lenet/testdata/torch_shapes.json: the output shape and parameters of every module of
# a set of networks, as PyTorch computes them from cmd/describe -pytorch's code, for
# lenet's TestDescribeMatchesPyTorch (CI has no PyTorch, so the table is committed).
# Needs python3-torch. Not part of CI.
TORCH_SHAPES_SPECS ?= classic modern conv8k3p1s1-relu-max2-conv16k3-relu-max2-dense64-relu \
	conv4k3x5p0x1s3x4-tanh-flatten-dense20-sigmoid conv6k5s2-tanh-max3s2p1-conv12k3p1-relu-avg2 \
	conv8k3-relu-conv8k3-relu-conv16k3s2-relu-avg2s1-dense32-tanh conv8k7p3-sigmoid-max3x2s2x1p1x0 \
	conv16k1-relu-avg3p1s1-max2 conv6k5p2-relu-max2-conv16k5-relu-max2-conv32k3p1-relu-flatten-dense120-relu-dense84-relu \
	conv2k28 conv3k3s3-relu-max3s3
torch-shapes:
	mkdir -p $(OUT)/torch-shapes
	$(GO) build -o bin/describe ./cmd/describe
	i=0; for s in $(TORCH_SHAPES_SPECS); do i=$$((i+1)); bin/describe -model $$s -pytorch > $(OUT)/torch-shapes/net$$i.py || exit 1; done
	/usr/bin/python3 scripts/torch_shapes.py lenet/testdata/torch_shapes.json $(OUT)/torch-shapes/*.py
# The hostile inputs' memory cases, as processes under a 3 GB address-space limit
# (prlimit --as; a normal training run fits in it): checkpoints announcing gigabytes
# (a 3 GB sparse file of a tensor LeNet lacks, 3 GB announced over 1000 bytes, a 100 MB
# header) and special files (a FIFO, /dev/zero, a folder) given to train, evaluate,
# explain and explore; two 1 MB .gz IDX files whose headers claim 1 GB each under the
# published names; lenetbench -batch 100000000; and one normal training epoch. Each
# refusal must be one line and exit 1 within 1 GB of peak RSS and 5 s; the table of
# peak RSS and times is printed. Needs the data and prlimit (util-linux); builds the
# commands and writes about 2 MB (plus a 3 GB sparse file) to a temporary folder. The
# other hostile cases run in `make test` (each command's hostile_test.go). Not part of
# CI.
hostile: data
	HOSTILE=1 $(GO) test -count=1 -v -run '^TestUnderMemoryLimit$$' -timeout 20m ./internal/hostiletest
# Every command README.md and docs/ show, run once, what it prints compared with the
# lines the docs show (one PASS, FAIL or SKIP line each; scripts/docs-check.sh). The two
# 10-epoch trainings take minutes on two cores; QUICK=1 leaves them out. Not part of CI.
docs-check: data
	GO=$(GO) ./scripts/docs-check.sh

# The explorer as one static folder, out/site (go run ./cmd/explore -export, with the
# default model as cmd/explore chooses it), its files' sizes against the budgets, then
# in headless Chromium from a plain file server: the first render, a forward with every
# layer and training the classic LeNet for one epoch in the browser. See docs/site.md.
# Not part of CI.
site: data
	$(GO) run ./cmd/explore -export $(OUT)/site
	$(GO) test ./cmd/explore -run '^TestSiteBudgets$$' -count=1 -v -args -site $(abspath $(OUT))/site
