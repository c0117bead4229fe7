#!/usr/bin/env bash
# gpu-kernels.sh: the first, seconds-long check of gpu/kernels/kernels.cu on a machine
# with CUDA (docs/gpu-step.md): that nvcc compiles every kernel, the device-resident step's
# new ones included, to PTX and to the GPU's own code, and what each kernel uses
# (registers, spills, shared memory: ptxas -v). It runs no kernel: their arithmetic is
# tested on the host (make gpu-emulation); their speed is gpu-check.sh's.
# Env: CUDA_HOME (/usr/local/cuda), ARCH (sm_90, the H200's).
set -euo pipefail
cd "$(dirname "$0")/../.."
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
ARCH="${ARCH:-sm_90}"
NVCC="$CUDA_HOME/bin/nvcc"
[ -x "$NVCC" ] || { echo "gpu-kernels: no nvcc at $NVCC: set CUDA_HOME" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

want=$(grep -c '^extern "C" __global__ void' gpu/kernels/kernels.cu)
echo "== PTX (compute_80, as make cuda builds it)"
"$NVCC" -ptx -arch=compute_80 -O3 -o "$WORK/kernels.ptx" gpu/kernels/kernels.cu
got=$(grep -c '\.entry' "$WORK/kernels.ptx")
echo "kernels: $got of $want"
[ "$got" = "$want" ] || { echo "gpu-kernels: the PTX has $got kernels, kernels.cu defines $want" >&2; exit 1; }

echo "== $ARCH code, resources per kernel (ptxas -v)"
"$NVCC" -cubin -arch="$ARCH" -O3 -Xptxas -v -o "$WORK/kernels.cubin" gpu/kernels/kernels.cu 2>&1 |
	grep -E 'Compiling entry|Used|spill' | sed 's/ptxas info *: //'
echo "gpu-kernels: ok"
