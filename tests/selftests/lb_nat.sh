#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP load balancer end to end, nat mode: real TCP connections (and a UDP
# datagram) from a client to a VIP, destination-NATed by sov_lb (native XDP
# on a veth) to three backends on another port, whose replies come back
# through the balancer and leave it from the VIP again. Distribution, port
# translation, UDP and ICMP errors, connect latency, health-check failover,
# backend resets.
#
#   ns sovnat-cli         ns sovnat-lb, one-armed          ns sovnat-be1..3
#   10.0.0.10             10.0.0.1 [XDP sov_lb on lb0]     10.1.0.1..3
#   VIP/32 via 10.0.0.1   default via 10.0.0.254           :8080/tcp, :5353/udp
#      |                     |                             default via 10.1.0.254
#      |     ns sovnat-sw (router, ip_forward)                 |
#      +--- br0 10.0.0.254 --+                 br1 10.1.0.254 -+
#           rule: iif br1 from 10.1.0.0/24 -> table 100: default via 10.0.0.1
#
#   in:  client:c -> VIP:80 reaches lb0; sov_lb rewrites it to client:c ->
#        10.1.0.N:8080 and sends it back out of lb0 to br0's MAC; the router
#        forwards it to the backend.
#   out: the backend answers 10.1.0.N:8080 -> client:c by its default route;
#        the router's policy route sends everything from the backend subnet
#        to the balancer; sov_lb finds the lb_nat_rev mapping, rewrites the
#        source to VIP:80 and sends it to br0's MAC again; the router
#        forwards it to the client. (The health checks' replies to 10.0.0.1
#        take the same way and pass the program untranslated.)
#
#   services (all mode nat): VIP:80/tcp -> be1..3:8080, health tcp;
#   VIP:53/udp -> be1..3:5353; VIP:54/udp -> be2:5354 and VIP:81/tcp ->
#   be3:8081, where nothing listens (ICMP port unreachable, TCP RST).
. "$(dirname "$0")/lib.sh"
require_cmd curl /usr/bin/python3 bpftool ethtool timeout nsenter
VIP=10.0.0.100
NS="sovnat-sw sovnat-cli sovnat-lb sovnat-be1 sovnat-be2 sovnat-be3"
tmp=$(mktemp -d /tmp/sovnat.XXXXXX)
ctl=$tmp/ctl
on_exit "for n in $NS; do $IP netns pids \$n 2>/dev/null | xargs -r kill 2>/dev/null; done; sleep 0.3; for n in $NS; do $IP netns del \$n 2>/dev/null; done; umount $tmp/bpf 2>/dev/null; rm -rf $tmp"

for n in $NS; do echo "netns add $n"; done | $IP -b - || ksft_fail "ip netns add failed"
x() { local n=$1; shift; $IP netns exec "sovnat-$n" "$@"; }
# The servers first: a cold python start under TCG takes seconds, which the
# rest of the set-up can use. (Not through x(): $! must be the server, and
# ip netns exec execs it.)
for i in 1 2 3; do
	$IP netns exec "sovnat-be$i" /usr/bin/python3 "$(dirname "$0")/lb_nat_backend.py" "be$i" 8080 5353 &
	server[i]=$!
done
# the client that finds a 5-tuple going to the victim (below), once told to
victim=be1
x cli /usr/bin/python3 "$(dirname "$0")/lb_nat_client.py" $VIP 80 $victim "$tmp" 2>"$tmp/client.log" &
client=$!

# ip -b: one process for many commands (each costs ~50 ms under TCG)
{
	echo "link add cli0 netns sovnat-cli type veth peer name sw-cli netns sovnat-sw"
	echo "link add lb0 netns sovnat-lb type veth peer name sw-lb netns sovnat-sw"
	for i in 1 2 3; do
		echo "link add be${i}0 netns sovnat-be$i type veth peer name sw-be$i netns sovnat-sw"
	done
} | $IP -b - || ksft_fail "cannot create the veths"
# the router; its policy route sends everything from the backend subnet
# through the balancer
$IP -n sovnat-sw -b - <<EOF || ksft_fail "cannot set up the router"
link add br0 type bridge
link add br1 type bridge
address add 10.0.0.254/24 dev br0
address add 10.1.0.254/24 dev br1
link set br0 up
link set br1 up
link set sw-cli master br0 up
link set sw-lb master br0 up
link set sw-be1 master br1 up
link set sw-be2 master br1 up
link set sw-be3 master br1 up
rule add iif br1 from 10.1.0.0/24 lookup 100 pref 100
route add default via 10.0.0.1 dev br0 table 100
EOF
# The translated replies come in on br0 and leave by br0 to the client: no
# reason to tell their "sender", the VIP, of a shortcut.
x sw sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.br0.send_redirects=0 || ksft_fail "router sysctls"
endpoint() {	# endpoint NS IFNAME ADDR ROUTE...
	printf '%s\n' "address add $3 dev $2" "link set $2 up" "link set lo up" "route add ${*:4}" |
		$IP -n "sovnat-$1" -b - || ksft_fail "cannot set up $1"
}
endpoint cli cli0 10.0.0.10/24 $VIP/32 via 10.0.0.1
endpoint lb lb0 10.0.0.1/24 default via 10.0.0.254	# health checks reach the backends
for i in 1 2 3; do endpoint "be$i" "be${i}0" "10.1.0.$i/24" default via 10.1.0.254; done
# veth leaves TCP/UDP checksums to "hardware" that XDP_TX never reaches:
# finish them in software wherever packets start that sov_lb forwards, i.e.
# on the client and, in nat mode, on the backends (the router forwards their
# packets in the checksum state they were sent in).
x cli ethtool -K cli0 tx off >/dev/null || ksft_fail "ethtool cli0"
for i in 1 2 3; do x "be$i" ethtool -K "be${i}0" tx off >/dev/null || ksft_fail "ethtool be${i}0"; done
# native XDP_TX on a veth needs XDP on the peer too: a pass-through program.
# (ip netns exec remounts /sys, so pin on a bpffs of our own.)
mkdir -p "$tmp/bpf"
mount -t bpf bpf "$tmp/bpf" || ksft_fail "cannot mount bpffs"
bpftool prog loadall "$SOV_ROOT/build/bpf/floor.bpf.o" "$tmp/bpf/floor" ||
	ksft_fail "cannot load the floor program"
x sw bpftool net attach xdp pinned "$tmp/bpf/floor/sov_floor" dev sw-lb ||
	ksft_fail "cannot attach the peer's XDP program"

$IP netns exec sovnat-lb "$SOVEREIGND" -s "$ctl" -l debug >"$tmp/daemon.log" 2>&1 &
daemon=$!
pins=/proc/$daemon/root/sys/fs/bpf/sovereign/lb	# on the bpffs it mounts for itself
for _ in $(seq 50); do [ -S "$ctl" ] && break; sleep 0.2; done
[ -S "$ctl" ] || ksft_fail "sovereignd did not start: $(cat "$tmp/daemon.log")"
# sovctl in the daemon's mount namespace, where its maps are pinned
lb() { nsenter -m -r -w -t "$daemon" "$SOVCTL" -s "$ctl" lb "$@"; }
lbj() { nsenter -m -r -w -t "$daemon" "$SOVCTL" -j -s "$ctl" lb "$@"; }

gw=$(x sw cat /sys/class/net/br0/address)
lb service add $VIP:80/tcp mode nat health tcp interval 1 timeout 500 rise 1 fall 2 ||
	ksft_fail "service add failed"
for i in 1 2 3; do lb backend add $VIP:80/tcp "10.1.0.$i:8080" || ksft_fail "backend add $i"; done
# UDP to the same backends' echo port
lb service add $VIP:53/udp mode nat health none || ksft_fail "udp service add failed"
for i in 1 2 3; do lb backend add $VIP:53/udp "10.1.0.$i:5353" || ksft_fail "udp backend add $i"; done
# and to a port where nothing listens: the backend's ICMP port unreachable
lb service add $VIP:54/udp mode nat health none || ksft_fail "udp service :54 add failed"
lb backend add $VIP:54/udp 10.1.0.2:5354 || ksft_fail "backend add 10.1.0.2:5354"
# a backend that resets every connection: nothing listens on its port, and
# without a health check it stays in
lb service add $VIP:81/tcp mode nat health none || ksft_fail "service :81 add failed"
lb backend add $VIP:81/tcp 10.1.0.3:8081 || ksft_fail "backend add 10.1.0.3:8081"
lb attach dev lb0 via "$gw" || ksft_fail "attach failed: $(tail -5 "$tmp/daemon.log")"

# bef ADDR PORT KEY: a backend's field in `sovctl -j lb metrics`. Backends are
# flat objects, and ADDR:PORT is unique across this test's services.
bef() {
	lbj metrics | grep -o "{\"address\": *\"$1\", *\"port\": *$2[,}][^}]*" |
		grep -o "\"$3\": *[^,}]*" | sed 's/^[^:]*: *//; s/"//g'
}
ups() { lbj health | grep -o '"health": *"up"' | wc -l; }
# reasons: lb_stats (why the program did what it did) summed over the CPUs,
# "NAME packets" per line, non-zero ones only.
reasons() {
	bpftool -j map dump pinned "$pins/lb_stats" |
		/usr/bin/python3 -c '
import json, sys
names = ("FORWARDED NOT_SERVICE NOT_IP MALFORMED FRAG_DROP FRAG_PASS NO_BACKEND "
         "ICMP_FORWARDED ICMP_PASS CONN_FULL ENCAP_FAIL NAT_IN NAT_OUT NAT_NO_MAPPING "
         "NAT_TTL NAT_FAIL NAT_ICMP_OUT NAT_REV_FULL CUSTOM_MISSING CUSTOM_BAD").split()
for e in json.load(sys.stdin):
    k = e["formatted"]["key"]
    n = sum(v["value"]["packets"] for v in e["formatted"]["values"])
    if n:
        print(names[k] if k < len(names) else k, n)'
}

# health checks bring the backends in
up_by=$((SECONDS + 30))	# a cold python start under TCG takes seconds
until [ "$(ups)" -eq 3 ]; do
	[ $SECONDS -lt $up_by ] || ksft_fail "backends not up after 30 s: $(lb health)"
	sleep 0.2
done
echo "[${SECONDS}s] backends up"
lb health

diag() {
	echo "--- diagnostics"
	lb metrics
	reasons
	bpftool map dump pinned "$pins/lb_nat_rev" | head -40
	x lb $IP -s link show lb0
	x sw $IP -s link show sw-lb
	x sw $IP -s link show sw-be1
	tail -20 "$tmp/daemon.log"
}

# one request, and what each end saw of it: the backend was reached on its
# own port (8080, not 80) from the client's address (no source NAT); the
# client's connection was to the VIP:80 all along
who=$(x cli curl -s --max-time 2 -w 'remote=%{remote_ip}:%{remote_port}' "http://$VIP/who") ||
	{ diag; ksft_fail "the first request through the balancer failed"; }
who=${who//$'\n'/ }
echo "[${SECONDS}s] first request: $who"
case $who in
be[123]" local=10.1.0."[123]":8080 peer=10.0.0.10 remote=$VIP:80") ;;
*) ksft_fail "first request: expected 'beN local=10.1.0.N:8080 peer=10.0.0.10 remote=$VIP:80', got '$who'" ;;
esac
check_eq "${who:2:1}" "${who:17:1}" "backend name vs the address it was reached on"

ask() { x cli curl -s --max-time 2 "http://$VIP/id"; }
count() {	# count N: N requests (one netns entry for all), tally per backend into $tmp/tally
	x cli bash -c 'for _ in $(seq "$1"); do curl -s --max-time 2 "http://$2/id" || echo fail; done' \
		- "$1" $VIP >"$tmp/tally"
}
tally() { sort "$tmp/tally" | uniq -c | xargs; }
count 30
echo "[${SECONDS}s] 30 requests: $(tally)"
grep -q fail "$tmp/tally" && { diag; ksft_fail "requests failed through the balancer: $(tally)"; }
for i in 1 2 3; do
	grep -q "be$i" "$tmp/tally" || ksft_fail "maglev never chose be$i in 30 flows"
done
echo "${who%% *}" >>"$tmp/tally"	# the first request's backend served one more

# UDP: a datagram to VIP:53 is answered from VIP:53 (bash's /dev/udp socket
# is connected, so it takes nothing from any other address). A lost datagram
# is UDP's to retry: up to 3 tries, each on a new socket.
for try in 1 2 3; do
	u=$(x cli timeout 3 bash -c "exec 3<>/dev/udp/$VIP/53 && printf ping >&3 && dd bs=512 count=1 status=none <&3") && break
done
echo "[${SECONDS}s] udp: '$u' after $try tries"
case $u in be[123]) ;; *) diag; ksft_fail "no UDP answer from $VIP:53 (got '$u')" ;; esac
# The ICMP error about a datagram to VIP:54 comes back from the VIP, quoting
# the datagram as the client sent it, or the client's socket would not hear
# of it: then its read fails with "Connection refused" rather than timing out.
u=$(x cli timeout 3 bash -c "exec 3<>/dev/udp/$VIP/54 && printf ping >&3 && dd bs=512 count=1 status=none <&3" 2>&1)
echo "[${SECONDS}s] udp to $VIP:54: '$u'"
case $u in
*"Connection refused"*) ;;
*) diag; ksft_fail "the backend's port unreachable did not reach the client as one from $VIP:54 (got '$u')" ;;
esac
check_eq "$(bef 10.1.0.2 5354 unreachable)" 1 "unreachables counted for 10.1.0.2:5354"

# connect latency: every connection's SYN -> SYN-ACK through the balancer is
# one sample for its backend
lb metrics
for i in 1 2 3; do
	served=$(grep -c "be$i" "$tmp/tally")
	n=$(bef 10.1.0.$i 8080 latency_samples)
	p50=$(bef 10.1.0.$i 8080 latency_p50_ns)
	echo "be$i: served $served, latency samples $n, p50 ${p50}ns"
	check_eq "$n" "$served" "be$i's latency samples (one per connection it accepted)"
	[ "${p50:-0}" -gt 0 ] || ksft_fail "be$i: latency p50 is '${p50}', expected > 0"
done

# A backend whose server stops: connecting to its port gets a RST from it,
# translated back to the client (a refused connection) and counted in its
# resets, until the health check takes it out. To hit that window for sure,
# the client finds a source port whose 5-tuple goes to the victim (leaving no
# TIME_WAIT anywhere), and once the server is gone connects from it again:
# while the victim is still up, that must be refused.
touch "$tmp/find"
wait $client || ksft_fail "the client found no source port for $victim: $(cat "$tmp/client.log")"
port=$(cat "$tmp/port")
check_eq "$(bef 10.1.0.1 8080 resets)" 0 "$victim's resets before its server stopped"
kill "${server[1]}"
killed_at=$SECONDS
wait "${server[1]}" 2>/dev/null	# gone, and its listener with it
pinned=$(x cli curl -s --max-time 2 --local-port "$port" "http://$VIP/id")
rc=$?
health=$(bef 10.1.0.1 8080 health)
echo "[${SECONDS}s] source port $port goes to $victim; from it after the stop: exit $rc '$pinned' ($victim $health)"
refused=0
case $rc/$pinned in
7/) refused=1 ;;
0/be[23]) [ "$health" = down ] ||
	ksft_fail "the victim's 5-tuple went to $pinned while $victim was still up" ;;
*) ksft_fail "connecting from the victim's 5-tuple: exit $rc '$pinned'" ;;
esac
# new connections meanwhile: refused by the victim or answered by another
answered=0
until [ "$health" = down ]; do
	[ $((SECONDS - killed_at)) -le 5 ] || ksft_fail "the health check did not take $victim out within 5 s: $(lb health)"
	ask >/dev/null
	case $? in
	0) answered=$((answered + 1)) ;;
	7) refused=$((refused + 1)) ;;
	*) ksft_fail "a request failed otherwise than by a refusal while $victim went down" ;;
	esac
	health=$(bef 10.1.0.1 8080 health)
done
echo "[${SECONDS}s] $victim down after $((SECONDS - killed_at)) s; $refused connections refused (by $victim), $answered answered meanwhile"
grep "10.1.0.1 .* is down" "$tmp/daemon.log" | tail -n 1
# each refusal was one connection reset by the victim, counted once
check_eq "$(bef 10.1.0.1 8080 resets)" "$refused" "$victim's resets (connections it refused while up)"
# the error rate: resets and unreachables per new flow, in parts per million
flows=$(bef 10.1.0.1 8080 new_flows)
errs=$(( $(bef 10.1.0.1 8080 resets) + $(bef 10.1.0.1 8080 unreachable) ))
check_eq "$(bef 10.1.0.1 8080 error_rate_ppm)" "$(( flows ? (errs >= flows ? 1000000 : errs * 1000000 / flows) : 0 ))" \
	"$victim's error rate ($errs errors in $flows new flows)"

# new connections avoid it, the victim's own 5-tuple too (its connection
# table entry names a backend that is down: picked anew)
pinned=$(x cli curl -s --max-time 2 --local-port "$port" "http://$VIP/id") ||
	ksft_fail "the victim's 5-tuple failed after the failover"
case $pinned in be[23]) ;; *) ksft_fail "the victim's 5-tuple went to '$pinned' after the failover" ;; esac
count 12
echo "[${SECONDS}s] from port $port after the failover: $pinned; 12 more requests: $(tally)"
grep -q fail "$tmp/tally" && ksft_fail "requests failed after the failover"
grep -q "$victim" "$tmp/tally" && ksft_fail "a new connection went to the dead $victim"

# resets, deterministically: every connection to VIP:81 is refused by
# 10.1.0.3:8081 and counted once; the backend's RST also closes the flow
for i in 1 2 3; do
	x cli curl -s --max-time 2 "http://$VIP:81/" >/dev/null
	rc=$?
	[ $rc = 7 ] || { diag; ksft_fail "connection $i to $VIP:81: expected refused (curl exit 7), got exit $rc"; }
done
check_eq "$(bef 10.1.0.3 8081 resets)" 3 "resets of 10.1.0.3:8081 after 3 refused connections"
check_eq "$(bef 10.1.0.3 8081 latency_samples)" 0 "latency samples of a backend that never sent a SYN-ACK"

# every TCP connection is over (client FIN or RST, or the backend's RST):
# none left open in the connection counts
closed_by=$((SECONDS + 5))
for be in 10.1.0.1:8080 10.1.0.2:8080 10.1.0.3:8080 10.1.0.3:8081; do
	until [ "$(bef "${be%:*}" "${be#*:}" connections)" = 0 ]; do
		[ $SECONDS -lt $closed_by ] ||
			ksft_fail "$be still has $(bef "${be%:*}" "${be#*:}" connections) open connections"
		sleep 0.2
	done
done

echo "[${SECONDS}s] done"
lb metrics
# what the program saw: nothing it could not handle, one ICMP error
# translated (the port unreachable above); the health checks' replies pass as
# NAT_NO_MAPPING (from a backend, no mapping)
reasons >"$tmp/reasons" || ksft_fail "cannot read lb_stats"
echo "lb_stats: $(xargs <"$tmp/reasons")"
for r in MALFORMED NAT_TTL NAT_FAIL NAT_REV_FULL CONN_FULL; do
	grep -q "^$r " "$tmp/reasons" && ksft_fail "lb_stats counted $(grep "^$r " "$tmp/reasons")"
done
check_eq "$(sed -n 's/^NAT_ICMP_OUT //p' "$tmp/reasons")" 1 "lb_stats NAT_ICMP_OUT"
lb detach || ksft_fail "detach failed"
ksft_pass "nat mode: translation both ways, port, UDP, ICMP, latency, failover, resets"
