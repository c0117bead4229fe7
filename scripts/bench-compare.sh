#!/usr/bin/env bash
# make bench-compare: LeNet training throughput of this project against PyTorch on the
# same CPU cores. Each round trains one whole epoch on each side (60,000 Fashion-MNIST
# images, batch 256, each network of SPECS, SGD, Xavier init; cmd/lenetbench through
# lenet.Train against scripts/bench_torch.py, the textbook's train_ch6), the two sides
# taking turns so that both see the same machine load. It prints every round, then min /
# median / max per side, the ratio of the medians, the project's slowest round against
# PyTorch's fastest, and each side's peak RSS; at the end a summary table, also written
# as OUT/bench-compare.tsv (OUT defaults to out) and drawn by cmd/benchplot as
# OUT/bench-compare.png: bars of the medians, whiskers from min to max.
#
# Environment: ROUNDS (default 5); SPECS, the networks, one "NAME=SPEC" a line (default:
# classic, modern, 3x3 kernels, wide convolutions, strided convolutions, tanh with
# padded max pooling; each spec's PyTorch side is the code 'describe -pytorch' writes
# for it, trained with the spec's lr); MODEL, one preset (classic or modern) instead of
# SPECS; GEMM, the project's matrix-product kernel (lenetbench -gemm: auto, the
# default, or avx512-fma, avx2-fma, generic); THREADS, the cores each side may use (default: all,
# nproc): GOMAXPROCS for Go, torch.set_num_threads and OMP_NUM_THREADS/MKL_NUM_THREADS
# for PyTorch, and both pinned with taskset to cores 0..THREADS-1 when taskset exists and
# THREADS <= nproc; EPOCHS per round (default 1); LIMIT, training images per epoch
# (default all); DATA, the Fashion-MNIST folder (default: found by scripts/data.sh);
# PYTHON, the interpreter with PyTorch (default /usr/bin/python3, where Debian's
# python3-torch installs). Where there is no Go (the GPU machine), build bin/lenetbench
# elsewhere and bring it along: the script then uses it as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
cores=$(nproc)
threads=${THREADS:-$cores}
epochs=${EPOCHS:-1}
limit=${LIMIT:-0}
gemm=${GEMM:-auto}
default_specs="classic=classic
modern=modern
3x3 kernels=conv6k3p1-relu-max2-conv16k3-relu-max2-dense120-relu-dense84-relu-lr0.1
wide convolutions=conv16k5p2-relu-max2-conv32k5-relu-max2-dense120-relu-dense84-relu-lr0.1
strided convolutions=conv8k3p1s2-relu-conv16k3p1s2-relu-dense64-relu-lr0.1
tanh, padded max pooling=conv6k5p2-tanh-max3s2p1-conv16k5-tanh-max3s2p1-dense120-tanh-dense84-tanh-lr0.1"
if [ -n "${MODEL:-}" ]; then
	specs="$MODEL=$MODEL"
else
	specs=${SPECS:-$default_specs}
fi
py=${PYTHON:-/usr/bin/python3}

for v in "rounds:$rounds" "threads:$threads" "epochs:$epochs"; do
	if ! [[ ${v#*:} =~ ^[1-9][0-9]*$ ]]; then
		echo "bench-compare: ${v%%:*} must be a positive integer, got '${v#*:}'" >&2
		exit 2
	fi
done
if [ -n "${MODEL:-}" ] && [ "$MODEL" != classic ] && [ "$MODEL" != modern ]; then
	echo "bench-compare: MODEL must be classic or modern, got '$MODEL'" >&2
	exit 2
fi
if ! [[ $limit =~ ^[0-9]+$ ]]; then
	echo "bench-compare: LIMIT must be 0 (all) or a positive integer, got '$limit'" >&2
	exit 2
fi

if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
	if [ -n "${PYTHON:-}" ]; then
		echo "bench-compare: $py cannot import torch and numpy; set PYTHON to an interpreter that can" >&2
		exit 1
	fi
	echo "installing Debian's python3-torch (PyTorch, the reference)..." >&2
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
	elif sudo -n true 2>/dev/null; then
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
	else
		echo "bench-compare: PyTorch is missing; run 'sudo apt-get install python3-torch python3-numpy' first" >&2
		exit 1
	fi
fi

. scripts/lib.sh
data=$(data_dir)
mkdir -p bin
if command -v go >/dev/null; then
	go build -o bin/lenetbench ./cmd/lenetbench
	go build -o bin/describe ./cmd/describe
elif [ -x bin/lenetbench ]; then
	echo "bench-compare: no Go here; using the bin/lenetbench that is already built" >&2
else
	echo "bench-compare: no Go to build bin/lenetbench; build it elsewhere (go build -o bin/lenetbench ./cmd/lenetbench) and copy it here" >&2
	exit 1
fi

pin=()
if command -v taskset >/dev/null && [ "$threads" -le "$cores" ]; then
	pin=(taskset -c "0-$((threads - 1))")
fi
export GOMAXPROCS=$threads OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads

# field NAME LINE prints the value after NAME in a line of names and values.
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) {print $(i + 1); exit}}' <<<"$2"; }

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "bench-compare: $rounds rounds of $epochs epoch(s) per network, batch 256, $threads of $cores cores${pin:+ (pinned: ${pin[*]})}"
echo "machine: ${cpu:-unknown CPU}, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "project's GEMM kernel: $(field gemm "$(bin/lenetbench -data "$data" -limit 256 -gemm "$gemm")")"

# stats prints min, median and max of its arguments.
stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print a[1], m, a[NR]}'; }

netdir=$(mktemp -d)
trap 'rm -rf "$netdir"' EXIT
summary=()
outdir=${OUT:-out}
mkdir -p "$outdir"
tsv=$outdir/bench-compare.tsv
echo "# make bench-compare, $(date -u '+%Y-%m-%d %H:%M UTC'), ${cpu:-unknown CPU}, $threads of $cores cores: name, project min/median/max, PyTorch min/median/max (examples/sec)" >"$tsv.tmp"
n=0
while IFS= read -r entry; do
	[ -n "$entry" ] || continue
	n=$((n + 1))
	name=${entry%%=*} spec=${entry#*=}
	torchnet=()
	lr=0.9
	case $spec in
	classic | modern) torchnet=(--model "$spec"); [ "$spec" = modern ] && lr=0.1 ;;
	*)
		bin/describe -model "$spec" -pytorch >"$netdir/net$n.py"
		torchnet=(--net "$netdir/net$n.py")
		lr=$(sed -n 's/.*-lr\([0-9.e-]*\).*/\1/p' <<<"$spec")
		lr=${lr:-0.1}
		;;
	esac
	echo
	echo "== $name: $spec (PyTorch at lr $lr)"
	printf '%-6s %12s %12s %8s %10s %10s %9s %9s\n' round "go ex/s" "torch ex/s" ratio "go loss" "torch loss" "go MiB" "torch MiB"
	gx=() tx=() grss=0 trss=0
	for r in $(seq 1 "$rounds"); do
		g=$("${pin[@]}" bin/lenetbench -data "$data" -epochs "$epochs" -limit "$limit" -model "$spec" -gemm "$gemm")
		t=$("${pin[@]}" "$py" scripts/bench_torch.py --data "$data" --epochs "$epochs" --limit "$limit" --threads "$threads" --lr "$lr" "${torchnet[@]}")
		gx+=("$(field examples/sec "$g")") tx+=("$(field examples/sec "$t")")
		gm=$(field peak_rss_mib "$g") tm=$(field peak_rss_mib "$t")
		grss=$((gm > grss ? gm : grss)) trss=$((tm > trss ? tm : trss))
		printf '%-6s %12.0f %12.0f %8.2f %10s %10s %9s %9s\n' "$r" "${gx[-1]}" "${tx[-1]}" \
			"$(awk -v a="${gx[-1]}" -v b="${tx[-1]}" 'BEGIN {print a / b}')" \
			"$(field loss "$g")" "$(field loss "$t")" "$gm" "$tm"
	done
	read -r gmin gmed gmax <<<"$(stats "${gx[@]}")"
	read -r tmin tmed tmax <<<"$(stats "${tx[@]}")"
	printf 'examples/sec   %10s %10s %10s\n' min median max
	printf 'project        %10.0f %10.0f %10.0f\n' "$gmin" "$gmed" "$gmax"
	printf 'PyTorch        %10.0f %10.0f %10.0f\n' "$tmin" "$tmed" "$tmax"
	awk -v gmed="$gmed" -v tmed="$tmed" -v gmin="$gmin" -v tmax="$tmax" 'BEGIN {
		printf "ratio of medians (project / PyTorch): %.2fx\n", gmed / tmed
		printf "project slowest / PyTorch fastest:    %.2fx\n", gmin / tmax
	}'
	echo "peak RSS: project $grss MiB, PyTorch $trss MiB"
	printf '%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\n' "$name" "$gmin" "$gmed" "$gmax" "$tmin" "$tmed" "$tmax" >>"$tsv.tmp"
	summary+=("$(printf '| %s | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.2fx | %.2fx |' "$name" "$gmin" "$gmed" "$gmax" "$tmin" "$tmed" "$tmax" \
		"$(awk -v a="$gmed" -v b="$tmed" 'BEGIN {print a / b}')" "$(awk -v a="$gmin" -v b="$tmax" 'BEGIN {print a / b}')")")
done <<<"$specs"
echo
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| network | project ex/s min / median / max | PyTorch ex/s min / median / max | ratio of medians | slowest / fastest |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${summary[@]}"
mv "$tsv.tmp" "$tsv"
echo
if command -v go >/dev/null; then
	go run ./cmd/benchplot -in "$tsv" -out "$outdir/bench-compare.png" \
		-title "examples/sec on $threads cores, $(date -u +%Y-%m-%d) (bar: median of $rounds rounds; whisker: min to max)"
else
	echo "bench-compare: no Go to draw $outdir/bench-compare.png; $tsv holds the figures"
fi
