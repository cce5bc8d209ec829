#!/usr/bin/env bash
# Reading a large Go binary: open it and list every function with its address, gotrace's pclntab reader
# (listfuncs.c, built here) against Go's own nm tool (what `go tool nm` runs) on the same file. Wall time is the
# best of RUNS runs (ns clock around each run), peak RSS comes from /usr/bin/time -v of that run.
# Usage: bench/binread/run.sh [BINARY...]; default: the go command and the compiler (unstripped, Go 1.26) and
# /usr/bin/prometheus (Debian package, stripped, Go 1.19). Rewrites bench/binread/README.md with the figures.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build/bench/binread"
go=${GO:-/usr/local/go/bin/go}
runs=${RUNS:-5}
mkdir -p "$out"
export GOTOOLCHAIN=local GOCACHE="${GOCACHE:-$top/build/gocache}"
nm=$("$go" tool -n nm)	# Go 1.24+ builds nm on demand into the cache: time the tool itself, and `go tool nm`
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -iquote "$top/user" "$top/bench/binread/listfuncs.c" "$top/user/gobin/pclntab.c" \
	"$top/user/gobin/elf_file.c" $(pkg-config --libs libelf) -o "$out/listfuncs"

# best_of CMD...: "<wall ms> <peak RSS KiB>" of the fastest run; stdout of the last run in $out/stdout.
best_of() {
	local best_ms="" best_rss="" i start end ms rss
	for i in $(seq "$runs"); do
		start=$(date +%s%N)
		if ! /usr/bin/time -v -o "$out/time" "$@" >"$out/stdout" 2>/dev/null; then
			echo "failed failed"
			return
		fi
		end=$(date +%s%N)
		ms=$(( (end - start) / 1000000 ))
		rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time")
		if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then
			best_ms=$ms best_rss=$rss
		fi
	done
	echo "$best_ms $best_rss"
}

row() {
	local bin=$1 size funcs nm_funcs ours theirs via_go lookups
	size=$(( $(stat -c %s "$bin") / 1048576 ))
	ours=$(best_of "$out/listfuncs" "$bin")
	funcs=$(wc -l <"$out/stdout")
	via_go=$(best_of "$go" tool nm "$bin")
	theirs=$(best_of "$nm" "$bin")
	nm_funcs=$(awk '$2 == "T" || $2 == "t"' "$out/stdout" | wc -l)
	if [ "${theirs%% *}" = failed ]; then
		nm_funcs="no symbols" theirs="- -" via_go="- -"
	fi
	lookups=$("$out/listfuncs" -n -m "$bin" 2>&1 >/dev/null | tr '\n' ' ' | sed 's/  */ /g')
	echo "| $(basename "$bin") | $size MiB | $funcs | ${ours% *} ms | ${ours#* } KiB | $nm_funcs |" \
		"${theirs% *} ms | ${theirs#* } KiB | ${via_go% *} ms | ${via_go#* } KiB |"
	echo "$(basename "$bin"): $lookups" >>"$out/lookups"
}

bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$(readlink -f "$go")" "$("$go" env GOTOOLDIR)/compile" /usr/bin/prometheus)
: >"$out/lookups"
table=$(for b in "${bins[@]}"; do [ -r "$b" ] && row "$b"; done)

cat >"$top/bench/binread/README.md" <<MD
# bench/binread: listing every function of a large Go binary

\`bench/binread/run.sh\` builds \`listfuncs\` (pclntab_open, then pclntab_func_at_index for every function, printed
as "address name") and runs it and Go's own nm on the same files: the nm tool binary (which \`go tool nm\` builds
into the build cache and runs), and \`go tool nm\` itself (the go command starting the tool).
Wall time: best of $runs runs; peak RSS: /usr/bin/time -v of that run. nm needs a symbol table, so it has nothing to
say about stripped binaries; listfuncs reads the pclntab, which stripping keeps.

Command: \`bench/binread/run.sh${*:+ $*}\`. Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) (a shared VM:
other jobs were running).

| binary | size | functions (pclntab) | listfuncs wall | listfuncs peak RSS | nm: T/t symbols | nm wall | nm peak RSS | go tool nm wall | go tool nm peak RSS |
|---|---|---|---|---|---|---|---|---|---|
$table

Lookup by name (\`listfuncs -n -m\`: every function looked up by its name; the first lookup builds the sorted index,
4 bytes per function) and the process's memory at exit (RssFile = pages of the mapped binary, RssAnon = heap):

\`\`\`
$(cat "$out/lookups")
\`\`\`

Peak RSS of listfuncs is mostly the mapped file's pages it touched (the pclntab and section headers); the heap
holds the reader's fixed state plus the optional name index.
MD
cat "$top/bench/binread/README.md"
