#!/usr/bin/env bash
# `make fuzz`: build every libFuzzer target in tests/fuzz (clang, ASan + UBSan), seed it from real inputs (the Go
# fixture binaries, their DWARF, recorded cgroup files, the unit tests' synthetic tables) and run each for
# FUZZ_SECONDS (default 60). Corpora and crash artifacts stay in build/fuzz/. Exit 1 on any crash.
# Usage: scripts/fuzz.sh [target...]    (targets: pclntab buildinfo dwarf_offsets cgroup daemon_config
#                                         target_rules prom)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/fuzz
seconds=${FUZZ_SECONDS:-60}
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE -iquote user -iquote .)
mkdir -p "$out"

# target: sources beyond tests/fuzz/fuzz_<target>.c, libraries, libFuzzer options
daemon_config_sources="user/daemon/daemon_config.c user/daemon/pyroscope.c user/lib/cli.c user/lib/duration.c
	user/lib/http_server.c user/lib/log.c user/lib/json.c user/lib/utf8.c"
declare -A sources=(
	[pclntab]="user/gobin/pclntab.c user/gobin/elf_file.c"
	[buildinfo]="user/gobin/buildinfo.c user/gobin/pclntab.c user/gobin/elf_file.c"
	[dwarf_offsets]="user/gobin/go_offsets.c"
	[cgroup]="user/sys/cgroup.c"
	[daemon_config]="$daemon_config_sources"
	[target_rules]="user/daemon/target_rules.c $daemon_config_sources"
	[prom]="user/lib/prom.c user/lib/utf8.c user/lib/hist.c"
)
daemon_config_libs="-lcurl -lmicrohttpd -lbpf -lm"
declare -A libs=([pclntab]="-lelf" [buildinfo]="-lelf" [dwarf_offsets]="-ldw -lelf" [cgroup]=""
	[daemon_config]="$daemon_config_libs" [target_rules]="$daemon_config_libs" [prom]="-lm")
declare -A options=(
	[pclntab]="-max_len=3000000 -rss_limit_mb=4096"
	[buildinfo]="-max_len=3000000 -rss_limit_mb=4096"
	[dwarf_offsets]="-max_len=1048576"
	[cgroup]="-max_len=8192"
	[daemon_config]="-max_len=8192"
	[target_rules]="-max_len=8192"
	[prom]="-max_len=8192"
)

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

seed() {
	local target=$1 corpus=$out/corpus_$1
	mkdir -p "$corpus"
	case "$target" in
	pclntab) GOTRACE_FUZZ_SEEDS="$corpus" build/tests/unit/gobin/test_pclntab synthetic >/dev/null; seed_binaries "$corpus" ;;
	buildinfo) GOTRACE_FUZZ_SEEDS="$corpus" build/tests/unit/gobin/test_buildinfo pointer_layout >/dev/null
		seed_binaries "$corpus" ;;
	dwarf_offsets) seed_dwarf "$corpus" ;;
	cgroup) find tests/unit/data/cgroup -type f -size -8k -exec cp -f {} "$corpus/" \; ;;
	daemon_config) seed_daemon "$corpus" ;;
	target_rules) seed_text "$corpus" facts '\0api-server (deleted)\0/system.slice/x.scope\0ab3f4e\0S=1\0A=b\0'
		seed_text "$corpus" rules 'service-label = env:A\ndeny-exe = x*\n\0x\0/a/b\0ab\0A=../../etc\0' ;;
	prom) seed_text "$corpus" families '\0gotrace_x\0\0help\\\\ \n\0\005gotrace_x\0a\0v\0"\\\\\n\0000-1.5\0'
		seed_text "$corpus" histogram '\040h_seconds\0\0h\0\002h_seconds\0abcdef\00000.5\0\006h_seconds\0le\0x\0' ;;
	esac
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(pclntab buildinfo dwarf_offsets cgroup daemon_config target_rules prom)
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
