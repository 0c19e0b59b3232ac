#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# netio's sovnet pair: made and deleted with ip link, carrier follows the
# peer, MTU, AF_XDP zero-copy bind (refused on veth), 1000 frames byte-exact
# ZC->ZC both ways, copy->ZC and ZC->copy, skb traffic and native XDP (PASS,
# TX) across a netns move, and rmmod with a zero-copy socket bound and
# sending (must succeed: the sockets are unbound, the application survives).
. "$(dirname "$0")/lib.sh"
require_module
require_cmd "$IP" busybox

X=$SOV_ROOT/build/tests/netio/xsk_probe
export IP_LIB_DIR=$SOV_ROOT/build/lib/ip	# link_sovnet.so: "type sovnet peer name X"
[ -x "$X" ] || ksft_fail "$X missing (make netio-work)"
[ -f "$IP_LIB_DIR/link_sovnet.so" ] || ksft_fail "$IP_LIB_DIR/link_sovnet.so missing (make netio-work)"
ko=$SOV_ROOT/kmod/sovereign.ko
ns=sovnio$$
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
on_exit "[ -d /sys/module/sovereign ] || insmod '$ko'"
on_exit "$IP link del sv0 2>/dev/null; $IP link del ve0 2>/dev/null; $IP netns del $ns 2>/dev/null; true"

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
$IP link add sv2 type sovnet peer name sv3 numtxqueues 4 2>/dev/null &&
	ksft_fail "a peer with 4 TX queues was accepted (one queue pair for now)"
echo "pair sv0 <-> sv1: carrier follows the peer, mtu settable"

# --- AF_XDP: zero-copy on sovnet, refused on veth ---
out=$("$X" bind sv0 zc 2>&1 | quiet)
echo "$out"
check_contains "$out" "XDP_OPTIONS: zerocopy=1" "ZC bind on sv0"
$IP link add ve0 type veth peer name ve1 || ksft_fail "veth"
up ve0 ve1
out=$("$X" bind ve0 zc 2>&1 | quiet)
echo "$out"
check_contains "$out" "bind ve0 zc: Operation not supported" "ZC bind on veth"
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

# --- deleting one end deletes both ---
$IP link del sv1 || ksft_fail "ip link del sv1"
$IP link show sv0 >/dev/null 2>&1 && ksft_fail "sv0 survived the deletion of sv1"
$IP link add sv0 type sovnet peer name sv1 || ksft_fail "re-creating the pair"
up sv0 sv1

# --- rmmod with a zero-copy socket bound and sending ---
"$X" bench sv0 sv1 4 zc zc 64 >/tmp/netio_bench.$$ 2>&1 &
b=$!
sleep 2
rmmod sovereign || ksft_fail "rmmod with ZC sockets bound failed"
wait $b
rc=$?
quiet </tmp/netio_bench.$$
rm -f /tmp/netio_bench.$$
check_eq "$rc" 0 "the application's exit status after rmmod"
$IP link show sv0 >/dev/null 2>&1 && ksft_fail "sv0 left after rmmod"
$IP link show sv1 >/dev/null 2>&1 && ksft_fail "sv1 left after rmmod"
dmesg | grep -E 'XSK pool (un)?bound' | tail -n 4
insmod "$ko" || ksft_fail "insmod after rmmod"
ksft_pass "sovnet pair, zero-copy both ways, netns move, rmmod with sockets bound"
