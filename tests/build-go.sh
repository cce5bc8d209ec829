#!/usr/bin/env bash
# Build every Go program under tests/go with every Go toolchain on this machine, in the binary variants
# gotrace must read: default, stripped (-s -w), PIE, external linker, and static (cgo off).
# Output: build/tests/go/<goversion>/<program>.<variant>, and build/tests/go/manifest.tsv with one line per
# binary: goversion <TAB> go-command <TAB> program <TAB> variant <TAB> path. Up-to-date binaries are kept (a
# change to tests/golib, the protocol package the programs share, rebuilds them all).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/tests/go"
mkdir -p "$out"
export GOCACHE="$top/build/gocache" GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPATH="$top/build/gopath"

# Go releases the suite must cover beyond the toolchains installed on the machine: the go command fetches each
# from the Go module proxy into the machine's module cache (about 76 MB, once per machine) and runs it from there.
FETCHED_TOOLCHAINS=${GOTRACE_FETCHED_TOOLCHAINS:-go1.27.3}

# The go command of a fetched release, downloading it on first use. The default GOPATH (not the suite's own): the
# toolchain is kept across clones of the repository.
fetched_go() {
	local goroot
	goroot=$(env -u GOPATH GOTOOLCHAIN="$1" GOFLAGS= /usr/local/go/bin/go env GOROOT) || return 1
	[ -x "$goroot/bin/go" ] || return 1
	echo "$goroot/bin/go"
}

# Every toolchain present: Debian's versioned packages, the upstream tarball location, PATH, and the fetched ones.
toolchains() {
	local v
	{ ls -1 /usr/lib/go-*/bin/go /usr/local/go/bin/go 2>/dev/null; command -v go || true; } |
		while read -r go; do [ -x "$go" ] && readlink -f "$go"; done | sort -u
	for v in $FETCHED_TOOLCHAINS; do
		if ! fetched_go "$v"; then
			echo "build-go.sh: cannot obtain $v through the Go module proxy (GOTOOLCHAIN=$v)" >&2
			return 1
		fi
	done
}

variant_flags() {
	case "$1" in
	default) echo "" ;;
	stripped) echo "-ldflags=-s -w" ;;
	pie) echo "-buildmode=pie" ;;
	external) echo "-ldflags=-linkmode=external" ;;
	static) echo "" ;;
	esac
}

manifest="$out/manifest.tsv.tmp"
: >"$manifest"
declare -A seen
gos=$(toolchains)
for go in $gos; do
	ver=$("$go" env GOVERSION)
	[ -n "${seen[$ver]:-}" ] && continue
	seen[$ver]=1
	for prog_dir in "$top"/tests/go/*/; do
		prog=$(basename "$prog_dir")
		for variant in default stripped pie external static; do
			bin="$out/$ver/$prog.$variant"
			cgo=1
			[ "$variant" = static ] && cgo=0
			[ "$prog" = cgoapp ] && [ "$variant" = static ] && continue
			if [ ! -e "$bin" ] || [ -n "$(find "$prog_dir" "$top/tests/golib" -newer "$bin" \( -name '*.go' -o -name go.mod \) -print -quit)" ]; then
				flags=$(variant_flags "$variant")
				(cd "$prog_dir" && CGO_ENABLED=$cgo "$go" build ${flags:+"$flags"} -o "$bin" .)
			fi
			printf '%s\t%s\t%s\t%s\t%s\n' "$ver" "$go" "$prog" "$variant" "$bin" >>"$manifest"
		done
	done
done
mv "$manifest" "$out/manifest.tsv"
