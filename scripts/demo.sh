#!/usr/bin/env bash
# `make demo`: run the bundled Go workload (tests/go/demoapp) inside a cgroup whose CPU quota is below its
# GOMAXPROCS, trace it with gotrace for a few seconds, and print what gotrace saw; then record an HTML report of it
# (gotrace report) and print the report's path. Cleans up after itself.
# Environment: DEMO_SECONDS (default 10), DEMO_REPORT_SECONDS (default 5), DEMO_QUOTA_PCT (CPU quota in percent of
# one CPU, default 20), DEMO_GO (go command used to build the workload, default: Debian's Go 1.19, else the newest
# present).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${DEMO_SECONDS:-10}
report_seconds=${DEMO_REPORT_SECONDS:-5}
quota_pct=${DEMO_QUOTA_PCT:-20}
name="gotrace-demo-$$"
cg=""

pick_go() {
	local go
	for go in ${DEMO_GO:-} /usr/lib/go-1.19/bin/go /usr/local/go/bin/go "$(command -v go || true)"; do
		[ -n "$go" ] && [ -x "$go" ] && { echo "$go"; return; }
	done
	echo "demo: no Go toolchain found (scripts/install-deps.sh installs Debian's golang-1.19-go)" >&2
	exit 1
}

# A cgroup with cpu quota: cgroup v1's cpu controller when mounted, else cgroup v2 (enabling +cpu for children).
make_cgroup() {
	local period=100000 quota=$((quota_pct * 1000))
	if [ -w /sys/fs/cgroup/cpu/cgroup.procs ] 2>/dev/null && [ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
		cg=/sys/fs/cgroup/cpu/$name
		mkdir "$cg"
		echo "$period" >"$cg/cpu.cfs_period_us"
		echo "$quota" >"$cg/cpu.cfs_quota_us"
	elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
		cg=/sys/fs/cgroup/$name
		mkdir "$cg"
		echo "$quota $period" >"$cg/cpu.max"
	else
		echo "demo: no cgroup cpu controller found (v1 /sys/fs/cgroup/cpu or v2 with cpu): running without a quota" >&2
	fi
}

cleanup() {
	set +e
	if [ -n "${app_pid:-}" ]; then
		kill "$app_pid" 2>/dev/null
		wait "$app_pid" 2>/dev/null
	fi
	[ -n "$cg" ] && [ -d "$cg" ] && rmdir "$cg" 2>/dev/null
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (BPF, and a cgroup with a CPU quota)" >&2
	exit 1
fi

go=$(pick_go)
bin="$top/build/demo/demoapp"
mkdir -p "$(dirname "$bin")"
(cd "$top/tests/go/demoapp" && GOCACHE="$top/build/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local "$go" build -o "$bin" .)

make_cgroup
# GOMAXPROCS=2 on purpose: above the quota, the classic setting of a Go service in a small container.
(
	[ -n "$cg" ] && echo $BASHPID >"$cg/cgroup.procs"
	exec env GOMAXPROCS=2 "$bin" -duration=$((seconds + report_seconds + 5))s
) &
app_pid=$!
sleep 1

echo
echo "== gotrace -p $app_pid -d ${seconds}s   (demoapp in ${cg:-no cgroup}, CPU quota ${quota_pct}% of one CPU, GOMAXPROCS=2)"
echo
"$top/gotrace" -p "$app_pid" -d "${seconds}s"

report="$top/build/demo/report.html"
echo
echo "== gotrace report -p $app_pid -d ${report_seconds}s -o $report"
echo
"$top/gotrace" report -p "$app_pid" -d "${report_seconds}s" -o "$report" --keep "$top/build/demo/recording"
echo
echo "Report: $report"
echo "        (open it in a browser: file://$report; the recording it was drawn from is in build/demo/recording)"
