#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Upstream's AF_XDP conformance tool, xskxceiver, from Debian's 6.1 source
# (linux-source-6.1, which scripts/deps.sh installs for KUnit and checkpatch
# anyway: no download of its own), run on a sovnet pair.
#
#   scripts/xskxceiver.sh build        extract only the files it needs from
#                                      /usr/src/linux-source-6.1.tar.xz into
#                                      build/xskxceiver/src and build
#                                      build/xskxceiver/xskxceiver against the
#                                      system libbpf (upstream's code unchanged)
#   scripts/xskxceiver.sh run [TYPE]   in the VM, as root: a TYPE pair (sovnet,
#                                      default, or veth) set up as test_xsk.sh
#                                      sets up its veth pair (second end in a
#                                      netns, MTU 1500, no IPv6), then
#                                      xskxceiver -i END0 -i END1,NS; its TAP
#                                      output and a summary. Exit: xskxceiver's.
#   scripts/xskxceiver.sh check        in the VM: insmod $SOV_KO (default
#                                      kmod/sovereign.ko), run sovnet, run veth
#                                      (the reference), rmmod. Exit 0 only when
#                                      xskxceiver passed on sovnet.
#
# make check-xskxceiver builds it and runs both types in the VM. Not part of
# make check: with Debian's 6.1.192 the run stops at test 15 on any device,
# veth included. STAT_RX_DROPPED registers a UMEM with a frame headroom of
# 4096 - 256 - 3 * 60 = 3660 bytes; the stable backport of a315e022a72d ("xsk:
# tighten UMEM headroom validation ...", net/xdp/xdp_umem.c:199) caps it at
# 4096 - 256 - 320 - 128 = 3392, XDP_UMEM_REG fails with EINVAL, and
# thread_common_ops() ends the program (exit_with_error). The SKB-mode tests
# before it pass on both; DRV and ZC modes never run (57 tests are planned on
# sovnet, whose ZC bind xskxceiver detects, 38 on veth).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root" || exit 1
out=${BUILD:-build}/xskxceiver
src=$out/src
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
sel=tools/testing/selftests

build() {
	local top members f

	[ -n "$tarball" ] || {
		echo "xskxceiver: no /usr/src/linux-source-6.1.tar.* (scripts/deps.sh installs linux-source-6.1)" >&2
		return 1
	}
	if [ ! -f "$src/.extracted" ] || [ "$tarball" -nt "$src/.extracted" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		top=linux-source-6.1
		members=()
		for f in xskxceiver.c xskxceiver.h xsk.c xsk.h test_xsk.sh xsk_prereqs.sh; do
			members+=("$top/$sel/bpf/$f")
		done
		# the tools/ headers upstream builds it with (linux/list.h, asm/barrier.h ...)
		members+=("$top/$sel/kselftest.h" "$top/tools/include" "$top/tools/arch/x86/include")
		echo "xskxceiver: extracting ${#members[@]} paths from $tarball" >&2
		tar -xf "$tarball" -C "$src" --strip-components=1 "${members[@]}" || return 1
		touch "$src/.extracted"
	fi
	# upstream's flags (tools/testing/selftests/bpf/Makefile), the system libbpf
	for f in xsk xskxceiver; do
		${CC:-gcc} -g -O2 -Wall -Werror -I"$src/$sel/bpf" -I"$src/tools/include" \
			-I"$src/tools/arch/x86/include" -c "$src/$sel/bpf/$f.c" -o "$out/$f.o" || return 1
	done
	${CC:-gcc} -o "$out/xskxceiver" "$out/xsk.o" "$out/xskxceiver.o" -lbpf -lelf -lz -lpthread ||
		return 1
	echo "xskxceiver: built $out/xskxceiver" >&2
}

run() {
	local type=${1:-sovnet} ns=xskx$$ e0=xsk0 e1=xsk1 rc log hp
	local IP=/usr/sbin/ip

	[ -x "$out/xskxceiver" ] || { echo "xskxceiver: $out/xskxceiver missing (scripts/xskxceiver.sh build)" >&2; return 1; }
	export IP_LIB_DIR=$root/${BUILD:-build}/lib/ip
	log=$(mktemp /tmp/xskxceiver.XXXXXX)
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null
	# the same topology as test_xsk.sh's setup_vethPairs
	$IP netns add $ns || return 1
	# four queues as test_xsk.sh makes them (BPF_RES uses queue 1); one where the
	# device has only one (sovnet before multi-queue)
	if ! $IP link add $e0 numtxqueues 4 numrxqueues 4 type "$type" peer name $e1 \
		numtxqueues 4 numrxqueues 4 2>/dev/null; then
		echo "xskxceiver: $type refuses 4 queues: one queue pair (BPF_RES needs queue 1)"
		if ! $IP link add $e0 type "$type" peer name $e1; then
			$IP netns del $ns
			return 1
		fi
	fi
	sysctl -qw "net.ipv6.conf.$e0.disable_ipv6=1" "net.ipv6.conf.$e1.disable_ipv6=1"
	$IP link set $e1 netns $ns
	$IP netns exec $ns $IP link set $e1 mtu 1500
	$IP link set $e0 mtu 1500
	$IP netns exec $ns $IP link set $e1 up
	$IP netns exec $ns $IP link set dev lo up
	$IP link set $e0 up
	# the UNALIGNED tests want 2 MB huge pages (the run's environment, not its logic)
	hp=$(cat /proc/sys/vm/nr_hugepages)
	echo 16 >/proc/sys/vm/nr_hugepages
	echo "xskxceiver on $type: $e0 <-> $e1 (in $ns), $(cat /proc/sys/vm/nr_hugepages) huge pages"
	# line-buffered, so a hang shows where; a hang is a failure (exit 124)
	timeout -k 5 "${XSKX_TIMEOUT:-600}" stdbuf -oL -eL "$out/xskxceiver" -i $e0 -i "$e1,$ns" 2>&1 |
		tee "$log"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 124 ] && { echo "xskxceiver on $type: TIMEOUT after ${XSKX_TIMEOUT:-600} s"; dmesg | tail -n 20; }
	echo "$hp" >/proc/sys/vm/nr_hugepages
	$IP link del $e0 2>/dev/null
	$IP netns del $ns
	echo "xskxceiver on $type: exit $rc; $(grep -c '^ok ' "$log") ok (of which $(grep -c '^ok .*# SKIP' "$log") skipped), $(grep -c '^not ok ' "$log") not ok"
	grep '^not ok ' "$log" | sed "s/^/xskxceiver on $type: /"
	rm -f "$log"
	return "$rc"
}

check() {
	local ko=${SOV_KO:-kmod/sovereign.ko} d s v

	for d in $(modinfo -F depends "$ko" | tr ',' ' '); do
		modprobe "$d"
	done
	insmod "$ko" || { echo "xskxceiver: insmod $ko failed" >&2; return 1; }
	run sovnet
	s=$?
	modprobe veth
	run veth
	v=$?
	rmmod sovereign || echo "xskxceiver: rmmod sovereign failed" >&2
	echo "check-xskxceiver: sovnet exit $s, veth exit $v"
	[ $s = 0 ]
}

case ${1:-} in
build) build ;;
run) shift; run "$@" ;;
check) check ;;
*) sed -n '/^#   scripts/,/^# *$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
