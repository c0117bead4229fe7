#!/usr/bin/env bash
# docs-check.sh (make docs-check): run the commands README.md and docs/*.md show and
# compare what they print with what the docs say, one PASS, FAIL or SKIP line per
# command, then a count. The expected lines are read from the docs themselves (the
# code block after a given sentence), so a doc that drifts from its command fails.
# Pictures the runs draw are compared byte for byte with the ones in docs/, and every
# picture the docs link must exist.
#
# Needs Fashion-MNIST (make data). It runs the two 10-epoch trainings (minutes on two
# cores); QUICK=1 leaves them out, with everything that needs their checkpoint. PyTorch
# (PYTHON, default /usr/bin/python3, with torch and numpy) is used where it is there;
# MNIST only where it is found. Not run, each named in a SKIP line: the full sweeps, the
# benchmarks, the GPU, the servers and the browser, `make test`, `make lint`, `make race` and
# `make vet-cuda` (run them on their own). Exit status 1 when a check fails.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
GO=${GO:-go}
PY=${PYTHON:-/usr/bin/python3}
QUICK=${QUICK:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/bin
npass=0 nfail=0 nskip=0

pass() { echo "PASS  $1"; npass=$((npass + 1)); }
fail() { echo "FAIL  $1: $2"; nfail=$((nfail + 1)); }
skip() { echo "SKIP  $1: $2"; nskip=$((nskip + 1)); }

# docblock FILE TEXT [N]: the N-th (default first) fenced code block after the first
# line holding TEXT (a line outside any block).
docblock() {
	awk -v t="$2" -v n="${3:-1}" 'state == 0 && index($0, t) { state = 1; next }
		state == 1 && /^ *```/ { if (open) { open = 0; next } k++; if (k == n) state = 2; else open = 1; next }
		state == 2 && /^ *```/ { exit }
		state == 2 { sub(/^  /, ""); print }' "$1"
}

# flat FILE: the file on one line, runs of blanks squeezed (docs wrap their sentences).
flat() { tr '\n' ' ' <"$1" | tr -s ' '; }

# norm FILE: the output without the timing that moves with the machine.
norm() { sed -E 's/ \([0-9]+ examples\/sec, [0-9hms.]+\)$//; s/ \(evaluation only, [0-9hms.]+\)$//' "$1"; }

# lines NAME OUT EXPECTED: every line of EXPECTED (but blank and "..." lines) is a line
# of OUT's output. An empty EXPECTED fails: the docs lost the block.
lines() {
	local name=$1 out=$2 expected=$3 missing=""
	if [ -z "$expected" ]; then
		fail "$name" "the docs' block is gone"
		return
	fi
	while IFS= read -r l; do
		case "$l" in "" | "...") continue ;; esac
		norm "$out" | grep -Fxq -- "$l" || missing="$missing | $l"
	done <<<"$expected"
	if [ -n "$missing" ]; then fail "$name" "not printed:$missing"; else pass "$name"; fi
}

# both NAME DOC DOCTEXT OUT OUTTEXT: the doc says DOCTEXT and the command printed OUTTEXT.
both() {
	if ! flat "$2" | grep -Fq -- "$3"; then
		fail "$1" "$2 no longer says \"$3\""
	elif ! norm "$4" | grep -Fq -- "$5"; then
		fail "$1" "the command did not print \"$5\""
	else
		pass "$1"
	fi
}

# run OUT WANT_STATUS CMD...: run CMD in the current folder, stdout and stderr to OUT;
# prints nothing and returns 1 when the exit status is not WANT_STATUS.
run() {
	local out=$1 want=$2 status=0
	shift 2
	"$@" >"$out" 2>&1 || status=$?
	if [ "$status" != "$want" ]; then
		echo "      exit status $status, want $want: $*" >&2
		tail -3 "$out" | sed 's/^/      /' >&2
		return 1
	fi
}

# samepng NAME GOT DOCPNG: the picture a command drew is the one in docs/.
samepng() {
	if [ ! -f "$2" ]; then fail "$1" "$2 was not written"
	elif cmp -s "$2" "$root/$3"; then pass "$1"
	else fail "$1" "$2 differs from $3 (redraw it, or the run changed)"
	fi
}

echo "building the commands and examples"
mkdir -p "$bin"
if ! $GO build -o "$bin/" ./cmd/train ./cmd/describe ./cmd/explain ./cmd/evaluate ./cmd/sweep ./cmd/fetchdata ./examples/...; then
	echo "docs-check: the build failed" >&2
	exit 1
fi
B=$bin
R=$root/README.md W=$root/docs/walkthrough.md T=$root/docs/training.md P=$root/docs/pytorch.md
if ! data=$("$B/fetchdata" -no-download 2>/dev/null); then
	echo "docs-check: Fashion-MNIST not found; run make data first" >&2
	exit 1
fi
export FASHION_MNIST_DIR=$data

# --- Pictures: every PNG the docs link exists.
missing=""
for f in "$R" "$root"/docs/*.md; do
	dir=$(dirname "$f")
	for p in $(grep -oE '\]\([^)#]+\.png\)' "$f" | sed -E 's/^\]\(//; s/\)$//'); do
		[ -f "$dir/$p" ] || missing="$missing $(basename "$f"):$p"
	done
done
if [ -z "$missing" ]; then pass "every picture the docs link exists"; else fail "pictures" "missing:$missing"; fi
n=$(wc -l <"$R")
if [ "$n" -le 200 ]; then pass "README.md is $n lines (at most 200)"; else fail "README.md length" "$n lines, more than 200"; fi

# --- The chapter's examples (docs/walkthrough.md).
mkdir -p "$work/ex" && cd "$work/ex"
for e in corr2d edgekernel convmatmul receptive kernels padding channels pooling lenetshapes; do
	run "$work/ex/$e.out" 0 "$B/$e" || fail "go run ./examples/$e" "see above"
done
for e in corr2d padding channels pooling; do
	run "$work/ex/$e-x.out" 0 "$B/$e" exercises || fail "go run ./examples/$e exercises" "see above"
done
for c in "pooling" "corr2d exercises"; do
	# Shown without output: they pass by exiting 0 (their numbers are asserted by tests).
	[ -s "$(echo "$c" | sed 's/ exercises$/-x/').out" ] && pass "go run ./examples/$c (exit 0)"
done
lines "go run ./examples/edgekernel" edgekernel.out "$(docblock "$W" 'Learning the kernel prints')"
lines "go run ./examples/lenetshapes" lenetshapes.out "$(docblock "$W" 'go run ./examples/lenetshapes` prints both variants')"
both "go run ./examples/corr2d" "$W" "corr2d(X, K) = [[19, 25], [37, 43]]" corr2d.out " [37, 43]]"
both "go run ./examples/convmatmul" "$W" "im2col + matrix multiply equals corr2d" convmatmul.out "equal to Corr2D: true"
both "go run ./examples/receptive" "$W" "5x5 and 7x7 with 18 and 27 weights" receptive.out "3 x 3x3: field 7x7 (measured 7x7), 27 weights per channel pair"
both "go run ./examples/padding" "$W" "kernel 3x5, padding (0,1), stride (3,4) on 8x8: 2x2" padding.out "kernel 3x5, padding (0,1), stride (3,4): Conv2D output 2x2"
both "go run ./examples/channels" "$W" "multi-in [[56, 72], [104, 120]], multi-out (3, 2, 2)" channels.out "output (3, 2, 2), one channel per kernel"
both "go run ./examples/channels exercises" "$W" "75,497,472 against 8,388,608 multiply-adds" channels-x.out "75497472 forward"
both "go run ./examples/padding exercises" "$W" "0.38 as loud after a [1/2, 1/2] low-pass" padding-x.out "stride 2: 32 samples, strongest tone 1000 Hz, amplitude 0.38"
both "go run ./examples/pooling exercises" "$W" "max(a + b) ≠ max(a) + max(b)" pooling-x.out "max(a + b) = 1, max(a) + max(b) = 2"
samepng "go run ./examples/kernels: out/kernels.png" "$work/ex/out/kernels.png" docs/kernels.png

# --- cmd/sweep (docs/training.md): the list, and the small sweep the page shows.
mkdir -p "$work/sweep" && cd "$work/sweep"
if run list.out 0 "$B/sweep" -list; then
	bad=""
	while IFS='|' read -r _ name spec _; do
		name=$(echo "$name" | sed 's/^ *//; s/ *$//')
		spec=$(echo "$spec" | tr -d '` ')
		grep -Eq "^$name +$spec\$" list.out || bad="$bad | $name"
	done < <(sed -n '/^### The sweep.s results/,/^!\[/p' "$T" | grep '^| .*`conv')
	if [ -n "$bad" ]; then fail "go run ./cmd/sweep -list" "not listed as the results table has them:$bad"; else pass "go run ./cmd/sweep -list (every variant of the results table)"; fi
else
	fail "go run ./cmd/sweep -list" "see above"
fi
if run small.out 0 "$B/sweep" -out out/s -epochs 2 -limit 5000 -variants "classic,modern lr 0.3,wide=conv32k5p2-relu-max2-conv64k5-relu-max2-dense120-relu-lr0.1" &&
	flat "$T" | grep -Fq -- '-variants "classic,modern lr 0.3,wide=' &&
	[ "$(grep -cE '^\| (classic|modern lr 0.3|wide) \|' out/s/sweep.md)" = 3 ]; then
	pass "go run ./cmd/sweep -out out/s -epochs 2 -limit 5000 -variants \"classic,modern lr 0.3,wide=...\" (3 rows)"
else
	fail "go run ./cmd/sweep -epochs 2 -limit 5000 -variants ..." "want sweep.md with the rows classic, modern lr 0.3, wide"
fi
skip "go run ./cmd/sweep -out out/sweep" "the full sweep takes about 20 minutes on two cores"

# --- cmd/train's failures and cmd/fetchdata (docs/training.md).
mkdir -p "$work/fail" && cd "$work/fail"
if run lr.out 1 "$B/train" -lr 1e30; then
	lines "go run ./cmd/train -lr 1e30" lr.out "$(docblock "$T" 'go run ./cmd/train -lr 1e30` stops at the second')"
else
	fail "go run ./cmd/train -lr 1e30" "see above"
fi
if run fetch.out 0 "$B/fetchdata" && [ -d "$(tail -1 fetch.out)" ]; then pass "go run ./cmd/fetchdata (prints $(tail -1 fetch.out))"; else fail "go run ./cmd/fetchdata" "no folder printed"; fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}
if (unset MNIST_DIR; "$B/fetchdata" -dataset mnist -no-download >/dev/null 2>&1); then
	skip "go run ./cmd/fetchdata -dataset mnist -no-download" "MNIST is on this machine"
elif (unset MNIST_DIR; run mnist.out 3 "$B/fetchdata" -dataset mnist -no-download); then
	sed -i "s#$cache/#~/.cache/#g" mnist.out
	lines "go run ./cmd/fetchdata -dataset mnist -no-download (exit 3)" mnist.out "$(docblock "$T" 'SHA-256, say):' 2)"
else
	fail "go run ./cmd/fetchdata -dataset mnist -no-download" "see above"
fi

# --- Interrupting and resuming (docs/training.md): a 3-epoch run, interrupted and
# resumed, ends as the uninterrupted one; a finished run resumed into a new -out writes
# every output.
mkdir -p "$work/resume" && cd "$work/resume"
if run ref.out 0 "$B/train" -epochs 3 -seed 5 -out out/ref; then
	ref=$(grep -E '^loss [0-9.]+, train acc' ref.out)
	mkdir -p out
	"$B/train" -epochs 3 -seed 5 -save out/lenet.safetensors >int.out 2>&1 &
	pid=$!
	for _ in $(seq 600); do grep -q '^epoch  1/3' int.out && break; sleep 0.2; done
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	if [ "$status" = 130 ] && grep -q "continue with -resume out/lenet.safetensors" int.out &&
		run res.out 0 "$B/train" -resume out/lenet.safetensors &&
		[ "$(grep -E '^loss [0-9.]+, train acc' res.out)" = "$ref" ]; then
		pass "go run ./cmd/train -epochs 3 -seed 5 -save out/lenet.safetensors, Ctrl-C, then -resume: $ref"
	else
		fail "Ctrl-C and -resume" "exit $status, closing line $(grep -E '^loss ' res.out 2>/dev/null), want $ref"
	fi
	if run fin.out 0 "$B/train" -resume out/lenet.safetensors -out out/new &&
		[ "$(grep -E '^loss [0-9.]+, train acc' fin.out)" = "$ref" ] &&
		[ "$(ls out/new | tr '\n' ' ')" = "confusion.png curves.png metrics.json predictions.png " ] &&
		flat "$T" | grep -Fq "writes every output again (curves, metrics, predictions, confusion matrix) without training, into the checkpoint's \`-out\` or a new one"; then
		pass "-resume of a finished run into a new -out (every output, the same closing line)"
	else
		fail "-resume of a finished run into a new -out" "want the four outputs in out/new and $ref"
	fi
else
	fail "go run ./cmd/train -epochs 3 -seed 5" "see above"
fi

# --- The classic and modern 10-epoch runs, and what needs their checkpoint.
if [ "$QUICK" = 1 ]; then
	skip "make train / go run ./cmd/train -save out/lenet.safetensors" "QUICK=1"
	skip "go run ./cmd/train -model modern" "QUICK=1"
	skip "cmd/explain, cmd/evaluate and PyTorch on the classic checkpoint" "QUICK=1"
else
	mkdir -p "$work/run/out" && cd "$work/run"
	if run classic.out 0 "$B/train" -save out/lenet.safetensors; then
		lines "make train: README's closing line" classic.out "$(docblock "$R" 'ends with the textbook')"
		lines "go run ./cmd/train: every epoch (docs/training.md)" classic.out "$(docblock "$T" '`go run ./cmd/train` (classic')"
		lines "go run ./cmd/train: closing line (docs/walkthrough.md)" classic.out "$(docblock "$W" '10 epochs with the default flags and seed end with')"
		both "go run ./cmd/train: shirts" "$T" "test acc 0.239 classic" classic.out "  shirt       0.239"
		samepng "go run ./cmd/train: out/curves.png" out/curves.png docs/curves.png
		samepng "go run ./cmd/train: out/predictions.png" out/predictions.png docs/predictions.png
		samepng "go run ./cmd/train: out/confusion.png" out/confusion.png docs/confusion.png
	else
		fail "go run ./cmd/train -save out/lenet.safetensors" "see above"
	fi
	if run modern.out 0 "$B/train" -model modern -out out/modern; then
		lines "go run ./cmd/train -model modern: every epoch" modern.out "$(docblock "$T" '`go run ./cmd/train -model modern` (ReLU')"
		lines "go run ./cmd/train -model modern: closing line (docs/walkthrough.md)" modern.out "$(docblock "$W" 'and the modern one with')"
		both "go run ./cmd/train -model modern: shirts" "$T" "0.467 modern" modern.out "  shirt       0.467"
		samepng "go run ./cmd/train -model modern: curves" out/modern/curves.png docs/curves-modern.png
	else
		fail "go run ./cmd/train -model modern" "see above"
	fi
	ck=out/lenet.safetensors
	if [ -f "$ck" ]; then
		if run ex42.out 0 "$B/explain" -model $ck -index 42; then
			both "go run ./cmd/explain -model out/lenet.safetensors -index 42" "$W" 'test image 42: true dress, predicted t-shirt (p = 0.46)' ex42.out 'test image 42: true dress, predicted t-shirt (p = 0.46)'
			samepng "go run ./cmd/explain -index 42: out/explain-42.png" out/explain-42.png docs/explain.png
		else
			fail "go run ./cmd/explain -index 42" "see above"
		fi
		if run coat.out 0 "$B/explain" -model $ck -class pullover -compare coat; then
			lines "go run ./cmd/explain -class pullover -compare coat" coat.out "$(docblock "$W" 'With the checkpoint of the classic 10-epoch run above')"
			samepng "go run ./cmd/explain -compare coat: out/compare-1-6.png" out/compare-1-6.png docs/compare.png
		else
			fail "go run ./cmd/explain -class pullover -compare coat" "see above"
		fi
		if run noise.out 0 "$B/explain" -model $ck -class pullover -compare noise; then
			both "go run ./cmd/explain -class pullover -compare noise" "$W" "is called a bag (p = 0.56)" noise.out "B: uniform noise (no class): predicted bag (p = 0.56)"
			both "go run ./cmd/explain -compare noise: first layer" "$W" "(mean 1.959 against 2.093, cosine 0.72)" noise.out " 0 Conv2d(1->6, 5x5, padding 2)       2.093    1.959    0.724"
		else
			fail "go run ./cmd/explain -class pullover -compare noise" "see above"
		fi
		if run any.out 0 "$B/explain" -model $ck -index 42 -compare 17 && [ -f out/compare-42-17.png ]; then
			pass "go run ./cmd/explain -index 42 -compare 17 (out/compare-42-17.png)"
		else
			fail "go run ./cmd/explain -index 42 -compare 17" "no out/compare-42-17.png"
		fi
		if run eval.out 0 "$B/evaluate" -model $ck; then
			both "go run ./cmd/evaluate -model out/lenet.safetensors" "$P" "cmd/train recorded test acc 0.8217" eval.out "test acc 0.8217"
		else
			fail "go run ./cmd/evaluate -model out/lenet.safetensors" "see above"
		fi
		size=$(stat -c %s $ck)
		head -c $((size - 1000)) $ck >out/cut.safetensors
		cp $ck out/altered.safetensors
		printf '\001' | dd of=out/altered.safetensors bs=1 seek=$((size - 100)) conv=notrunc status=none
		refused=$(docblock "$P" 'A cut or altered')
		run cut.out 1 "$B/evaluate" -model out/cut.safetensors && lines "go run ./cmd/evaluate -model out/cut.safetensors (exit 1)" cut.out "$(echo "$refused" | grep cut.safetensors)" ||
			fail "go run ./cmd/evaluate -model out/cut.safetensors" "see above"
		run alt.out 1 "$B/evaluate" -model out/altered.safetensors && lines "go run ./cmd/evaluate -model out/altered.safetensors (exit 1)" alt.out "$(echo "$refused" | grep altered.safetensors)" ||
			fail "go run ./cmd/evaluate -model out/altered.safetensors" "see above"
		if "$PY" -c 'import numpy, torch' 2>/dev/null; then
			transcript=$(docblock "$P" 'it installs nothing) runs both directions')
			if run teval.out 0 "$PY" "$root/scripts/torch_check.py" eval $ck; then
				lines "scripts/torch_check.py eval out/lenet.safetensors" teval.out "$(echo "$transcript" | grep '^cmd/train recorded')"
			else
				fail "scripts/torch_check.py eval out/lenet.safetensors" "see above"
			fi
			if run ttrain.out 0 "$PY" "$root/scripts/torch_check.py" train out/torch.safetensors &&
				run teval2.out 0 "$B/evaluate" -model out/torch.safetensors; then
				lines "scripts/torch_check.py train out/torch.safetensors" ttrain.out "$(echo "$transcript" | grep '^epoch 1/1')"
				lines "go run ./cmd/evaluate -model out/torch.safetensors" teval2.out "$(echo "$transcript" | grep '^test acc')"
			else
				fail "scripts/torch_check.py train, then cmd/evaluate" "see above"
			fi
		else
			skip "scripts/torch_check.py eval and train" "no PyTorch for $PY (sudo apt-get install python3-torch python3-numpy)"
		fi
	else
		fail "cmd/explain, cmd/evaluate and PyTorch on out/lenet.safetensors" "the classic run wrote no checkpoint"
	fi
fi

# --- MNIST (docs/training.md), only where its files are.
if mnist=$(unset MNIST_DIR; "$B/fetchdata" -dataset mnist -no-download 2>/dev/null) && [ "$QUICK" != 1 ]; then
	mkdir -p "$work/mnist" && cd "$work/mnist"
	if run mnist.out 0 "$B/train" -dataset mnist -model modern -epochs 5 -data "$mnist"; then
		lines "go run ./cmd/train -dataset mnist -model modern -epochs 5" mnist.out "$(docblock "$T" 'found as above:' 2)"
	else
		fail "go run ./cmd/train -dataset mnist -model modern -epochs 5" "see above"
	fi
else
	skip "go run ./cmd/train -dataset mnist -model modern -epochs 5" "MNIST is not on this machine (or QUICK=1)"
fi

# docs/networks.md: cmd/describe's table and its one line for an impossible network,
# each the indented block after the sentence that introduces it.
indented() { awk -v t="$2" 'index($0, t) { s = 1; next } s && /^    / { print substr($0, 5); f = 1; next } s && f { exit }' "$1"; }
spec=conv8k3p1-relu-max2-conv16k3-relu-max2-dense64-relu
"$bin/describe" -model "$spec" >"$work/describe.out" 2>&1
if indented "$root/docs/networks.md" "prints one row per module" | diff -q - "$work/describe.out" >/dev/null; then
	pass "go run ./cmd/describe -model $spec"
else
	fail "go run ./cmd/describe -model $spec" "its table differs from docs/networks.md's"
fi
bad=conv6k5-relu-max2-conv16k12-relu-max2
"$bin/describe" -model "$bad" >/dev/null 2>"$work/describe.err"
if indented "$root/docs/networks.md" "An impossible network gets one line" | grep -qxF "$(cat "$work/describe.err")"; then
	pass "go run ./cmd/describe -model $bad"
else
	fail "go run ./cmd/describe -model $bad" "its line is not docs/networks.md's: $(cat "$work/describe.err")"
fi

# --- A spec from the command line to PyTorch (README.md, docs/networks.md): the same
# network in both spellings, trained 2 epochs, evaluated, its PyTorch code loaded.
N=$root/docs/networks.md
cspec=conv8k3p1s1-relu-max2-conv16k3-relu-max2-dense64-relu
mkdir -p "$work/spec/out" && cd "$work/spec"
if flat "$R" | grep -Fq "go run ./cmd/describe -model $cspec " && "$B/describe" -model $cspec >readme.out 2>&1 &&
	cmp -s readme.out "$work/describe.out"; then
	pass "go run ./cmd/describe -model $cspec (README.md: the table of docs/networks.md)"
else
	fail "go run ./cmd/describe -model $cspec" "README.md no longer shows it, or its table is not docs/networks.md's"
fi
if flat "$R" | grep -Fq -- "-model $cspec-lr0.1 -epochs 2 -save out/c.safetensors" &&
	flat "$N" | grep -Fq -- "-model $cspec-lr0.1 -epochs 2 -save out/c.safetensors" &&
	run c.out 0 "$B/train" -model $cspec-lr0.1 -epochs 2 -save out/c.safetensors && [ -f out/c.safetensors ]; then
	pass "go run ./cmd/train -model $cspec-lr0.1 -epochs 2 -save out/c.safetensors: $(grep -E '^loss ' c.out)"
	acc=$(grep -oE 'test acc [0-9.]+$' c.out | grep -oE '[0-9.]+$')
	if run ceval.out 0 "$B/evaluate" -model out/c.safetensors &&
		[ "$(printf '%.3f' "$(grep -oE '^test acc [0-9.]+' ceval.out | grep -oE '[0-9.]+$')")" = "$acc" ]; then
		pass "go run ./cmd/evaluate -model out/c.safetensors (test acc $acc, as trained)"
	else
		fail "go run ./cmd/evaluate -model out/c.safetensors" "want test acc $acc"
	fi
	if run cpy.out 0 "$B/describe" -model out/c.safetensors -pytorch && cp cpy.out c.py; then
		pass "go run ./cmd/describe -model out/c.safetensors -pytorch > c.py"
		if "$PY" -c 'import numpy, torch' 2>/dev/null; then
			want="  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
			for c in 'import c; print(c.load("out/c.safetensors"))' 'import c; net = c.load("out/c.safetensors"); print(net)'; do
				if { flat "$R"; flat "$N"; } | grep -Fq -- "$c"; then
					if run load.out 0 "$PY" -c "$c" && grep -Fxq "$want" load.out && grep -q '^  (9): Linear(in_features=64, out_features=10' load.out; then
						pass "python3 -c '$c' (the nn.Sequential, weights loaded)"
					else
						fail "python3 -c '$c'" "no Sequential of 10 modules printed"
					fi
				else
					fail "python3 -c '$c'" "README.md and docs/networks.md no longer show it"
				fi
			done
		else
			skip "python3 -c 'import c; ...' (README.md, docs/networks.md)" "no PyTorch for $PY"
		fi
	else
		fail "go run ./cmd/describe -model out/c.safetensors -pytorch" "see above"
	fi
else
	fail "go run ./cmd/train -model $cspec-lr0.1 -epochs 2 -save out/c.safetensors" "see above (or README.md and docs/networks.md no longer show it)"
fi

# --- cmd/train -h against docs/training.md's table of flags, both ways.
if run help.out 0 "$B/train" -h; then
	shown=$(grep -oE '^  -[a-z]+' help.out | tr -d ' ' | sort | tr '\n' ' ')
	table=$(sed -n '/^| flag | default | meaning/,/^$/p' "$T" | awk 'NR > 2 && !/^\|/ { exit } { print }' | grep -oE '^\| `-[a-z]+`' | tr -d '|` ' | sort | tr '\n' ' ')
	if [ "$shown" = "$table" ]; then pass "go run ./cmd/train -h (every flag in docs/training.md's table, and no other)"; else fail "go run ./cmd/train -h" "flags $shown; the table has $table"; fi
else
	fail "go run ./cmd/train -h" "see above"
fi

# --- cmd/sweep -variants @FILE (docs/training.md), on a small run: the form, not the numbers.
mkdir -p "$work/sweepjson" && cd "$work/sweepjson"
echo '["modern", "conv4k5s2-relu-dense16"]' >variants.json
if flat "$T" | grep -Fq -- "go run ./cmd/sweep -variants @variants.json" &&
	run json.out 0 "$B/sweep" -variants @variants.json -epochs 1 -limit 1000 -out out/j &&
	[ "$(grep -cE '^\| (modern|conv4k5s2-relu-dense16) \|' out/j/sweep.md)" = 2 ]; then
	pass "go run ./cmd/sweep -variants @variants.json (with -epochs 1 -limit 1000: 2 rows)"
else
	fail "go run ./cmd/sweep -variants @variants.json" "want sweep.md with the rows modern and conv4k5s2-relu-dense16"
fi
skip "go run ./cmd/sweep -dataset mnist" "MNIST and the full sweep's 20 minutes"

skip "make test" "run it on its own"
skip "make lint, make race, make vet-cuda" "checks of their own (CI runs them)"
skip "make bench, make bench-compare, make bench-cores, cmd/lenetbench, the explorer's benchmark" "measurements: they go to docs/benchmarks.md, not compared"
skip "make interop, make torch-ops" "PyTorch checks of their own (the interop's two halves are checked above where PyTorch is)"
skip "cmd/explore (its -model, -export), cmd/train -serve, the curl and the designer's python3 lines, make explore-png, make site, python3 -m http.server" "a server and a browser: the explorer's and the site's tests cover them"
skip "make cuda, bin/train-cuda, gpu/scripts/gpu-check.sh, gpu/scripts/gpu-kernels.sh, gpu/cmd/gpucheck" "a GPU"
echo "docs-check: $npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ]
