# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The load balancer's test world, sourced by tests/selftests/lb_encap.sh and
# the `make run` tour (a library, not a test: run_all.sh runs only *.sh).
#
#   ns sovlb-cli            balancer: ns sovlb-lb,       ns sovlb-be1..3
#   10.0.0.10               or the root ns (LB_NS=)      10.1.0.1..3, VIP on lo,
#      |                    10.0.0.1 lb0 [XDP sov_lb]    tunl0 decapsulates IPIP
#      |   ns sovlb-sw (router, ip_forward)                    |
#      +--- br0 10.0.0.254 ---+                 br1 10.1.0.254 ---+
#
# Needs: IP (full path to ip), VIP, LB_TMP (a private directory), LB_NS
# (netns name of the balancer, empty for the caller's own). Sets LB_GW_MAC.
# lb_world_up returns non-zero with a message on stderr; lb_world_down undoes
# everything (call it from a trap).

lb_x() { local n=$1; shift; "$IP" netns exec "sovlb-$n" "$@"; }
lb_on() { if [ -n "$LB_NS" ]; then "$IP" netns exec "$LB_NS" "$@"; else "$@"; fi; }

# Every step may fail (already gone): callers run under set -e.
lb_world_down() {
	local n
	for n in sw cli be1 be2 be3 ${LB_NS:+lb}; do
		"$IP" netns pids "sovlb-$n" 2>/dev/null | xargs -r kill 2>/dev/null || true
	done
	sleep 0.3
	for n in sw cli be1 be2 be3 ${LB_NS:+lb}; do "$IP" netns del "sovlb-$n" 2>/dev/null || true; done
	[ -n "$LB_NS" ] || "$IP" link del lb0 2>/dev/null || true
	umount "$LB_TMP/bpf" 2>/dev/null || true
	[ "${LB_HAD_IPIP:-1}" = 1 ] || modprobe -r ipip 2>/dev/null || true
}

lb_plug() {	# lb_plug NS IFNAME BRIDGE ADDR  (NS "" = the balancer's)
	local ns=${1:-lb}
	if [ -z "$1" ] && [ -z "$LB_NS" ]; then
		"$IP" link add "$2" type veth peer name "sw-$ns" netns sovlb-sw || return 1
	else
		"$IP" link add "$2" netns "sovlb-$ns" type veth peer name "sw-$ns" netns sovlb-sw ||
			return 1
	fi
	lb_x sw "$IP" link set "sw-$ns" master "$3" up
	if [ -z "$1" ]; then
		lb_on "$IP" addr add "$4" dev "$2"
		lb_on "$IP" link set "$2" up
	else
		lb_x "$1" "$IP" addr add "$4" dev "$2"
		lb_x "$1" "$IP" link set "$2" up
		lb_x "$1" "$IP" link set lo up
	fi
}

lb_world_up() {
	local n i k here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	# ipip.ko makes a tunl0 in every netns: unload it again if we loaded it
	LB_HAD_IPIP=$([ -d /sys/module/ipip ] && echo 1 || echo 0)
	modprobe ipip 2>/dev/null
	for n in sw cli be1 be2 be3 ${LB_NS:+lb}; do
		"$IP" netns add "sovlb-$n" || { echo "ip netns add sovlb-$n failed" >&2; return 1; }
	done
	lb_x sw "$IP" link add br0 type bridge
	lb_x sw "$IP" link add br1 type bridge
	lb_x sw "$IP" addr add 10.0.0.254/24 dev br0
	lb_x sw "$IP" addr add 10.1.0.254/24 dev br1
	lb_x sw "$IP" link set br0 up
	lb_x sw "$IP" link set br1 up
	lb_x sw sysctl -qw net.ipv4.ip_forward=1
	lb_plug cli cli0 br0 10.0.0.10/24 || return 1
	lb_plug "" lb0 br0 10.0.0.1/24 || return 1
	lb_x cli "$IP" route add "$VIP/32" via 10.0.0.1
	# veth leaves TCP checksums to "hardware" that XDP_TX never reaches:
	# finish them in software, as a real NIC's receive path would have them
	lb_x cli ethtool -K cli0 tx off >/dev/null
	# health checks reach the backends through the router
	lb_on "$IP" route add 10.1.0.0/24 via 10.0.0.254
	for i in 1 2 3; do
		lb_plug "be$i" "be${i}0" br1 "10.1.0.$i/24" || return 1
		lb_x "be$i" "$IP" route add default via 10.1.0.254
		lb_x "be$i" "$IP" addr add "$VIP/32" dev lo
		lb_x "be$i" "$IP" link set tunl0 up ||
			{ echo "no IPIP in this kernel (needs ipip.ko)" >&2; return 4; }
		for k in all default tunl0 "be${i}0"; do
			lb_x "be$i" sysctl -qw "net.ipv4.conf.$k.rp_filter=0"
		done
		lb_x "be$i" /usr/bin/python3 "$here/lb_backend.py" "be$i" 80 &
	done
	# native XDP_TX on a veth needs XDP on the peer too: a pass-through
	# program (pinned on a bpffs of our own: ip netns exec remounts /sys)
	mkdir -p "$LB_TMP/bpf"
	mount -t bpf bpf "$LB_TMP/bpf" || { echo "cannot mount bpffs" >&2; return 1; }
	bpftool prog loadall "$here/../../build/bpf/floor.bpf.o" "$LB_TMP/bpf/floor" ||
		{ echo "cannot load the floor program" >&2; return 1; }
	lb_x sw bpftool net attach xdp pinned "$LB_TMP/bpf/floor/sov_floor" dev sw-lb ||
		{ echo "cannot attach the peer's XDP program" >&2; return 1; }
	# shellcheck disable=SC2034 # for the caller
	LB_GW_MAC=$(lb_x sw cat /sys/class/net/br0/address)
}
