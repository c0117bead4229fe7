#!/usr/bin/env bash
# build-cuda.sh: builds cmd/train and gpu/cmd/gpucheck with -tags cuda into bin/ (make cuda).
#
#   CUDA_HOME   CUDA 13 toolkit: include/ (cuda.h, cublas_v2.h), lib64/ and bin/nvcc
#               (default /usr/local/cuda)
#   CUDNN_HOME  cuDNN 9: include/cudnn.h and lib/ (default: CUDA_HOME)
#   CUDA_INC, CUDNN_INC  override the two include folders alone
#
# Steps: 1. gpu/kernels/kernels.cu -> gpu/cudaop/ptx/kernels.ptx (gpu/cudaop runs the
# kernels), with nvcc when CUDA_HOME has it, else with clang (the file needs no CUDA
# header); the PTX is embedded in the binaries and never committed. 2. cgo compiles
# Gorgonia's CUDA code against the headers, with gpu/cuda13_compat.h force-included (gorgonia.org/cu predates CUDA 13
# and cuDNN 9). 3. The link needs libcuda.so.1, libcublas.so.13 and libcudnn.so.9: the
# real ones when CUDA_HOME/CUDNN_HOME hold them, else stub libraries generated here from
# the symbols the link asks for, with the real sonames (the driver's libraries are
# loaded at run time on the GPU machine). Nothing NVIDIA ships is copied into the repo.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
CUDNN_HOME="${CUDNN_HOME:-$CUDA_HOME}"
CUDA_INC="${CUDA_INC:-$CUDA_HOME/include}"
CUDNN_INC="${CUDNN_INC:-$CUDNN_HOME/include}"
GO="${GO:-go}"
for f in "$CUDA_INC/cuda.h" "$CUDA_INC/cublas_v2.h" "$CUDNN_INC/cudnn.h"; do
	[ -f "$f" ] || { echo "build-cuda: $f not found: set CUDA_HOME/CUDNN_HOME (or CUDA_INC/CUDNN_INC) to CUDA 13 and cuDNN 9" >&2; exit 1; }
done

echo "== 1. kernels -> PTX"
mkdir -p gpu/cudaop/ptx
if [ -x "$CUDA_HOME/bin/nvcc" ]; then
	"$CUDA_HOME/bin/nvcc" -ptx -arch=compute_80 -O3 -o gpu/cudaop/ptx/kernels.ptx gpu/kernels/kernels.cu
	echo "nvcc: gpu/cudaop/ptx/kernels.ptx"
elif command -v clang >/dev/null; then
	clang --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80 -O3 -S -o gpu/cudaop/ptx/kernels.ptx gpu/kernels/kernels.cu
	echo "clang (no nvcc in $CUDA_HOME/bin): gpu/cudaop/ptx/kernels.ptx"
else
	echo "build-cuda: need nvcc ($CUDA_HOME/bin/nvcc) or clang to compile gpu/kernels/kernels.cu" >&2; exit 1
fi
grep -c '\.entry' gpu/cudaop/ptx/kernels.ptx | sed 's/^/kernels: /'

export CGO_CFLAGS="-I$CUDA_INC -I$CUDNN_INC -include $ROOT/gpu/cuda13_compat.h"
# cgo does not hash force-included headers: a private cache keeps edits of the header
# from being masked by objects built with an older one.
export GOCACHE="${CUDA_GOCACHE:-$ROOT/bin/.gocache-cuda}"
mkdir -p bin

echo "== 2. link libraries"
LIBDIR=""
if [ -f "$CUDA_HOME/lib64/stubs/libcuda.so" ] && [ -f "$CUDA_HOME/lib64/libcublas.so" ] && ls "$CUDNN_HOME"/lib*/libcudnn.so* >/dev/null 2>&1; then
	LIBDIR="-L$CUDA_HOME/lib64/stubs -L$CUDA_HOME/lib64 -L$(dirname "$(ls "$CUDNN_HOME"/lib*/libcudnn.so* | head -1)")"
	echo "real libraries from $CUDA_HOME and $CUDNN_HOME"
else
	STUBS="$ROOT/bin/cuda-stubs"
	TMP="$(mktemp -d)"
	trap 'rm -rf "$TMP"' EXIT
	# A link without the libraries fails, but leaves the objects it would link in TMP:
	# their undefined symbols that no object defines are what the libraries must export.
	"$GO" build -tags cuda -ldflags="-tmpdir=$TMP" -o /dev/null ./cmd/train >/dev/null 2>&1 || true
	ls "$TMP"/*.o >/dev/null 2>&1 || { echo "build-cuda: the trial link left no objects; run: go build -tags cuda ./cmd/train" >&2; exit 1; }
	nm -u "$TMP"/*.o | awk '{print $NF}' | grep -v ':' | sort -u > "$TMP/undef"
	nm --defined-only "$TMP"/*.o | awk 'NF==3{print $3}' | sort -u > "$TMP/def"
	comm -23 "$TMP/undef" "$TMP/def" > "$TMP/need"
	mkdir -p "$STUBS"
	for spec in 'cuda:^cu[A-Z]:libcuda.so.1' 'cublas:^cublas:libcublas.so.13' 'cudnn:^cudnn:libcudnn.so.9'; do
		IFS=: read -r name re so <<< "$spec"
		grep -E "$re" "$TMP/need" > "$TMP/$name.txt" || true
		{ echo "/* link-time stub of $so; on a machine without CUDA every call returns 0 (success, no devices) */"; sed 's/.*/int &(void) { return 0; }/' "$TMP/$name.txt"; } > "$TMP/$name.c"
		gcc -shared -fPIC -o "$STUBS/$so" -Wl,-soname,"$so" "$TMP/$name.c"
		ln -sf "$so" "$STUBS/lib$name.so"
		echo "stub $so: $(wc -l < "$TMP/$name.txt") symbols"
	done
	LIBDIR="-L$STUBS"
fi
export CGO_LDFLAGS="$LIBDIR"

echo "== 3. build"
for pkg in ./cmd/train ./gpu/cmd/gpucheck; do
	cmd="$(basename "$pkg")"
	"$GO" build -tags cuda -trimpath -ldflags="-s -w" -o "bin/$cmd-cuda" "$pkg"
	echo "bin/$cmd-cuda"
done
readelf -d bin/train-cuda | grep NEEDED | grep -E 'cuda|cublas|cudnn' || true
