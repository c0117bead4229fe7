#!/usr/bin/env bash
# make interop: LeNet weights both ways between this project and PyTorch, as safetensors.
#
# 1. cmd/train trains EPOCHS epochs (default 10) and saves OUT/interop/lenet.safetensors;
#    scripts/torch_check.py loads it into PyTorch's nn.Sequential with load_state_dict and
#    must compute the test accuracy cmd/train recorded, within 0.002.
# 2. scripts/torch_check.py trains the d2l LeNet one epoch in PyTorch and writes
#    OUT/interop/torch.safetensors; cmd/evaluate must compute PyTorch's test accuracy,
#    within 0.002.
# 3. For each of SPECS (five networks beyond the presets: strides, tanh, three
#    convolutions, no hidden dense layer, max pooling with padding), both directions
#    again on the first LIMIT training images (default 5000), 1 epoch: cmd/train saves
#    the spec's checkpoint, 'describe -pytorch' writes its PyTorch code, whose load()
#    must reach cmd/train's test accuracy; PyTorch trains the same code and cmd/evaluate
#    must reach PyTorch's accuracy. Each within 0.002.
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
go build -o bin/describe ./cmd/describe

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
# check NAME A B: A and B (test accuracies) agree within the tolerance.
check() {
	awk -v name="$1" -v a="$2" -v b="$3" -v tol="$tolerance" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		printf "%s: %s against %s, difference %.4f, tolerance %s (%s)\n", name, a, b, d, tol, (d <= tol ? "ok" : "MISMATCH")
		exit (d <= tol ? 0 : 1)
	}'
}

limit=${LIMIT:-5000}
specs=${SPECS:-"conv8k3p1s2-relu-conv16k3p1s2-relu-dense64-relu-lr0.1
conv6k5p2-tanh-avg2-conv16k5-tanh-avg2-dense120-tanh-dense84-tanh-lr0.1
conv8k3p1-relu-max2-conv16k3p1-relu-max2-conv32k3p1-relu-max2-dense64-relu-lr0.1
conv8k5p2-relu-max2-conv16k5-relu-max2-lr0.1
conv8k3p1-relu-max3s2p1-conv16k3p1-relu-max3s2p1-dense64-relu-lr0.1"}
n=0
for spec in $specs; do
	n=$((n + 1))
	dir="$out/spec$n"
	mkdir -p "$dir"
	lr=$(bin/describe -model "$spec" -json >/dev/null && echo "$spec" | sed -n 's/.*-lr\([0-9.e-]*\).*/\1/p')
	echo "== 3.$n. $spec: 1 epoch on $limit images, both ways"
	bin/describe -model "$spec" -pytorch >"$dir/net.py"
	bin/train -data "$data" -model "$spec" -epochs 1 -limit "$limit" -out "$dir" -save "$dir/go.safetensors" | tail -n 1
	"$py" scripts/torch_check.py eval "$dir/go.safetensors" --net "$dir/net.py" --data "$data" --tolerance "$tolerance" | tee "$dir/torch_eval.log"
	check "spec $n, cmd/train's checkpoint in PyTorch" "$(awk '/^test acc/ {print $3}' "$dir/torch_eval.log")" \
		"$(awk '/recorded test acc/ {print $5}' "$dir/torch_eval.log" | tr -d ';')"
	"$py" scripts/torch_check.py train "$dir/torch.safetensors" --net "$dir/net.py" --data "$data" --limit "$limit" --lr "${lr:-0.1}" | tee "$dir/torch_train.log"
	bin/evaluate -model "$dir/torch.safetensors" -data "$data" | tee "$dir/evaluate.log" | tail -n 1
	check "spec $n, PyTorch's weights in cmd/evaluate" "$(awk '/^test acc/ {print $3}' "$dir/evaluate.log")" \
		"$(awk '/^test acc/ {print $3}' "$dir/torch_train.log")"
done
echo "interop: both directions agree within $tolerance, for the classic LeNet and $n more networks"
