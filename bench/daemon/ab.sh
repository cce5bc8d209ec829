#!/usr/bin/env bash
# Two or more gotrace builds as the daemon, in alternation over the same 50 GC-busy programs: its CPU and memory,
# for a before/after comparison that the machine's drift between separate runs cannot fake (run.py compares
# counts and configurations; this compares binaries). Root, after `make` and tests/build-go.sh.
# Usage: bench/daemon/ab.sh ROUNDS GOTRACE... [-- DAEMON OPTION...]
#   e.g. bench/daemon/ab.sh 3 /tmp/gotrace-before ./gotrace -- --profile-interval=10s
# Per round, each binary in turn: the daemon (DaemonSet capabilities, profiles built but not written) traces the
# programs for 15 s to settle, then its utime + stime over 40 s is its CPU share of one core; VmRSS, RssAnon and
# RssFile are read at the end.
set -euo pipefail

rounds=${1:?usage: bench/daemon/ab.sh ROUNDS GOTRACE... [-- DAEMON OPTION...]}
shift
bins=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do bins+=("$(realpath "$1")"); shift; done
[ $# -gt 0 ] && shift
[ ${#bins[@]} -gt 0 ] || { echo "ab.sh: no gotrace binary given" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
fixture=$(ls -d "$top"/build/tests/go/go1.* | sort -V | tail -1)/gcload.default
[ -x "$fixture" ] || { echo "ab.sh: $fixture missing: run tests/build-go.sh" >&2; exit 1; }
work=$(mktemp -d /tmp/gtab.XXXXXX)
program=$work/gtabload			# a private name: the daemon's allow rule takes only these
cp "$fixture" "$program"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 50); do GOMAXPROCS=1 "$program" -duration=0 -workers=1 >/dev/null 2>&1 & pids+=($!); done
sleep 2
ticks=$(getconf CLK_TCK)
for round in $(seq "$rounds"); do
	for bin in "${bins[@]}"; do
		"$bin" daemon --capabilities=gc,goroutines,cgroup,memory --profile-dir=none --allow-exe 'gtabload' \
			--listen 127.0.0.1:9799 "$@" >"$work/daemon.log" 2>&1 &
		daemon=$!
		sleep 15
		t0=$(awk '{print $14 + $15}' "/proc/$daemon/stat")
		sleep 40
		t1=$(awk '{print $14 + $15}' "/proc/$daemon/stat")
		mem=$(awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%s %.1f MiB  ", $1, $2 / 1024}' "/proc/$daemon/status")
		printf '%s round %d: daemon CPU %.2f%% of a core; %s\n' "$bin" "$round" \
			"$(echo "($t1 - $t0) * 100 / ($ticks * 40)" | bc -l)" "$mem"
		kill -INT "$daemon"
		wait "$daemon" || true
	done
done
