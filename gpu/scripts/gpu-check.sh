#!/usr/bin/env bash
# gpu-check.sh: on a machine with an NVIDIA GPU, checks the binaries `make cuda` built:
#   1. compiles gpu/kernels/kernels.cu with nvcc (the PTX the check then uses),
#   2. checks that the binaries find libcuda, libcublas and libcudnn,
#   3. bin/gpucheck-cuda: a few training steps on the GPU against the CPU (loss, logits,
#      every gradient, the updated weights, evaluation logits; within 1e-4),
#   4. trains LeNet on the GPU for EPOCHS epochs (default 2) and prints examples/sec,
#   5. with CPU_EPOCHS > 0, trains as long on the CPU with the same binary, for the
#      same-machine comparison,
#   6. with TORCH=1 (the default) and a python3 whose PyTorch sees the GPU, trains the
#      same LeNet for EPOCHS epochs in PyTorch on the same GPU (scripts/bench_torch.py
#      --device cuda: the data on the device, training steps timed, as the project's
#      examples/sec counts them) and prints both examples/sec, both test accuracies and
#      the ratio project / PyTorch.
# Needs no Go. Env: BIN (bin), DATA (Fashion-MNIST folder; default: the usual search),
# CUDA_HOME (/usr/local/cuda), CUDNN_LIB (cuDNN's lib folder; default: searched),
# EPOCHS (2), CPU_EPOCHS (0), MODEL (classic), OUT (where curves and logs go), TORCH (1),
# PYTHON (python3).
# Binaries may come compressed as NAME.xz.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-bin}"
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
EPOCHS="${EPOCHS:-2}"
CPU_EPOCHS="${CPU_EPOCHS:-0}"
MODEL="${MODEL:-classic}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT" || exit 2
DATA_FLAG=()
[ -n "${DATA:-}" ] && DATA_FLAG=(-data "$DATA")
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

for b in train-cuda gpucheck-cuda; do
	if [ -x "$BIN/$b" ]; then
		cp "$BIN/$b" "$WORK/$b"
	elif [ -f "$BIN/$b.xz" ]; then
		xz -dc "$BIN/$b.xz" > "$WORK/$b" && chmod +x "$WORK/$b"
	else
		echo "gpu-check: $BIN/$b (or $BIN/$b.xz) not found: build it with 'make cuda' where Go is and bring bin/ along, or set BIN"
		exit 2
	fi
done

echo "== GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || { echo "no NVIDIA GPU here"; exit 2; }
echo "CPU cores: $(nproc)"

echo "== 1. nvcc -> PTX"
if "$CUDA_HOME/bin/nvcc" -ptx -arch=compute_80 -O3 -o "$WORK/kernels.ptx" gpu/kernels/kernels.cu; then
	export CONVNETS_PTX="$WORK/kernels.ptx"
	echo "nvcc $("$CUDA_HOME/bin/nvcc" --version | grep -o 'release [0-9.]*'): $(grep -c '\.entry' "$WORK/kernels.ptx") kernels"
else
	echo "nvcc failed: using the PTX built into the binaries"
fi

echo "== 2. libraries"
if [ -z "${CUDNN_LIB:-}" ]; then
	CUDNN_LIB="$(dirname "$(find /opt /usr -name 'libcudnn.so.9' 2>/dev/null | head -1)" 2>/dev/null)"
fi
export LD_LIBRARY_PATH="$CUDA_HOME/lib64:${CUDNN_LIB}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
ldd "$WORK/train-cuda" | grep -E 'libcuda|libcublas|libcudnn'
if ldd "$WORK/train-cuda" | grep -q 'not found'; then echo "missing libraries (set CUDA_HOME / CUDNN_LIB)"; exit 2; fi

echo "== 3. GPU vs CPU, training steps"
timeout -k 5 180 "$WORK/gpucheck-cuda" "${DATA_FLAG[@]}" -model "$MODEL" || { echo "gpu-check: FAIL (step comparison)"; exit 1; }

echo "== 4. train on cuda:0, $EPOCHS epochs"
timeout -k 5 400 "$WORK/train-cuda" "${DATA_FLAG[@]}" -model "$MODEL" -device cuda -epochs "$EPOCHS" -out "$OUT/gpu" > "$OUT/gpu.log" 2>&1
rc=$?
grep -E '^(LeNet|epoch|loss|[0-9.]+ examples/sec)' "$OUT/gpu.log"
[ $rc -eq 0 ] || { echo "gpu-check: FAIL (training on the GPU exited $rc)"; tail -5 "$OUT/gpu.log"; exit 1; }

if [ "$CPU_EPOCHS" -gt 0 ]; then
	echo "== 5. train on cpu ($(nproc) cores), $CPU_EPOCHS epochs, same binary"
	timeout -k 5 300 "$WORK/train-cuda" "${DATA_FLAG[@]}" -model "$MODEL" -device cpu -epochs "$CPU_EPOCHS" -out "$OUT/cpu" > "$OUT/cpu.log" 2>&1
	grep 'epoch\|examples/sec\|^loss' "$OUT/cpu.log"
fi
if [ "${TORCH:-1}" = 1 ]; then
	PYTHON="${PYTHON:-python3}"
	echo "== 6. the same LeNet in PyTorch on cuda:0, $EPOCHS epochs"
	if [ "$MODEL" != classic ]; then
		echo "skipped: scripts/bench_torch.py trains the classic LeNet only"
	elif ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
		echo "skipped: $PYTHON has no PyTorch that sees a GPU"
	else
		TORCH_DATA=()
		[ -n "${DATA:-}" ] && TORCH_DATA=(--data "$DATA")
		timeout -k 5 400 "$PYTHON" scripts/bench_torch.py "${TORCH_DATA[@]}" --device cuda --epochs "$EPOCHS" > "$OUT/torch.log" 2>&1
		rc=$?
		cat "$OUT/torch.log"
		[ $rc -eq 0 ] || { echo "gpu-check: FAIL (PyTorch on the GPU exited $rc)"; exit 1; }
		ours=$(awk '/examples\/sec on cuda/ {print $1}' "$OUT/gpu.log")
		our_acc=$(awk '/^loss .*test acc/ {print $NF}' "$OUT/gpu.log")
		theirs=$(awk '{for (i = 1; i < NF; i++) if ($i == "examples/sec") print $(i+1)}' "$OUT/torch.log")
		their_acc=$(awk '{for (i = 1; i < NF; i++) if ($i == "test_acc") print $(i+1)}' "$OUT/torch.log")
		printf '%-10s %14s %9s\n' side "examples/sec" "test acc"
		printf '%-10s %14s %9s\n' project "$ours" "$our_acc" PyTorch "$theirs" "$their_acc"
		awk -v a="$ours" -v b="$theirs" 'BEGIN { if (a > 0 && b > 0) printf "project / PyTorch on the same GPU: %.2fx\n", a / b }'
	fi
fi
echo "gpu-check: PASS"
