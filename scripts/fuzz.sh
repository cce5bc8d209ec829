#!/usr/bin/env bash
# `make fuzz`: build every libFuzzer target in tests/fuzz (clang, ASan + UBSan), seed it from real inputs (the Go
# fixture binaries, their DWARF, recorded cgroup files, the unit tests' synthetic tables) and run each for
# FUZZ_SECONDS (default 60). Corpora and crash artifacts stay in build/fuzz/. Exit 1 on any crash.
# Regression seeds (inputs that once crashed a target, kept so it never does again) live in
# tests/fuzz/seeds/<target>/ and join the corpus. tests/fuzz/README.md lists what each target reads and checks.
# Usage: scripts/fuzz.sh [target...]    (targets: pclntab buildinfo dwarf_offsets cgroup daemon_config
#                                         target_rules prom report_ndjson retsites go_globals proc_maps
#                                         symbolizer)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/fuzz
seconds=${FUZZ_SECONDS:-60}
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE -iquote user -iquote .)
mkdir -p "$out"

# target: sources beyond tests/fuzz/fuzz_<target>.c, libraries, libFuzzer options
daemon_config_sources="user/daemon/daemon_config.c user/daemon/pyroscope.c user/lib/cli.c user/lib/duration.c
	user/lib/http_server.c user/lib/http_client.c user/lib/shared_lib.c user/lib/log.c user/lib/json.c
	user/lib/utf8.c"
# Capstone is loaded while used (user/lib/shared_lib.h); the targets hold it loaded from their initialization.
capstone_srcs="user/gobin/capstone_lib.c user/lib/shared_lib.c user/lib/log.c user/lib/json.c user/lib/utf8.c"
declare -A sources=(
	[pclntab]="user/gobin/pclntab.c user/gobin/elf_file.c"
	[buildinfo]="user/gobin/buildinfo.c user/gobin/pclntab.c user/gobin/elf_file.c"
	[dwarf_offsets]="user/gobin/go_offsets.c"
	[cgroup]="user/sys/cgroup.c user/sys/kube.c"
	[daemon_config]="$daemon_config_sources"
	[target_rules]="user/daemon/target_rules.c $daemon_config_sources"
	[prom]="user/lib/prom.c user/lib/utf8.c user/lib/hist.c user/lib/prom_parse.c user/lib/protobuf.c user/lib/array.c
		user/daemon/otlp_metrics.c user/daemon/otlp_resource.c"
	[report_ndjson]="user/report/report_ndjson.c user/report/report_model.c user/lib/array.c user/lib/hist.c"
	[retsites]="user/gobin/retsites.c $capstone_srcs"
	[go_globals]="user/gobin/go_globals.c user/gobin/go_offsets.c user/gobin/pclntab.c user/gobin/elf_file.c
		$capstone_srcs"
	[proc_maps]="user/sys/proc_maps.c"
	[symbolizer]="user/profile/symbolizer.c user/profile/symbolize.c user/profile/profile.c user/gobin/sym_module.c
		user/gobin/pclntab.c user/gobin/buildinfo.c user/gobin/elf_file.c user/sys/proc_maps.c user/sys/proc.c
		user/sys/ksyms.c user/lib/array.c user/lib/event_loop.c"
)
daemon_config_libs="-lmicrohttpd -lbpf -lm"
declare -A libs=([pclntab]="-lelf" [buildinfo]="-lelf" [dwarf_offsets]="-ldw -lelf" [cgroup]=""
	[daemon_config]="$daemon_config_libs" [target_rules]="$daemon_config_libs" [prom]="-lm"
	[report_ndjson]="-ljson-c -lm" [retsites]="-lbpf" [go_globals]="-lbpf -ldw -lelf" [proc_maps]=""
	[symbolizer]="-lelf")
declare -A options=(
	[pclntab]="-max_len=3000000 -rss_limit_mb=4096"
	[buildinfo]="-max_len=3000000 -rss_limit_mb=4096"
	[dwarf_offsets]="-max_len=1048576"
	[cgroup]="-max_len=8192"
	[daemon_config]="-max_len=8192"
	[target_rules]="-max_len=8192"
	[prom]="-max_len=8192"
	[report_ndjson]="-max_len=65536"
	[retsites]="-max_len=65536"
	[go_globals]="-max_len=65536 -rss_limit_mb=4096"
	[proc_maps]="-max_len=65536"
	[symbolizer]="-max_len=4096 -rss_limit_mb=4096"
)
# go_globals and symbolizer load fixture binaries once, from here (they run in $out)
export GOTRACE_FUZZ_BINARIES=$top/build/tests/go

seed_binaries() { # corpus dir: the stripped and PIE fixtures of every toolchain
	local f
	for f in build/tests/go/*/gcload.stripped build/tests/go/*/cgoapp.pie; do
		[ -e "$f" ] && cp -f "$f" "$1/$(echo "$f" | tr / _)"
	done
}

seed_dwarf() { # corpus dir: .debug_abbrev SEP .debug_info of the unstripped fixtures
	local f tmp
	tmp=$(mktemp -d)
	for f in build/tests/go/*/gcload.default; do
		objcopy --decompress-debug-sections --dump-section .debug_abbrev="$tmp/a" \
			--dump-section .debug_info="$tmp/i" "$f" "$tmp/x.elf"
		{ cat "$tmp/a"; printf '\377SPLIT\377'; cat "$tmp/i"; } >"$1/$(echo "$f" | tr / _)"
	done
	rm -rf "$tmp"
}

seed_text() { # corpus dir, name, printf format: one hand-written seed
	# shellcheck disable=SC2059
	printf "$3" >"$1/$2"
}

seed_daemon() { # corpus dir: a config file using every key, one with options after it
	seed_text "$1" full 'listen = [::1]:9500\nprofile-dir = /srv/p\nprofile-interval = 30s\nprofile-types = cpu,offcpu\n'\
'profile-frequency = 49\nretention-count = 5\nretention-age = 1.5d\nretention-size = 512MiB\n'\
'pyroscope-url = https://u:p@h:4040/b/\npyroscope-app = a.b\nallow-exe = api-*\ndeny-exe = *-test\n'\
'allow-cgroup = /system.slice/*\ndeny-cgroup = */t/*\nallow-container = 3F4E\ndeny-container = ab\n'\
'pid = 10,20\nservice-label = env:SERVICE_NAME\nservice-label = cgroup:/([^/]+)\\\\.service$\n'\
'service-label = container\nscan-interval = 250ms\n'
	seed_text "$1" options '# c\nlisten = :1\0--allow-exe\0x*\0--profile-dir=none\0-vv\0--pid=3'
}

le64() { # value: its 8 bytes, little-endian
	local i
	for i in 0 1 2 3 4 5 6 7; do
		# shellcheck disable=SC2059
		printf "\\x$(printf %02x $((($1 >> (8 * i)) & 255)))"
	done
}

seed_functions() { # corpus dir: x86-64 machine code of real functions (fuzz_retsites: machine, vaddr, code)
	local f fn sym addr size text toff
	for f in build/tests/go/*/gcload.default build/tests/go/*/cgowait.external; do
		[ -e "$f" ] || continue
		# the address and file offset of .text ("[ 3]" and "[13]" split into fields differently)
		read -r text toff < <(readelf -SW "$f" |
			awk '{ for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 2), $(i + 3) }')
		for fn in runtime.gcStart runtime.casgstatus runtime.mallocgc runtime.memmove main.main crosscall2; do
			# awk reads nm to the end: exiting early would fail the pipe (pipefail)
			sym=$(nm -S "$f" | awk -v fn="$fn" '$4 == fn && ($3 == "T" || $3 == "t") && !found++ { print $1, $2 }')
			[ -n "$sym" ] || continue
			read -r addr size <<<"$sym"
			{
				printf '\0'
				le64 $((16#$addr))
				dd if="$f" iflag=skip_bytes,count_bytes skip=$((16#$addr - 16#$text + 16#$toff)) \
					count=$((16#$size)) status=none
			} >"$1/$(echo "$f" | tr / _)-$fn"
		done
	done
	# arm64: stp x29, x30, [sp, #-16]!; mov x29, sp; ldp x29, x30, [sp], #16; ret
	seed_text "$1" arm64-frame '\001\000\020\100\000\000\000\000\000'\
'\375\173\277\251\375\003\000\221\375\173\301\250\300\003\137\326'
}

seed_maps() { # corpus dir: /proc/PID/maps of Go fixtures while they run (static, PIE, external-linked with libc)
	local f pid
	for f in build/tests/go/*/idle.default build/tests/go/*/idle.pie build/tests/go/*/idle.external; do
		[ -x "$f" ] || continue
		taskset -c 0 nice -n 19 "$f" >/dev/null 2>&1 &
		pid=$!
		sleep 0.3
		cp -f "/proc/$pid/maps" "$1/$(echo "$f" | tr / _).maps" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

seed() {
	local target=$1 corpus=$out/corpus_$1
	mkdir -p "$corpus"
	case "$target" in
	pclntab) GOTRACE_FUZZ_SEEDS="$corpus" build/tests/unit/gobin/test_pclntab synthetic >/dev/null; seed_binaries "$corpus" ;;
	buildinfo) GOTRACE_FUZZ_SEEDS="$corpus" build/tests/unit/gobin/test_buildinfo pointer_layout >/dev/null
		seed_binaries "$corpus" ;;
	dwarf_offsets) seed_dwarf "$corpus" ;;
	cgroup) find tests/unit/data/cgroup -type f -size -8k -exec cp -f {} "$corpus/" \;
		seed_text "$corpus" kube-path '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod'\
'6e7c1d2a_4b3f_4c5d_9e8f_0a1b2c3d4e5f.slice/cri-containerd-0123456789abcdef0123456789abcdef.scope'
		seed_text "$corpus" kube-log 'api-0_shop_server-0123456789abcdef0123456789abcdef0123456789abcdef'\
'0123456789abcdef.log\00123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' ;;
	daemon_config) seed_daemon "$corpus" ;;
	target_rules) seed_text "$corpus" facts '\0api-server (deleted)\0/system.slice/x.scope\0ab3f4e\0S=1\0A=b\0'
		seed_text "$corpus" rules 'service-label = env:A\ndeny-exe = x*\n\0x\0/a/b\0ab\0A=../../etc\0' ;;
	report_ndjson) ;;	# tests/fuzz/seeds/report_ndjson: a recorded `gotrace -j` trace of gcload
	retsites) seed_functions "$corpus" ;;
	# the target writes its own seeds out of the fixtures it loads (a failure shows in the run that follows)
	go_globals | symbolizer) GOTRACE_FUZZ_SEEDS="$corpus" "$out/fuzz_$target" -runs=0 -artifact_prefix="$out/" \
		>/dev/null 2>&1 || true ;;
	proc_maps) seed_maps "$corpus"; cp -f /proc/self/maps "$corpus/cp.maps" ;;
	prom) seed_text "$corpus" families '\0gotrace_x\0\0help\\\\ \n\0\005gotrace_x\0a\0v\0"\\\\\n\0000-1.5\0'
		seed_text "$corpus" histogram '\040h_seconds\0\0h\0\002h_seconds\0abcdef\00000.5\0\006h_seconds\0le\0x\0' ;;
	esac
	if [ -d "tests/fuzz/seeds/$target" ]; then
		cp -f "tests/fuzz/seeds/$target"/* "$corpus/"
	fi
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(pclntab buildinfo dwarf_offsets cgroup daemon_config target_rules prom
	report_ndjson retsites go_globals proc_maps symbolizer)
tests/build-go.sh >/dev/null
failed=0
for t in "${targets[@]}"; do
	[ -n "${sources[$t]:-}" ] || { echo "fuzz: unknown target $t" >&2; exit 2; }
	echo "== fuzz_$t: ${seconds}s"
	# shellcheck disable=SC2086
	clang "${cflags[@]}" "tests/fuzz/fuzz_$t.c" ${sources[$t]} ${libs[$t]} -o "$out/fuzz_$t"
	seed "$t"
	# shellcheck disable=SC2086
	if ! (cd "$out" && "./fuzz_$t" ${options[$t]} -max_total_time="$seconds" -print_final_stats=1 \
		"corpus_$t" 2>"fuzz_$t.log"); then
		echo "fuzz_$t: CRASH, see $out/fuzz_$t.log and $out/crash-*" >&2
		failed=1
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/fuzz_$t.log" | sed 's/^/   /'
done
exit $failed
