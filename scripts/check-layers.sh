#!/usr/bin/env bash
# Checks that every #include in user/ respects the layering in README.md's Layout table: a layer includes only
# itself and the layers below it (and bpf/ shared headers where its row says so). Prints each violation;
# exit 1 when there is one. Run by `make test` (tests/run unit).
set -euo pipefail
cd "$(dirname "$0")/.."

# layer: what it may include besides itself
declare -A allowed=(
	[lib]=""
	[sys]="lib"
	[gobin]="lib sys"
	[tracer]="lib sys gobin bpf"
	[caps]="lib sys gobin tracer bpf"
	[profile]="lib sys gobin tracer caps bpf"
	[daemon]="lib sys gobin tracer caps profile bpf"
	[report]="lib sys profile"
	[cmd]="lib sys gobin tracer caps profile daemon report bpf"
)
bad=0
for f in user/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	[ -n "${allowed[$layer]+x}" ] || { echo "$f: layer '$layer' is not in the layering table"; bad=1; continue; }
	while read -r inc; do
		dep=${inc%%/*}
		[ "$dep" = "$inc" ] && continue		# a skeleton (gc.skel.h) or a file of the same folder
		[ "$dep" = "$layer" ] && continue
		case " ${allowed[$layer]} " in *" $dep "*) continue ;; esac
		echo "$f: includes $inc: $layer may include only ${allowed[$layer]:-nothing outside itself}"
		bad=1
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
exit $bad
