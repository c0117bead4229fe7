#!/usr/bin/env bash
# make bench-cores: how training throughput scales from one core to two. One
# cmd/lenetbench binary runs one epoch on core 0 with GOMAXPROCS=1, then one on cores 0
# and 1 with GOMAXPROCS=2, ROUNDS times in turn, so that both meet the same machine
# load. It prints every run, then per core count the min / median / max of
# examples/sec (wall clock) and of cpu_seconds, and the ratio of the two-core median
# examples/sec to the one-core one (the scaling).
#
# Environment: MODEL, the network (default classic); ROUNDS (default 5); LIMIT,
# training images per epoch (default all); DATA, the Fashion-MNIST folder (default:
# found by scripts/data.sh). Needs taskset and at least two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

model=${MODEL:-classic}
rounds=${ROUNDS:-5}
limit=${LIMIT:-0}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
	echo "bench-cores: ROUNDS must be a positive integer, got '$rounds'" >&2
	exit 2
fi
if ! [[ $limit =~ ^[0-9]+$ ]]; then
	echo "bench-cores: LIMIT must be 0 (all) or a positive integer, got '$limit'" >&2
	exit 2
fi
if ! command -v taskset >/dev/null; then
	echo "bench-cores: taskset is needed to pin the runs to cores 0 and 1" >&2
	exit 2
fi
if [ "$(nproc)" -lt 2 ]; then
	echo "bench-cores: needs at least two cores, this machine has $(nproc)" >&2
	exit 2
fi

. scripts/lib.sh
data=$(data_dir)

mkdir -p bin
go build -o bin/lenetbench ./cmd/lenetbench

field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) {print $(i + 1); exit}}' <<<"$2"; }
stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print a[1], m, a[NR]}'; }

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "bench-cores: $rounds rounds of 1 epoch of $model, 1 core (taskset -c 0, GOMAXPROCS=1) against 2 (taskset -c 0,1, GOMAXPROCS=2); $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ', modified')"
echo "machine: ${cpu:-unknown CPU}, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-6s %10s %8s %8s\n' round cores "ex/s" cpu_s loss
declare -A eps cpus
for r in $(seq 1 "$rounds"); do
	for n in 1 2; do
		out=$(GOMAXPROCS=$n taskset -c "$(seq -s, 0 $((n - 1)))" bin/lenetbench -data "$data" -limit "$limit" -model "$model")
		e=$(field examples/sec "$out") c=$(field cpu_seconds "$out")
		eps[$n]+="$e " cpus[$n]+="$c "
		printf '%-6s %-6s %10.0f %8s %8s\n' "$r" "$n" "$e" "$c" "$(field loss "$out")"
	done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %28s %28s\n' cores "ex/s min / median / max" "cpu_s min / median / max"
declare -A med
for n in 1 2; do
	read -r a b c <<<"$(stats ${eps[$n]})"
	read -r x y z <<<"$(stats ${cpus[$n]})"
	med[$n]=$b
	printf '%-6s %28s %28s\n' "$n" "$(printf '%.0f / %.0f / %.0f' "$a" "$b" "$c")" "$(printf '%.2f / %.2f / %.2f' "$x" "$y" "$z")"
done
echo "$model: examples/sec, 2-core / 1-core medians: $(awk -v a="${med[2]}" -v b="${med[1]}" 'BEGIN {printf "%.2fx", a / b}')"
