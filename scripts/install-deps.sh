#!/usr/bin/env bash
# Install the Debian packages gotrace's build, tests and demo need.
# Idempotent and quiet when everything is already there; prints what it installs otherwise.
set -euo pipefail

# Build: clang/llvm for BPF objects, bpftool for skeletons, libbpf/libelf/libdw/zlib/capstone to link.
# Tests: Go toolchains for the target programs; strace, libbpf-tools (runqlat) and wrk as independent tools and
# load; chromium for the SVG and HTML report checks; nodejs to check the report page's script (node --check);
# python3-pytest for the integration tests; libclang-rt for the sanitizer and fuzzer builds; binutils for
# strip/objdump in the binary-reader tests; prometheus as a Go binary nobody here built (stripped, Debian's Go
# 1.19) for the binary-reader tests: installed, never started.
PACKAGES=(
	clang llvm make pkg-config gcc binutils gzip
	libbpf-dev libelf-dev libdw-dev zlib1g-dev libcapstone-dev
	bpftool
	golang-1.19-go
	strace libbpf-tools wrk curl linux-perf
	libmicrohttpd-dev libcurl4-openssl-dev libjson-c-dev
	python3 python3-pytest python3-pip python3-yaml
	libclang-rt-14-dev
	chromium nodejs
	prometheus
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done

# Tests: the Kubernetes API schemas, offline (deploy/kubernetes), for the interpreter tests/run uses, pinned.
K8S_VALIDATE=kubernetes-validate==1.37.0
python_packages() {
	local python=python3
	"$python" -m pytest --version >/dev/null 2>&1 || python=/usr/bin/python3
	"$python" -c 'import kubernetes_validate' 2>/dev/null && return 0
	echo "install-deps: installing $K8S_VALIDATE for $python" >&2
	"$python" -m pip install -q "$K8S_VALIDATE" 2>/dev/null ||
		"$python" -m pip install -q --break-system-packages "$K8S_VALIDATE"
}

if [ ${#missing[@]} -eq 0 ]; then
	python_packages
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Packaged services (prometheus) must not start: policy-rc.d exit 101 tells invoke-rc.d so, for this install only.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	own_policy=1
fi
trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
python_packages
echo "install-deps: done" >&2
