#!/usr/bin/env bash
# make bench-ab: this checkout's training throughput against another revision's, the two
# cmd/lenetbench binaries taking turns (one whole epoch each per round) so that both meet
# the same machine load. It prints every round, then per model and side the min / median
# / max of examples/sec (wall clock) and of cpu_seconds (the process's CPU time over the
# same spans, which a loaded machine disturbs far less), and the ratios of the medians.
#
# Environment: BASE, the git revision to compare with (default main); MODELS, the
# variants (default "classic modern"); ROUNDS (default 5); THREADS, GOMAXPROCS of both
# sides (default all cores), pinned with taskset to cores 0..THREADS-1 where it exists;
# LIMIT, training images per epoch (default all); DATA, the Fashion-MNIST folder
# (default: found by scripts/data.sh). A side whose lenetbench predates cpu_seconds
# shows "-" there.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${BASE:-main}
models=${MODELS:-classic modern}
rounds=${ROUNDS:-5}
cores=$(nproc)
threads=${THREADS:-$cores}
limit=${LIMIT:-0}
for v in "ROUNDS:$rounds" "THREADS:$threads"; do
	if ! [[ ${v#*:} =~ ^[1-9][0-9]*$ ]]; then
		echo "bench-ab: ${v%%:*} must be a positive integer, got '${v#*:}'" >&2
		exit 2
	fi
done
if ! [[ $limit =~ ^[0-9]+$ ]]; then
	echo "bench-ab: LIMIT must be 0 (all) or a positive integer, got '$limit'" >&2
	exit 2
fi
if ! rev=$(git rev-parse --short --verify "$base^{commit}" 2>/dev/null); then
	echo "bench-ab: BASE '$base' is not a revision of this repository" >&2
	exit 2
fi

. scripts/lib.sh
data=$(data_dir)

mkdir -p bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$rev" | tar -x -C "$tmp"
(cd "$tmp" && go build -o "$OLDPWD/bin/lenetbench-base" ./cmd/lenetbench)
go build -o bin/lenetbench ./cmd/lenetbench

pin=()
if command -v taskset >/dev/null && [ "$threads" -le "$cores" ]; then
	pin=(taskset -c "0-$((threads - 1))")
fi
export GOMAXPROCS=$threads

field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) {print $(i + 1); exit}}' <<<"$2"; }
stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print a[1], m, a[NR]}'; }

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "bench-ab: $rounds rounds of 1 epoch, $models; this checkout ($(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ', modified')) against $base ($rev); $threads of $cores cores${pin:+ (pinned: ${pin[*]})}"
echo "machine: ${cpu:-unknown CPU}, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-8s %-5s %10s %8s %8s %s\n' round model side "ex/s" cpu_s loss gemm
declare -A eps cpus
for r in $(seq 1 "$rounds"); do
	for m in $models; do
		for side in base new; do
			b=bin/lenetbench
			[ "$side" = base ] && b=bin/lenetbench-base
			out=$("${pin[@]}" "$b" -data "$data" -limit "$limit" -model "$m")
			e=$(field examples/sec "$out") c=$(field cpu_seconds "$out")
			eps[$m,$side]+="$e " cpus[$m,$side]+="${c:--} "
			printf '%-6s %-8s %-5s %10.0f %8s %8s %s\n' "$r" "$m" "$side" "$e" "${c:--}" "$(field loss "$out")" "$(field gemm "$out")"
		done
	done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-5s %28s %28s\n' model side "ex/s min / median / max" "cpu_s min / median / max"
for m in $models; do
	declare -A med=()
	for side in base new; do
		read -r a b c <<<"$(stats ${eps[$m,$side]})"
		med[e$side]=$b
		cs="-"
		if [[ ${cpus[$m,$side]} != *-* ]]; then
			read -r x y z <<<"$(stats ${cpus[$m,$side]})"
			cs=$(printf '%.2f / %.2f / %.2f' "$x" "$y" "$z")
			med[c$side]=$y
		fi
		printf '%-8s %-5s %28s %28s\n' "$m" "$side" "$(printf '%.0f / %.0f / %.0f' "$a" "$b" "$c")" "$cs"
	done
	line="$m: examples/sec, new / base medians: $(awk -v a="${med[enew]}" -v b="${med[ebase]}" 'BEGIN {printf "%.2fx", a / b}')"
	if [ -n "${med[cnew]:-}" ] && [ -n "${med[cbase]:-}" ]; then
		line+="; CPU time, base / new medians: $(awk -v a="${med[cbase]}" -v b="${med[cnew]}" 'BEGIN {printf "%.2fx", a / b}')"
	fi
	echo "$line"
done
