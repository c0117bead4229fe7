#!/usr/bin/env bash
# make interop: LeNet weights both ways between this project and PyTorch, as safetensors.
#
# 1. cmd/train trains EPOCHS epochs (default 10) and saves OUT/interop/lenet.safetensors;
#    scripts/torch_check.py loads it into PyTorch's nn.Sequential with load_state_dict and
#    must compute the test accuracy cmd/train recorded, within 0.002.
# 2. scripts/torch_check.py trains the d2l LeNet one epoch in PyTorch and writes
#    OUT/interop/torch.safetensors; cmd/evaluate must compute PyTorch's test accuracy,
#    within 0.002.
#
# Needs PyTorch and numpy for /usr/bin/python3 (Debian: python3-torch python3-numpy) and
# installs nothing itself; the data comes from scripts/data.sh, as for make train.
set -euo pipefail
cd "$(dirname "$0")/.."

py=/usr/bin/python3 # Debian's python3-torch installs for the system interpreter
epochs=${EPOCHS:-10}
out=${OUT:-out}/interop
tolerance=0.002

if ! "$py" -c 'import numpy, torch' 2>/dev/null; then
	echo "interop: PyTorch and numpy are missing for $py: sudo apt-get install python3-torch python3-numpy" >&2
	exit 1
fi
data=$(./scripts/data.sh | tail -n 1)
data=${data##* }
mkdir -p "$out" bin
go build -o bin/train ./cmd/train
go build -o bin/evaluate ./cmd/evaluate

echo "== 1. this project -> PyTorch: cmd/train $epochs epochs, then PyTorch evaluates the file"
bin/train -data "$data" -epochs "$epochs" -out "$out" -save "$out/lenet.safetensors" | tail -n 2
"$py" scripts/torch_check.py eval "$out/lenet.safetensors" --data "$data" --tolerance "$tolerance"

echo "== 2. PyTorch -> this project: PyTorch trains 1 epoch, then cmd/evaluate evaluates the file"
"$py" scripts/torch_check.py train "$out/torch.safetensors" --data "$data" | tee "$out/torch_train.log"
bin/evaluate -model "$out/torch.safetensors" -data "$data" | tee "$out/evaluate.log"
torch_acc=$(awk '/^test acc/ {print $3}' "$out/torch_train.log")
go_acc=$(awk '/^test acc/ {print $3}' "$out/evaluate.log")
awk -v a="$go_acc" -v b="$torch_acc" -v tol="$tolerance" 'BEGIN {
	d = a - b; if (d < 0) d = -d
	printf "PyTorch computed test acc %s; cmd/evaluate computes %s: difference %.4f, tolerance %s (%s)\n", b, a, d, tol, (d <= tol ? "ok" : "MISMATCH")
	exit (d <= tol ? 0 : 1)
}'
echo "interop: both directions agree within $tolerance"
