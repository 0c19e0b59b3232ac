#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package Sovereign needs, then iproute2's headers for the
# tc plugin (scripts/iproute2-src.sh, from Debian's source package, cached per
# machine). Idempotent; silent when all is present.
#   scripts/deps.sh           install what is missing
#   scripts/deps.sh --check   exit 1 (and list them) if anything is missing, install nothing
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

PKGS=(
	# build
	build-essential make pkg-config bc flex bison libelf-dev libssl-dev dwarves kmod cpio xz-utils
	python3 python3-yaml perl git
	# dpkg-source: unpacks iproute2's source package for the tc plugin's headers
	dpkg-dev
	# the 6.1 kernel: headers for out-of-tree builds, image + modules for the VM, source for UML/KUnit
	linux-headers-amd64 linux-image-amd64 linux-source-6.1
	# BPF
	clang llvm libbpf-dev bpftool libxdp-dev
	# <sys/sdt.h>: lib/trace's USDT probes (sovereign:span_end), which bpf/trace_usdt.bpf.c attaches to
	systemtap-sdt-dev
	# userspace libraries
	libmnl-dev libuv1-dev libjson-c-dev libcmocka-dev zlib1g-dev
	# trace export: the OTLP/HTTP client (libcurl); the check of its output with
	# OpenTelemetry's own protobuf code runs on Node.js (tests/otel, scripts/otel-deps.sh)
	libcurl4-openssl-dev nodejs
	# VM and the tools used inside it
	qemu-system-x86 busybox-static iproute2 util-linux procps ethtool curl
	# memcompress: I/O with verification in the selftests, the benchmark's load
	fio e2fsprogs
	# profile: user-space symbolization (libdwfl), the benchmark's anchor (perf record)
	libdw-dev linux-perf
	# lint
	sparse shellcheck
	# make bench-raft compares with etcd 3.4 (Debian enables etcd.service on
	# install; the benchmark runs its own members on free ports)
	etcd-server
)

want=()
for p in "${PKGS[@]}"; do
	[[ $p == \#* ]] || want+=("$p")
done
# one dpkg-query for all: this runs before every make verb
installed() {
	dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" 2>/dev/null |
		awk '$2 == "installed" { print $1 }'
}
mapfile -t have < <(installed "${want[@]}")
missing=()
for p in "${want[@]}"; do
	[[ " ${have[*]} " == *" $p "* ]] || missing+=("$p")
done

# npm comes with NodeSource's nodejs, as a package of its own with Debian's
command -v npm >/dev/null 2>&1 || [[ " ${missing[*]} " == *" nodejs "* ]] || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
	# the tc plugin's headers: one file test when they are there
	if [ "${1:-}" = --check ]; then
		exec "$here/iproute2-src.sh" --check
	fi
	"$here/iproute2-src.sh" >/dev/null
	exit 0
fi

if [ "${1:-}" = --check ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	"$here/iproute2-src.sh" --check 2>/dev/null || echo "deps: iproute2's headers are missing too" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run 'sudo scripts/deps.sh' to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/sovereign-deps.XXXXXX)
if ! apt-get update -q >"$log" 2>&1; then
	echo "deps: 'apt-get update' failed; see $log" >&2
	exit 1
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
	echo "deps: could not install: ${missing[*]}" >&2
	grep -E '^(E:|Unable|Package .* has no installation)' "$log" >&2 || tail -n 5 "$log" >&2
	echo "deps: full log in $log" >&2
	exit 1
fi
mapfile -t have < <(installed "${missing[@]}")
for p in "${missing[@]}"; do
	if [[ " ${have[*]} " != *" $p "* ]]; then
		echo "deps: package '$p' did not install; see $log" >&2
		exit 1
	fi
done
# Debian's own nodejs (not NodeSource's) leaves npm out
if ! command -v npm >/dev/null 2>&1 &&
	! apt-get install -y -q --no-install-recommends npm >>"$log" 2>&1; then
	echo "deps: could not install npm; see $log" >&2
	exit 1
fi
rm -f "$log"
"$here/iproute2-src.sh" >/dev/null
echo "deps: done" >&2
