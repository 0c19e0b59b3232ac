#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# netio's sovnet pair: made and deleted with ip link, carrier follows the
# peer, MTU, queue counts (1-8, equal on both ends, else a precise extack),
# AF_XDP zero-copy bind (refused on veth), 1000 frames byte-exact ZC->ZC both
# ways, copy->ZC and ZC->copy on queue 0 and on queue 3 of a 4-queue pair,
# with and without need_wakeup; ethtool -i/-l/-L/-k/-K/-S; skb traffic (TCP
# with TSO passed through whole, then segmented for an XDP program) and
# native XDP (PASS, TX) across a netns move; rmmod with zero-copy sockets
# bound and sending on two queues (must succeed, the application survives).
. "$(dirname "$0")/lib.sh"
require_module
require_cmd "$IP" busybox ethtool

X=$SOV_ROOT/build/tests/netio/xsk_probe
export IP_LIB_DIR=$SOV_ROOT/build/lib/ip	# link_sovnet.so: "type sovnet peer name X"
[ -x "$X" ] || ksft_fail "$X missing (make netio-work)"
[ -f "$IP_LIB_DIR/link_sovnet.so" ] || ksft_fail "$IP_LIB_DIR/link_sovnet.so missing (make netio-work)"
ko=${SOV_KO:-$SOV_ROOT/kmod/sovereign.ko}	# what run_all.sh loaded
ns=sovnio$$
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
on_exit "[ -d /sys/module/sovereign ] || insmod '$ko'"
on_exit "$IP link del sv0 2>/dev/null; $IP link del sq0 2>/dev/null; $IP link del ve0 2>/dev/null; $IP netns del $ns 2>/dev/null; true"

quiet() { grep -v '^libbpf: elf'; }
up() {
	local d

	for d in "$@"; do
		sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"	# ND frames would land in the sockets
		$IP link set "$d" up || ksft_fail "ip link set $d up failed"
	done
}
carrier() { cat "/sys/class/net/$1/carrier" 2>/dev/null || echo down; }

out=$("$SOVCTL" module show) || ksft_fail "sovctl module show failed: $out"
check_contains "$out" "netio (enabled)" "module show"

# --- the pair ---
$IP link add sv0 type sovnet peer name sv1 || ksft_fail "ip link add sv0 type sovnet peer name sv1 failed"
check_contains "$($IP -d link show sv1)" "sovnet" "ip -d link show sv1"
sysctl -qw net.ipv6.conf.sv0.disable_ipv6=1 net.ipv6.conf.sv1.disable_ipv6=1
$IP link set sv0 up
check_eq "$(carrier sv0)" 0 "sv0's carrier while sv1 is down"
$IP link set sv1 up
check_eq "$(carrier sv0)" 1 "sv0's carrier with both up"
check_eq "$(carrier sv1)" 1 "sv1's carrier with both up"
$IP link set sv1 down
check_eq "$(carrier sv0)" 0 "sv0's carrier after sv1 went down"
$IP link set sv1 up
check_eq "$(carrier sv0)" 1 "sv0's carrier after sv1 came back"
$IP link set sv0 mtu 2000 || ksft_fail "mtu 2000 refused"
check_eq "$(cat /sys/class/net/sv0/mtu)" 2000 "sv0's mtu"
$IP link set sv0 mtu 9000 2>/dev/null && ksft_fail "mtu 9000 accepted (max is 3000)"
$IP link set sv0 mtu 1500
# queue counts: 1 to 8 pairs, both ends alike; each refusal says why
refused() {	# refused WHAT EXTACK ARGS...: ip link add ARGS must fail with EXTACK
	local what=$1 want=$2 out
	shift 2
	out=$($IP link add "$@" 2>&1) && ksft_fail "$what was accepted"
	check_contains "$out" "$want" "the refusal of $what"
}
refused "9 queue pairs" "numtxqueues must be 1 to 8" \
	sv2 numtxqueues 9 numrxqueues 9 type sovnet peer name sv3
refused "a peer with 2 queues for 4" "the peer must have as many queue pairs as the device" \
	sv2 numtxqueues 4 numrxqueues 4 type sovnet peer name sv3 numtxqueues 2 numrxqueues 2
refused "4 TX queues with 1 RX queue" "numtxqueues and numrxqueues must be equal" \
	sv2 numtxqueues 4 type sovnet peer name sv3
$IP link add sv2 numtxqueues 8 numrxqueues 8 type sovnet peer name sv3 ||
	ksft_fail "a pair of 8 queue pairs was refused"
check_contains "$(ethtool -l sv3)" "Combined:	8" "ethtool -l of a peer that named no count"
$IP link del sv2
echo "pair sv0 <-> sv1: carrier follows the peer, mtu settable, queue counts checked"

# --- AF_XDP: zero-copy on sovnet, refused on veth ---
out=$("$X" bind sv0 zc 2>&1 | quiet)
echo "$out"
check_contains "$out" "XDP_OPTIONS: zerocopy=1" "ZC bind on sv0"
$IP link add ve0 type veth peer name ve1 || ksft_fail "veth"
up ve0 ve1
out=$("$X" bind ve0 zc 2>&1 | quiet)
echo "$out"
check_contains "$out" "bind ve0 zc queue 0: Operation not supported" "ZC bind on veth"
out=$("$X" bind ve0 copy 2>&1 | quiet)
check_contains "$out" "XDP_OPTIONS: zerocopy=0" "copy bind on veth"
$IP link del ve0

for m in "sv0 sv1 1000 zc zc" "sv1 sv0 1000 zc zc" "sv0 sv1 1000 copy zc" "sv0 sv1 1000 zc copy"; do
	# shellcheck disable=SC2086 # the words are the arguments
	out=$("$X" exact $m 2>&1 | quiet) || ksft_fail "exact $m: $out"
	echo "$out"
	check_contains "$out" "received 1000, byte-exact 1000, mismatched 0, out-of-order 0" "exact $m"
done

# --- skb traffic across a netns move, and back ---
$IP netns add $ns || ksft_fail "ip netns add"
$IP link set sv1 netns $ns || ksft_fail "moving sv1 to $ns failed"
$IP link show sv1 >/dev/null 2>&1 && ksft_fail "sv1 still in the initial netns"
$IP addr add 10.77.0.1/24 dev sv0
$IP -n $ns addr add 10.77.0.2/24 dev sv1
$IP -n $ns link set sv1 up
$IP -n $ns link set lo up
check_eq "$(carrier sv0)" 1 "sv0's carrier with sv1 in $ns"
out=$(busybox ping -c 3 -W 2 10.77.0.2 2>&1) || ksft_fail "ping across the netns: $out"
check_contains "$out" "3 packets received" "ping sv0 -> sv1 in $ns"
echo "skb path: ping sv0 -> sv1 (in $ns), 3 of 3"

# TCP, 4 MiB: received whole and intact; returns sv0's bytes per packet sent
PY=/usr/bin/python3
tcp_copy() {
	local what=$1 p0 b0 p1 b1 srv sum
	p0=$(cat /sys/class/net/sv0/statistics/tx_packets)
	b0=$(cat /sys/class/net/sv0/statistics/tx_bytes)
	$IP netns exec $ns $PY -c '
import hashlib, socket
s = socket.create_server(("10.77.0.2", 5001)); c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest())' >/tmp/netio_tcp.$$ 2>&1 &
	srv=$!
	sum=$($PY -c '
import hashlib, socket, time
d = bytes(range(256)) * 16384
for _ in range(100):  # until the server listens
    try:
        c = socket.create_connection(("10.77.0.2", 5001), timeout=20); break
    except ConnectionRefusedError:
        time.sleep(0.1)
c.sendall(d); c.close(); print(len(d), hashlib.sha256(d).hexdigest())') || ksft_fail "TCP $what: the sender failed"
	wait $srv
	check_eq "$(cat /tmp/netio_tcp.$$)" "$sum" "TCP $what: bytes and sha256 received"
	rm -f /tmp/netio_tcp.$$
	p1=$(cat /sys/class/net/sv0/statistics/tx_packets)
	b1=$(cat /sys/class/net/sv0/statistics/tx_bytes)
	echo $(((b1 - b0) / (p1 - p0)))
}
per=$(tcp_copy "with TSO") || exit 1
[ "$per" -gt 1514 ] || ksft_fail "TSO on: sv0 sent $per bytes per packet (GSO skbs should pass whole)"
ethtool -K sv0 tso off gso off || ksft_fail "ethtool -K sv0 tso off gso off"
check_contains "$(ethtool -k sv0)" "tcp-segmentation-offload: off" "ethtool -k after -K tso off"
per2=$(tcp_copy "without TSO") || exit 1
[ "$per2" -le 1514 ] || ksft_fail "TSO off: sv0 sent $per2 bytes per packet (more than a frame)"
ethtool -K sv0 tso on gso on
echo "TCP 4 MiB sv0 -> sv1 intact: $per bytes per skb with TSO, $per2 without"
# a program that passes everything: GSO skbs are segmented for it
out=$($IP -n $ns link set sv1 xdpdrv obj /usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o sec xdp 2>&1) ||
	ksft_fail "attaching xdp-filter's allow-all program to sv1 failed: $out"
per=$(tcp_copy "with TSO to an XDP program") || exit 1
$IP -n $ns link set sv1 xdpdrv off
echo "TCP 4 MiB to sv1 running XDP_PASS for all, intact ($per bytes per skb sent)"
# native XDP on sv1: bench_floor passes ICMP and ARP, bounces UDP (MACs swapped, XDP_TX)
$IP -n $ns link set sv1 xdpdrv obj "$SOV_ROOT/build/bpf/bench_floor.bpf.o" sec xdp ||
	ksft_fail "attaching an XDP program to sv1 (native) failed"
check_contains "$($IP -n $ns link show sv1)" "xdp" "sv1 with a native XDP program"
out=$(busybox ping -c 2 -W 2 10.77.0.2 2>&1) || ksft_fail "XDP_PASS: ping with the program on: $out"
rx0=$(cat /sys/class/net/sv0/statistics/rx_packets)
for _ in 1 2 3 4 5 6 7 8 9 10; do
	echo bounce >/dev/udp/10.77.0.2/9
done
sleep 0.5
rx1=$(cat /sys/class/net/sv0/statistics/rx_packets)
[ $((rx1 - rx0)) -ge 10 ] || ksft_fail "XDP_TX: sv0 received $((rx1 - rx0)) of the 10 bounced datagrams"
echo "native XDP on sv1: PASS (ping), TX (10 UDP datagrams back to sv0: $((rx1 - rx0)) frames)"
$IP -n $ns link set sv1 xdpdrv off
$IP -n $ns link set sv1 netns 1 || ksft_fail "moving sv1 back failed"
$IP netns del $ns
up sv1
$IP addr flush dev sv0
out=$("$X" exact sv0 sv1 200 zc zc 2>&1 | quiet) || ksft_fail "exact after the netns round trip: $out"
echo "$out"

# --- 4 queue pairs: queue q of one end reaches queue q of the other ---
$IP link add sq0 numtxqueues 4 numrxqueues 4 type sovnet peer name sq1 numtxqueues 4 numrxqueues 4 ||
	ksft_fail "a pair of 4 queue pairs was refused"
up sq0 sq1
for q in 0 3; do
	for w in "" -W; do
		for m in "sq0 sq1 1000 zc zc" "sq1 sq0 1000 zc zc" "sq0 sq1 1000 copy zc" "sq0 sq1 1000 zc copy"; do
			# shellcheck disable=SC2086 # the words are the arguments
			out=$("$X" -q $q $w exact $m 2>&1 | quiet) || ksft_fail "exact -q $q $w $m: $out"
			echo "$out"
			check_contains "$out" "queue $q" "exact -q $q $w $m"
			check_contains "$out" "received 1000, byte-exact 1000, mismatched 0, out-of-order 0" "exact -q $q $w $m"
		done
	done
done
out=$("$X" -q 4 bind sq0 zc 2>&1 | quiet)
check_contains "$out" "bind sq0 zc queue 4: Invalid argument" "a bind on queue 4 of 4"
# ethtool: -S counts per queue (each direction ran 1000 ZC frames x 4 on queues 0 and 3 of sq1)
st=$(ethtool -S sq1) || ksft_fail "ethtool -S sq1"
for q in 0 3; do
	check_contains "$st" "rxq${q}_packets: 6000" "sq1's rxq${q}_packets (ZC->ZC, copy->ZC, ZC->copy x2 wakeup modes)"
	check_contains "$st" "rxq${q}_xsk: 4000" "sq1's rxq${q}_xsk (the zero-copy receipts)"
	check_contains "$st" "txq${q}_xsk: 2000" "sq1's txq${q}_xsk"
done
check_contains "$st" "rxq1_packets: 0" "sq1's rxq1_packets"
check_contains "$st" "rx_packets: 12000" "sq1's total rx_packets"
check_contains "$st" "tx_invalid: 0" "sq1's total tx_invalid"
check_contains "$(ethtool -i sq0)" "driver: sovnet" "ethtool -i sq0"
check_contains "$(ethtool -i sq0)" "version: $(modinfo -F version "$ko")" "ethtool -i sq0's version"
ethtool -L sq0 combined 2 || ksft_fail "ethtool -L sq0 combined 2"
check_contains "$(ethtool -l sq1)" "Combined:	2" "sq1's queue count after -L on sq0 (both ends move)"
check_eq "$(ethtool -S sq0 | grep -c '^ *[rt]xq[0-9]*_packets:')" 4 "per-queue packet counters of sq0 with 2 queues"
out=$("$X" -q 3 bind sq1 zc 2>&1 | quiet)
check_contains "$out" "Invalid argument" "a bind on queue 3 with 2 queue pairs"
ethtool -L sq0 combined 9 2>/dev/null && ksft_fail "ethtool -L sq0 combined 9 accepted (made with 4)"
ethtool -L sq0 combined 4 || ksft_fail "ethtool -L sq0 combined 4"
out=$("$X" -q 3 exact sq1 sq0 300 zc zc 2>&1 | quiet) || ksft_fail "exact on queue 3 after -L 2, -L 4: $out"
echo "4 queue pairs: exact on queues 0 and 3, need_wakeup on and off; ethtool -i/-l/-L/-S"

# --- deleting one end deletes both ---
$IP link del sv1 || ksft_fail "ip link del sv1"
$IP link show sv0 >/dev/null 2>&1 && ksft_fail "sv0 survived the deletion of sv1"
$IP link add sv0 type sovnet peer name sv1 || ksft_fail "re-creating the pair"
up sv0 sv1

# --- rmmod with zero-copy sockets bound and sending, on queues 0 and 3 ---
bound() { dmesg | grep -c 'XSK pool bound'; }
n0=$(bound)
"$X" bench sv0 sv1 60 zc zc 64 >/tmp/netio_bench.$$ 2>&1 &
b=$!
"$X" -q 3 bench sq0 sq1 60 zc zc 64 >/tmp/netio_bench3.$$ 2>&1 &
b3=$!
for i in $(seq 100); do	# the four sockets bound, then some traffic
	[ "$(bound)" -ge $((n0 + 4)) ] && break
	sleep 0.1
done
[ "$i" -lt 100 ] || ksft_fail "the four sockets were not bound within 10 s"
sleep 0.5
kill -0 $b && kill -0 $b3 || ksft_fail "the traffic ended before rmmod (too slow a machine?)"
rmmod sovereign || ksft_fail "rmmod with ZC sockets bound failed"
sleep 0.5	# the applications go on with unbound sockets, then stop cleanly
kill -INT $b $b3
wait $b
rc=$?
wait $b3
rc3=$?
quiet </tmp/netio_bench.$$
quiet </tmp/netio_bench3.$$
rm -f /tmp/netio_bench.$$ /tmp/netio_bench3.$$
check_eq "$rc" 0 "the application's exit status after rmmod (queue 0)"
check_eq "$rc3" 0 "the application's exit status after rmmod (queue 3 of 4)"
for d in sv0 sv1 sq0 sq1; do
	$IP link show $d >/dev/null 2>&1 && ksft_fail "$d left after rmmod"
done
dmesg | grep -E 'XSK pool (un)?bound' | tail -n 8
insmod "$ko" || ksft_fail "insmod after rmmod"
ksft_pass "sovnet pair, zero-copy both ways on 1 and 4 queue pairs, offloads, ethtool, netns move, rmmod with sockets bound"
