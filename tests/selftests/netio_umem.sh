#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# netio: shared UMEM and need_wakeup on a sovnet pair. 6.1's xsk_bind() lets a
# socket share another's UMEM on another device or queue when it brings its
# own fill and completion rings (a second pool on the same UMEM, ZC and
# need_wakeup inherited from the owner); on the same device and queue it
# shares the owner's pool and rings. Here: a zero-copy socket on sv0 queue 0
# owns the UMEM, one on sv1 queue 0 shares it; each sends N frames to the
# other, byte-exact, in order, every TX completed in order, with need_wakeup
# on (kick only when xsk_ring_prod__needs_wakeup says so) and off (kick
# always; the driver must leave the flags as the core set them), each with
# 1024 fill buffers and with 16 (fewer than a TX burst of 64: the fill ring
# runs dry, the sender is held back and must be woken by the receiver's
# refill). A stall (30 s) fails. Then the shared binds 6.1 refuses.
# Env: NETIO_UMEM_N (frames each way, default 20000).
. "$(dirname "$0")/lib.sh"
require_module
require_cmd "$IP"

C=$SOV_ROOT/build/tests/netio/xsk_conform
export IP_LIB_DIR=$SOV_ROOT/build/lib/ip
[ -x "$C" ] || ksft_fail "$C missing (make netio-work)"
[ -f "$IP_LIB_DIR/link_sovnet.so" ] || ksft_fail "$IP_LIB_DIR/link_sovnet.so missing (make netio-work)"
N=${NETIO_UMEM_N:-20000}
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
on_exit "$IP link del sv0 2>/dev/null; true"

quiet() { grep -v '^libbpf: elf'; }

$IP link add sv0 type sovnet peer name sv1 || ksft_fail "ip link add sv0 type sovnet peer name sv1"
for d in sv0 sv1; do
	sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"	# ND frames would land in the sockets
	$IP link set "$d" up || ksft_fail "ip link set $d up"
done

for run in "wakeup 1024" "nowakeup 1024" "wakeup 16" "nowakeup 16"; do
	read -r w fill <<<"$run"
	miss0=$(($(cat /sys/class/net/sv0/statistics/rx_missed_errors) +
		$(cat /sys/class/net/sv1/statistics/rx_missed_errors)))
	out=$("$C" shared sv0 sv1 "$N" "$w" "$fill" 2>&1)
	rc=$?
	miss=$(($(cat /sys/class/net/sv0/statistics/rx_missed_errors) +
		$(cat /sys/class/net/sv1/statistics/rx_missed_errors) - miss0))
	out=$(echo "$out" | quiet)
	echo "$out"
	[ $rc = 0 ] || ksft_fail "shared UMEM, need_wakeup $w, $fill fill buffers: exit $rc"
	w="$w, fill $fill"
	check_contains "$out" "sv0 zerocopy=1, sv1 zerocopy=1" "both sockets zero-copy ($w)"
	check_contains "$out" "shared a->b: received $N of $N, byte-exact $N, duplicates 0, out-of-order 0" \
		"sv0 -> sv1 ($w)"
	check_contains "$out" "shared b->a: received $N of $N, byte-exact $N, duplicates 0, out-of-order 0" \
		"sv1 -> sv0 ($w)"
	# a dry fill ring is met (rx_missed_errors: the peer held its TX back)
	echo "held back for an empty fill ring: $miss times"
	[ "$fill" = 16 ] && [ "$miss" = 0 ] && ksft_fail "the fill ring never ran dry with $fill buffers ($w)"
done

out=$("$C" shared-bad sv0 sv1 2>&1)
rc=$?
out=$(echo "$out" | quiet)
echo "$out"
[ $rc = 0 ] || ksft_fail "a shared bind was not refused as 6.1 refuses it"
ksft_pass "shared UMEM sv0/sv1 zero-copy, $N frames each way, need_wakeup on and off, fill ring full and dry; bad shared binds refused"
