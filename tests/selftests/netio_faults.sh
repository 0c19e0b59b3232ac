#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# netio faults, on a pair of 4 queue pairs with zero-copy sockets bound and
# sending: malformed TX descriptors (refused, counted, completed; the valid
# frames after them byte-exact), a receiving socket bound and unbound 10
# times while the peer sends, both links down and up, MTU changes (refused
# when the bound pool's frames are too small), XDP program swaps, ethtool -L
# (refused while a pool is bound). After each, 1000 frames must still arrive
# byte-exact; run_all.sh checks for leaks, warnings and taint afterwards.
. "$(dirname "$0")/lib.sh"
require_module
require_cmd "$IP" ethtool

X=$SOV_ROOT/build/tests/netio/xsk_probe
export IP_LIB_DIR=$SOV_ROOT/build/lib/ip
[ -x "$X" ] || ksft_fail "$X missing (make netio-work)"
[ -f "$IP_LIB_DIR/link_sovnet.so" ] || ksft_fail "$IP_LIB_DIR/link_sovnet.so missing (make netio-work)"
on_exit "$IP link del sf0 2>/dev/null; true"

quiet() { grep -v '^libbpf: elf'; }
stat() { ethtool -S "$1" | sed -n "s/^ *$2: //p"; }	# stat DEV NAME
exact() {	# exact [OPTS] TX RX: 1000 frames, byte-exact, ZC both ends
	local out
	out=$("$X" "$@" 1000 zc zc 2>&1 | quiet) || ksft_fail "exact $* failed: $out"
	check_contains "$out" "received 1000, byte-exact 1000, mismatched 0, out-of-order 0" "exact $*"
}
bound() { dmesg | grep -c 'sf[01]: XSK pool bound'; }
bench_bg() {	# bench_bg [OPTS] TX RX: ZC traffic in the background (60 s at most), pid in $bg
	local n0 i
	n0=$(bound)
	"$X" "$@" 60 zc zc 64 >/tmp/netio_faults_bench.$$ 2>&1 &
	bg=$!
	for i in $(seq 100); do	# both sockets bound, then some traffic
		[ "$(bound)" -ge $((n0 + 2)) ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || ksft_fail "the background traffic's sockets were not bound within 10 s"
	sleep 0.5
}
bench_wait() {	# the background traffic ran through the checks; stopped, it exits cleanly
	local rc
	kill -0 "$bg" 2>/dev/null ||
		ksft_fail "the traffic ended before the checks of $1 did: $(cat /tmp/netio_faults_bench.$$)"
	kill -INT "$bg"
	wait "$bg"
	rc=$?
	quiet </tmp/netio_faults_bench.$$
	rm -f /tmp/netio_faults_bench.$$
	check_eq "$rc" 0 "the background traffic's exit status ($1)"
}

$IP link add sf0 numtxqueues 4 numrxqueues 4 type sovnet peer name sf1 ||
	ksft_fail "ip link add sf0 (4 queue pairs) failed"
for d in sf0 sf1; do
	sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
	$IP link set $d up
done

# --- malformed TX descriptors, zero-copy and copy-mode senders ---
for q in 0 3; do
	inv0=$(stat sf0 "txq${q}_invalid")
	out=$("$X" -q $q bad sf0 sf1 zc zc 2>&1 | quiet) || ksft_fail "bad descriptors on queue $q: $out"
	echo "$out"
	check_contains "$out" "bad: 3 to the driver, completed 3; 3 for the core, tx_invalid_descs 3; received 0" \
		"bad descriptors on queue $q"
	check_contains "$out" "received 100, byte-exact 100, mismatched 0" "the valid frames after them"
	check_eq "$(stat sf0 "txq${q}_invalid")" $((inv0 + 3)) "sf0's txq${q}_invalid"
done
# copy mode: the core builds skbs; those shorter than a header die in our xmit,
# the one longer than the MTU in the peer's MTU check: all completed
drops0=$(stat sf1 rxq1_drops)
out=$("$X" -q 1 bad sf0 sf1 copy zc 2>&1 | quiet) || ksft_fail "bad descriptors, copy mode: $out"
echo "$out"
check_contains "$out" "bad: 3 to the driver, completed 3; 3 for the core, tx_invalid_descs 3; received 0" \
	"bad descriptors from a copy-mode socket"
check_eq "$(stat sf0 txq1_invalid)" 2 "sf0's txq1_invalid (copy mode: len 0 and 10)"
check_eq "$(stat sf1 rxq1_drops)" $((drops0 + 1)) "sf1's rxq1_drops (copy mode: the frame over the MTU)"
echo "malformed descriptors: refused, counted, completed; valid frames after them exact"

# --- a receiving socket bound and unbound while the peer sends into its queue ---
"$X" -q 2 txonly sf0 8 zc 64 >/tmp/netio_faults_tx.$$ 2>&1 &
tx=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	out=$("$X" -q 2 bind sf1 zc 2>&1 | quiet) || ksft_fail "bind $i on sf1 queue 2 under traffic: $out"
done
wait $tx || ksft_fail "the sender on sf0 queue 2 failed: $(cat /tmp/netio_faults_tx.$$)"
out=$(quiet </tmp/netio_faults_tx.$$)
rm -f /tmp/netio_faults_tx.$$
echo "$out"
check_contains "$out" "tx outstanding 0" "the sender's completions after the rebinds"
exact -q 2 exact sf0 sf1
echo "unbind/rebind of a ZC socket x10 while the peer sent: exact afterwards"

# --- both links down and up under traffic ---
bench_bg -q 1 bench sf0 sf1
$IP link set sf1 down; sleep 0.3; $IP link set sf1 up
$IP link set sf0 down; sleep 0.3; $IP link set sf0 up
bench_wait "link down/up"
exact -q 1 exact sf0 sf1
echo "link down/up with sockets bound and sending: exact afterwards"

# --- MTU: a bound pool of 2 KiB frames (1792 bytes after headroom) ---
bench_bg -f 2048 bench sf0 sf1
$IP link set sf1 mtu 2000 2>/dev/null && ksft_fail "mtu 2000 on sf1 accepted with 2 KiB frames bound"
check_contains "$(dmesg | tail -n 5)" "mtu 2000 does not fit the XSK pool bound on queue 0" "the refusal's message"
$IP link set sf1 mtu 1700 || ksft_fail "mtu 1700 on sf1 refused with 2 KiB frames bound"
$IP link set sf0 mtu 1700 || ksft_fail "mtu 1700 on sf0 refused"
bench_wait "mtu changes"
out=$("$X" -f 2048 bind sf0 zc 2>&1 | quiet)
check_contains "$out" "XDP_OPTIONS: zerocopy=1" "a bind of 2 KiB frames at mtu 1700"
$IP link set sf0 mtu 1800
out=$("$X" -f 2048 bind sf0 zc 2>&1 | quiet)
check_contains "$out" "Invalid argument" "a bind of 2 KiB frames at mtu 1800"
$IP link set sf0 mtu 1500; $IP link set sf1 mtu 1500
exact -f 2048 exact sf0 sf1
echo "mtu: refused while it does not fit the bound frames, applied when it does; bind checked too"

# --- XDP program swap with a ZC socket bound on the receiver ---
bench_bg -q 3 bench sf0 sf1
$IP -force link set sf1 xdpdrv obj "$SOV_ROOT/build/bpf/bench_floor.bpf.o" sec xdp ||
	ksft_fail "replacing sf1's program under traffic failed"
sleep 0.3
$IP link set sf1 xdpdrv off || ksft_fail "removing sf1's program under traffic failed"
bench_wait "program swap"
exact -q 3 exact sf0 sf1
echo "XDP program replaced and removed under ZC traffic: exact afterwards"

# --- ethtool -L with pools bound ---
bench_bg -q 0 bench sf0 sf1
ethtool -L sf0 combined 2 2>/dev/null && ksft_fail "ethtool -L sf0 accepted with a pool bound"
check_contains "$(dmesg | tail -n 3)" "an XSK pool is bound on sf" "the refusal's message (sf0)"
ethtool -L sf1 combined 2 2>/dev/null && ksft_fail "ethtool -L sf1 accepted with a pool bound on it"
bench_wait "ethtool -L"
ethtool -L sf1 combined 2 || ksft_fail "ethtool -L sf1 combined 2 with no pool bound"
exact -q 1 exact sf0 sf1
ethtool -L sf0 combined 4 || ksft_fail "ethtool -L sf0 combined 4"
exact -q 3 exact sf1 sf0
echo "ethtool -L: refused while a pool is bound, applied to both ends when none is"

$IP link del sf0
ksft_pass "malformed descriptors, rebind, link down/up, mtu, program swap, set_channels under traffic"
