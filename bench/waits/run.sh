#!/usr/bin/env bash
# What the waits capability costs. (1) An HTTP server (tests/go/httpload) under wrk on loopback: requests/s
# untraced (A), traced by `gotrace -c waits` with the syscall tracepoints, its default (B), and with the tp_btf
# sys_enter/sys_exit programs, its fallback (C), runs interleaved A B C A B C ... so that drift in the machine's
# load hits every mode alike; ratios per round and their median. (2) Per system call: ns per call of an untraced
# process (bench/waits/syscall_cost.c) for a syscall the programs ignore (getppid) and one they look at before
# the process filter drops it (futex), and ns per traced futex call of a Go program, in the same three modes.
# Usage: bench/waits/run.sh (as root, after make); ROUNDS (default 5), RUN_SECONDS (default 5), GOVERSION
# (default: the newest fixture toolchain). Rewrites bench/waits/README.md with the figures.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/bench/waits"
rounds=${ROUNDS:-5}
secs=${RUN_SECONDS:-5}
mkdir -p "$out"
[ -x "$top/gotrace" ] || { echo "bench/waits: build gotrace first (make)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench/waits: needs wrk (apt-get install wrk)" >&2; exit 1; }
"$top/tests/build-go.sh" >/dev/null 2>&1
ver=${GOVERSION:-$(cut -f1 "$top/build/tests/go/manifest.tsv" | sort -V | tail -1)}
cc -O2 -Wall -Wextra -Werror "$top/bench/waits/syscall_cost.c" -o "$out/syscall_cost"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# tracepoints_env MODE: the GOTRACE_TRACEPOINTS value that forces MODE (tracepoint or tp_btf).
tracepoints_env() {
	if [ "$1" = tracepoint ]; then echo classic; else echo "$1"; fi
}

# start_tracer MODE PID: gotrace -c waits in the background once its probes are attached (MODE tracepoint or
# tp_btf); sets $tracer. MODE none starts nothing.
start_tracer() {
	tracer=
	[ "$1" = none ] && return
	GOTRACE_TRACEPOINTS=$(tracepoints_env "$1") "$top/gotrace" -p "$2" -c waits >/dev/null 2>"$out/gotrace.err" &
	tracer=$!
	pids+=("$tracer")
	for _ in $(seq 300); do
		grep -q "Hit Ctrl-C" "$out/gotrace.err" && return
		kill -0 "$tracer" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench/waits: gotrace did not start: $(cat "$out/gotrace.err")" >&2
	exit 1
}

stop_tracer() {
	[ -n "$tracer" ] || return 0
	kill -INT "$tracer"
	wait "$tracer"
}

# http_rps MODE PORT PID: requests/s and mean latency of one wrk run.
http_rps() {
	start_tracer "$1" "$3"
	wrk -t1 -c16 -d"${secs}s" "http://127.0.0.1:$2/" >"$out/wrk.out"
	stop_tracer
	awk '/Requests\/sec/ {rps=$2} /^ +Latency/ {lat=$2} END {print rps, lat}' "$out/wrk.out"
}

# traced_futex_ns MODE: ns per futex call (FUTEX_WAKE_PRIVATE, no waiter) of a Go program MODE traces: what a
# traced call costs, the stack taken at its entry included.
traced_futex_ns() {
	local target
	"$top/build/tests/go/$ver/mutexload.default" -start=signal -duration=1ms -workers=0 \
		-raw-futex-wakes=1000000 >"$out/target.out" &
	target=$!
	pids+=("$target")
	until grep -q ready "$out/target.out"; do sleep 0.05; done
	start_tracer "$1" "$target"
	kill -USR1 "$target"
	wait "$target"
	stop_tracer
	python3 -c 'import json,sys; print("%.1f" % json.loads(open(sys.argv[1]).readlines()[1])["raw_futex_wake_ns"])' \
		"$out/target.out"
}

# syscall_ns MODE PID: ns per getppid and per futex of an untraced process while MODE traces PID.
syscall_ns() {
	start_tracer "$1" "$2"
	echo "$("$out/syscall_cost" getppid 1000000) $("$out/syscall_cost" futex 1000000)"
	stop_tracer
}

# session_ms MODE PID: wall time of a whole `gotrace -c waits -d 1ms` run (attach, then detach at exit).
session_ms() {
	local s e
	s=$(date +%s%N)
	GOTRACE_TRACEPOINTS=$(tracepoints_env "$1") "$top/gotrace" -p "$2" -c waits -d 1ms >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(( (e - s) / 1000000 ))
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b / a}'; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$top/build/tests/go/$ver/httpload.default" -addr "127.0.0.1:$port" >/dev/null &
server=$!
pids+=("$server")
sleep 0.5
wrk -t1 -c16 -d2s "http://127.0.0.1:$port/" >/dev/null	# warm up: connections, heap, threads

http_rows="" syscall_rows=""
: >"$out/ratios"
for r in $(seq "$rounds"); do
	read -r a alat < <(http_rps none "$port" "$server")
	read -r b blat < <(http_rps tracepoint "$port" "$server")
	read -r c clat < <(http_rps tp_btf "$port" "$server")
	echo "$(ratio "$a" "$b") $(ratio "$a" "$c")" >>"$out/ratios"
	http_rows+="| $r | $a | $alat | $b | $blat | $(ratio "$a" "$b") | $c | $clat | $(ratio "$a" "$c") |"$'\n'
done
rb=$(cut -d' ' -f1 "$out/ratios" | median)
rc=$(cut -d' ' -f2 "$out/ratios" | median)

: >"$out/syscalls"
for r in $(seq "$rounds"); do
	for mode in none tracepoint tp_btf; do
		echo "$mode $(syscall_ns "$mode" "$server") $(traced_futex_ns "$mode")" >>"$out/syscalls"
	done
done
session_rows=""
for mode in tracepoint tp_btf; do
	ms=$(for r in $(seq "$rounds"); do session_ms "$mode" "$server"; done | median)
	session_rows+="| $mode | $ms ms |"$'\n'
done
for mode in none tracepoint tp_btf; do
	g=$(awk -v m=$mode '$1 == m {print $2}' "$out/syscalls" | median)
	f=$(awk -v m=$mode '$1 == m {print $3}' "$out/syscalls" | median)
	t=$(awk -v m=$mode '$1 == m {print $4}' "$out/syscalls" | median)
	syscall_rows+="| $mode | $g | $f | $t |"$'\n'
done

cat >"$top/bench/waits/README.md" <<MD
# bench/waits: what tracing futex and epoll waits costs

Command: \`bench/waits/run.sh\` (ROUNDS=$rounds, RUN_SECONDS=$secs). Measured $(date -u +%Y-%m-%d) on $(nproc) cores,
$(uname -r), server built by $ver, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (a shared VM:
other jobs may have been running; the interleaving spreads their effect over every mode).

## HTTP server under load

\`tests/go/httpload\` (net/http, a small JSON answer per request) under \`wrk -t1 -c16 -d${secs}s\` on loopback,
both on the same $(nproc) cores. Per round, three runs back to back: A untraced, B \`gotrace -c waits\` (the
syscalls:sys_{enter,exit}_{futex,epoll_*} tracepoints, the default), C the same with
\`GOTRACE_TRACEPOINTS=tp_btf\` (the fallback: tp_btf on sys_enter/sys_exit). Ratio = traced / untraced
requests per second of the same round.

| round | A req/s | A latency | B req/s | B latency | B/A | C req/s | C latency | C/A |
|---|---|---|---|---|---|---|---|---|
${http_rows}
Median ratio: syscall tracepoints **$rb**, tp_btf **$rc**.

## Per system call: the rest of the machine, and the traced process

Nanoseconds per system call (median of $rounds rounds). Untraced process (bench/waits/syscall_cost.c, best of 5
batches of 1M calls, while gotrace traces the server): getppid never reaches a program with the tracepoints (a
bitmap test in the kernel) and is rejected by comparing the syscall number with tp_btf; futex
(FUTEX_WAKE_PRIVATE with no waiter) runs the programs, and the process filter (one hash lookup) drops it.
Traced process: tests/go/mutexload -raw-futex-wakes (1M FUTEX_WAKE_PRIVATE calls from Go, each traced: the user
stack, the maps, the histogram).

| mode | untraced getppid ns | untraced futex ns | traced futex ns |
|---|---|---|---|
${syscall_rows}
Either mode turns on the kernel's syscall-tracepoint work for every thread (every syscall takes the slow entry
path); what differs is the work per call after that.

## Starting and stopping

Wall time of a whole \`gotrace -p SERVER -c waits -d 1ms\` (median of $rounds): with the tracepoints, closing
each of the eight tracepoint perf events waits for an RCU grace period in the kernel, serialized (closing them
from parallel threads did not help), so gotrace takes a quarter to half a second longer to exit.

| mode | gotrace -c waits -d 1ms |
|---|---|
${session_rows}
MD
cat "$top/bench/waits/README.md"
