#!/usr/bin/env bash
# Install the Debian packages gotrace's build, tests and demo need.
# Idempotent and quiet when everything is already there; prints what it installs otherwise.
set -euo pipefail

# Packages: build (clang/llvm for BPF, bpftool for skeletons, libbpf/libelf/libdw/zlib to link),
# tests (Go toolchains for the target programs, strace as an independent syscall counter).
PACKAGES=(
	clang llvm make pkg-config gcc
	libbpf-dev libelf-dev libdw-dev zlib1g-dev libcapstone-dev
	bpftool
	golang-1.19-go
	strace
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
