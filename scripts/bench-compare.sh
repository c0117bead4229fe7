#!/usr/bin/env bash
# make bench-compare: LeNet training throughput of this project against PyTorch on the
# same CPU, same data, same network and step count, interleaved round by round so that
# both see the same machine load. Prints each round and the median ratio go/torch.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
steps=${STEPS:-40}
py=/usr/bin/python3 # Debian's python3-torch installs for the system interpreter

if ! "$py" -c 'import torch' 2>/dev/null; then
	echo "installing Debian's python3-torch (PyTorch, the reference)..." >&2
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
	elif sudo -n true 2>/dev/null; then
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
	else
		echo "bench-compare: PyTorch is missing; run 'sudo apt-get install python3-torch' first" >&2
		exit 1
	fi
fi

data=$(./scripts/data.sh | tail -n 1)
data=${data##* }
mkdir -p bin
go build -o bin/lenetbench ./cmd/lenetbench

printf '%-6s %14s %14s %8s %12s %12s\n' round "go ex/s" "torch ex/s" ratio "go RSS MiB" "torch RSS"
ratios=()
for r in $(seq 1 "$rounds"); do
	g=$(bin/lenetbench -data "$data" -steps "$steps")
	t=$(OMP_NUM_THREADS=2 "$py" scripts/bench_torch.py --data "$data" --steps "$steps" --threads 2)
	gx=$(awk '{print $2}' <<<"$g"); gm=$(awk '{print $6}' <<<"$g")
	tx=$(awk '{print $2}' <<<"$t"); tm=$(awk '{print $6}' <<<"$t")
	ratio=$(awk -v a="$gx" -v b="$tx" 'BEGIN{printf "%.2f", a/b}')
	ratios+=("$ratio")
	printf '%-6s %14s %14s %8s %12s %12s\n' "$r" "$gx" "$tx" "$ratio" "$gm" "$tm"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
echo "median ratio go/torch over $rounds rounds: $median"
