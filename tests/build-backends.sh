#!/usr/bin/env bash
# Builds the real back ends the integration tests send to, from the Go module proxy at pinned versions:
#   build/backends/otelcol/otelcol-gotrace  an OpenTelemetry Collector (OTLP receiver, file exporter), made by the
#                                          collector builder from tests/backends/otelcol/manifest.yaml
#   build/backends/parca                    Parca, from tests/backends/parca/go.mod and go.sum
# A binary already built from the same inputs is kept. Parca takes several minutes on two CPUs the first time.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/backends"
BUILDER_VERSION=v0.161.0	# the release of every component in the manifest
mkdir -p "$out"
export GOCACHE="$top/build/gocache" GOPATH="$top/build/gopath" GOTOOLCHAIN=local PATH="/usr/local/go/bin:$PATH"

# Whether $1 exists and is newer than every input after it.
fresh() {
	local target=$1 f
	shift
	[ -x "$target" ] || return 1
	for f in "$@"; do [ "$f" -nt "$target" ] && return 1; done
	return 0
}

collector() {
	local manifest="$top/tests/backends/otelcol/manifest.yaml"
	fresh "$out/otelcol/otelcol-gotrace" "$manifest" "$0" && return 0
	GOBIN="$out/bin" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
	(cd "$out" && "$out/bin/builder" --config "$manifest" > "$out/otelcol-build.log" 2>&1) ||
		{ tail -20 "$out/otelcol-build.log" >&2; return 1; }
}

parca() {
	local mod="$top/tests/backends/parca"
	fresh "$out/parca" "$mod/go.mod" "$mod/go.sum" "$0" && return 0
	(cd "$mod" && GOFLAGS=-mod=readonly go build -o "$out/parca.tmp" github.com/parca-dev/parca/cmd/parca)
	mv "$out/parca.tmp" "$out/parca"
}

collector || { echo "build-backends.sh: building the OpenTelemetry Collector failed" >&2; exit 1; }
parca || { echo "build-backends.sh: building Parca failed" >&2; exit 1; }
