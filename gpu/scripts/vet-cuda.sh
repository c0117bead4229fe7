#!/usr/bin/env bash
# vet-cuda.sh (make vet-cuda): go vet -tags cuda ./... on a machine without NVIDIA's
# toolkit, as CI runs it, so that the cuda-tagged code is compiled and vetted there too.
#
# 1. gpu/cmd/cudastub writes stand-in cuda.h, cublas_v2.h and cudnn.h into
#    bin/cudastub/include, declaring what gorgonia.org/cu's cgo code uses, inferred from
#    its Go source (nothing of NVIDIA's is copied or committed).
# 2. cgo compiles gorgonia.org/cu against them with gpu/cuda13_compat.h force-included,
#    as gpu/scripts/build-cuda.sh does against the real headers.
# 3. The //go:embed of gpu/cudaop/ptx/kernels.ptx gets `make cuda`'s PTX when it
#    exists, else an empty placeholder through -overlay: that folder is never written here.
# Nothing is linked: the stand-ins cannot make a binary that runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
GO="${GO:-go}"
STUB="$ROOT/bin/cudastub"
mkdir -p "$STUB/include"
"$GO" run ./gpu/cmd/cudastub -out "$STUB/include" -compat gpu/cuda13_compat.h

overlay=()
if [ ! -f gpu/cudaop/ptx/kernels.ptx ]; then
	printf '// placeholder for go vet: no kernels (make cuda builds the real ones)\n' > "$STUB/kernels.ptx"
	printf '{"Replace":{"%s":"%s"}}\n' "$ROOT/gpu/cudaop/ptx/kernels.ptx" "$STUB/kernels.ptx" > "$STUB/overlay.json"
	overlay=(-overlay "$STUB/overlay.json")
fi

# cgo does not hash the headers it finds through -I or -include: a cache per version of
# them keeps a stale build from hiding a change.
key="$(cat "$STUB"/include/*.h gpu/cuda13_compat.h | sha256sum | cut -c1-16)"
export GOCACHE="${CUDA_VET_GOCACHE:-$ROOT/bin/.gocache-vet-cuda/$key}"
# -Wno-discarded-qualifiers: the stand-ins cannot tell const pointers from the Go side.
export CGO_CFLAGS="-I$STUB/include -include $ROOT/gpu/cuda13_compat.h -Wno-discarded-qualifiers"
"$GO" vet -tags cuda ${overlay[@]+"${overlay[@]}"} ./...
echo "go vet -tags cuda ./...: ok"
