#!/usr/bin/env bash
# The cost of `gotrace flame`: work a CPU-bound Go program (tests/go/hotspots, both CPUs busy) gets done
# untraced, and profiled at 99 Hz and 999 Hz, in interleaved runs (A B C A B C ...) so that the drift of a shared
# machine falls on every arm alike; and the time to symbolize 100k samples (the symbolizer's unit test).
# Work is counted two ways: per second of wall time (what a user sees, but other jobs on a shared machine move
# it by tens of percent), and per second of the process's own CPU time (the profiler's interrupt and BPF time is
# charged to the thread it interrupts, other jobs are not). Each arm's figure is the median of its rounds.
# Usage: bench/flame/run.sh [ROUNDS [SECONDS]] (default 5 rounds of 5 s). Needs root and `make` + fixtures
# (tests/build-go.sh). Prints a Markdown table; bench/flame/README.md holds the last figures.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-5}
secs=${2:-5}
out="$top/build/bench/flame"
prog=$(ls -1 "$top"/build/tests/go/go1.*/hotspots.default | sort -V | tail -1)
mkdir -p "$out"

# run_once HZ: one workload of $secs s, profiled at HZ (0: not profiled); prints "calls/wall-s calls/cpu-s".
run_once() {
	local hz=$1 fifo="$out/ready" pid gpid line
	rm -f "$fifo"
	mkfifo "$fifo"
	"$prog" -start=signal -duration="${secs}s" >"$fifo" &
	pid=$!
	exec 3<"$fifo"
	read -r line <&3
	if [ "$hz" -gt 0 ]; then
		"$top/gotrace" flame -p "$pid" -F "$hz" -o "$out/profile.pb.gz" 2>"$out/gotrace.err" &
		gpid=$!
		until grep -q "Hit Ctrl-C" "$out/gotrace.err" 2>/dev/null; do
			kill -0 "$gpid" || { cat "$out/gotrace.err" >&2; exit 1; }
			sleep 0.05
		done
	fi
	kill -USR1 "$pid"
	read -r line <&3
	exec 3<&-
	wait "$pid"
	[ "$hz" -gt 0 ] && wait "$gpid"
	python3 -c 'import json,sys; r=json.loads(sys.argv[1]);
print(r["calls"] / (r["window_ns"] / 1e9), r["calls"] / (r["process_cpu_ns"] / 1e9))' "$line"
}

: >"$out/rounds.txt"
for r in $(seq "$rounds"); do
	for arm in 0 99 999; do
		rates=$(run_once "$arm")
		echo "$arm $rates" >>"$out/rounds.txt"
		echo "round $r, ${arm} Hz: $rates (calls per wall s, per CPU s)" >&2
	done
done

python3 - "$out/rounds.txt" "$rounds" "$secs" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {arm: [statistics.median(float(r[i]) for r in rows if r[0] == arm) for i in (1, 2)] for arm in ("0", "99", "999")}
print(f"{sys.argv[2]} interleaved rounds of {sys.argv[3]} s; medians.\n")
print("| profiled at | work per wall second, traced / untraced | work per CPU second, traced / untraced |")
print("|---|---|---|")
for arm in ("99", "999"):
    print(f"| {arm} Hz | {med[arm][0] / med['0'][0]:.3f} | {med[arm][1] / med['0'][1]:.4f} |")
PY
echo
echo "Symbolization (tests/unit/profile/test_symbolizer symbolize_100k_samples_timing):"
echo '```'
make -s -C "$top" build/tests/unit/profile/test_symbolizer >/dev/null
(cd "$top" && build/tests/unit/profile/test_symbolizer symbolize_100k | grep -E '^    go')
echo '```'
