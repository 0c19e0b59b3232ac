#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP load balancer end to end, encap mode (IPIP, direct server return):
# real TCP connections from a client, through sov_lb (native XDP on a veth),
# to three HTTP backends; distribution, health-check failover, established
# connections surviving it, and the backend's return. On the way, a udp
# health check brings the same backends up (their UDP echo), and
# `sovctl lb monitor` prints the events.
#
#   ns sovlb-cli            ns sovlb-lb                 ns sovlb-be1..3
#   10.0.0.10               10.0.0.1 [XDP sov_lb]       10.1.0.1..3, VIP on lo,
#      |                       |                        tunl0 decapsulates IPIP
#      |   ns sovlb-sw (router, ip_forward)                    |
#      +--- br0 10.0.0.254 ---+                 br1 10.1.0.254 ---+
#
#   client -> VIP 10.0.0.100:80 (routed to 10.0.0.1) -> sov_lb encapsulates
#   to a backend via the router -> the backend answers the client directly.
. "$(dirname "$0")/lib.sh"
require_cmd curl /usr/bin/python3 bpftool ethtool
VIP=10.0.0.100
LB_TMP=$(mktemp -d /tmp/sovlb.XXXXXX)
export LB_NS=sovlb-lb	# read by lb_world.bash
tmp=$LB_TMP
ctl=$tmp/ctl
. "$(dirname "$0")/lb_world.bash"
on_exit "lb_world_down; rm -rf $tmp"
x() { lb_x "$@"; }
lb_world_up || { rc=$?; [ $rc = 4 ] && ksft_skip "no IPIP in this kernel"; ksft_fail "cannot build the test world"; }

x lb "$SOVEREIGND" -s "$ctl" -l debug >"$tmp/daemon.log" 2>&1 &
for _ in $(seq 50); do [ -S "$ctl" ] && break; sleep 0.2; done
[ -S "$ctl" ] || ksft_fail "sovereignd did not start: $(cat "$tmp/daemon.log")"
lb() { "$SOVCTL" -s "$ctl" lb "$@"; }
lbj() { "$SOVCTL" -j -s "$ctl" lb "$@"; }

# the events, from before the first change to after the last
"$SOVCTL" -s "$ctl" lb monitor >"$tmp/monitor.txt" 2>&1 &
mon_pid=$!
for _ in $(seq 50); do grep -q "subscribed to load balancer events" "$tmp/daemon.log" && break; sleep 0.1; done
grep -q "subscribed to load balancer events" "$tmp/daemon.log" || ksft_fail "sovctl lb monitor did not subscribe"

gw=$LB_GW_MAC
lb service add $VIP:80/tcp health tcp interval 1 timeout 500 rise 1 fall 2 ||
	ksft_fail "service add failed"
for i in 1 2 3; do lb backend add $VIP:80/tcp "10.1.0.$i" || ksft_fail "backend add $i"; done
lb attach dev lb0 via "$gw" || ksft_fail "attach failed: $(tail -5 "$tmp/daemon.log")"

# health checks bring the backends in
up_by=$((SECONDS + 10))
until [ "$(lbj health 2>/dev/null | grep -o '"health": *"up"' | wc -l)" -eq 3 ]; do
	[ $SECONDS -lt $up_by ] || ksft_fail "backends not up after 10 s: $(lb health)"
	sleep 0.2
done
lb health

# a udp check: the backends echo datagrams on port 80 too, prefixed with their name
lb service add $VIP:80/udp health udp interval 1 timeout 500 rise 1 fall 1 expect be ||
	ksft_fail "udp service add failed"
for i in 1 2 3; do lb backend add $VIP:80/udp "10.1.0.$i" || ksft_fail "udp backend add $i"; done
up_by=$((SECONDS + 10))
until [ "$(lbj health 2>/dev/null | grep -o '"health": *"up"' | wc -l)" -eq 6 ]; do
	[ $SECONDS -lt $up_by ] || ksft_fail "udp checks did not bring the backends up in 10 s: $(lb health)"
	sleep 0.2
done
lb health | grep -A1 "backend 10.1.0.1 " | grep -q "history: .* ago unknown->up" ||
	ksft_fail "no transition history in: $(lb health)"
lb service del $VIP:80/udp || ksft_fail "udp service del failed"

ask() { x cli curl -s --max-time 2 "http://$VIP/id"; }
diag() {
	echo "--- diagnostics"
	lb metrics
	x lb bpftool map dump name lb_stats | grep -B1 -A3 '"packets": [1-9]' | head -40
	x lb $IP -s link show lb0
	x sw $IP -s link show sw-lb
	x be1 $IP -s link show tunl0
	tail -20 "$tmp/daemon.log"
}
ask >/dev/null || { diag; ksft_fail "the first request through the balancer failed"; }
count() {	# count N: N requests, tally per backend into $tmp/tally
	local n=$1 i
	: >"$tmp/tally"
	for i in $(seq "$n"); do ask >>"$tmp/tally" || echo fail >>"$tmp/tally"; done
}
count 30
echo "30 requests: $(sort "$tmp/tally" | uniq -c | tr -s "\n " " ")"
grep -q fail "$tmp/tally" && ksft_fail "requests failed through the balancer: $(sort "$tmp/tally" | uniq -c)"
for i in 1 2 3; do
	grep -q "be$i" "$tmp/tally" || ksft_fail "maglev never chose be$i in 30 flows"
done

# an established connection, kept open across the failover
x cli /usr/bin/python3 - "$VIP" "$tmp" <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=5)
def ask():
    s.sendall(b"GET /id HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length")][0])
    while len(body) < length:
        body += s.recv(4096)
    return body.decode().strip()
first = ask()
open(sys.argv[2] + "/held", "w").write(first + "\n")
while True:
    try:
        open(sys.argv[2] + "/go").close()
        break
    except OSError:
        time.sleep(0.1)
open(sys.argv[2] + "/held-after", "w").write(ask() + "\n")
PY
held_pid=$!
for _ in $(seq 50); do [ -s "$tmp/held" ] && break; sleep 0.1; done
held=$(cat "$tmp/held")
[ -n "$held" ] || ksft_fail "the long-lived connection got no answer"
victim=be1
[ "$held" = be1 ] && victim=be2
echo "long-lived connection on $held; stopping $victim"
# events from here on belong to the failover (before, the backends' servers
# may still have been starting when the first checks ran)
failover_from=$(($(wc -l <"$tmp/monitor.txt") + 1))

# kill a backend: out within interval x fall (2 s), plus slack
x "$victim" sh -c 'kill $(pgrep -f "lb_backend.py '"$victim"'")'
down_by=$((SECONDS + 5))
until lbj health | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["services"][0]
sys.exit(0 if any(b["health"] == "down" for b in s["backends"]) else 1)'; do
	[ $SECONDS -lt $down_by ] || ksft_fail "the health check did not take $victim out within 5 s"
	sleep 0.2
done
grep "is down" "$tmp/daemon.log"
count 20
echo "20 requests after the failover: $(sort "$tmp/tally" | uniq -c | tr -s "\n " " ")"
grep -q fail "$tmp/tally" && ksft_fail "requests failed after the failover"
grep -q "$victim" "$tmp/tally" && ksft_fail "a new connection went to the dead $victim"

touch "$tmp/go"
wait "$held_pid" || ksft_fail "the long-lived connection broke during the failover"
check_eq "$(cat "$tmp/held-after")" "$held" "backend of the long-lived connection"

# it comes back after rise successes
x "$victim" /usr/bin/python3 "$(dirname "$0")/lb_backend.py" "$victim" 80 >"$tmp/restart.log" 2>&1 &
up_by=$((SECONDS + 15))	# a cold python start under TCG takes seconds
until [ "$(lbj health | grep -o '"health": *"up"' | wc -l)" -eq 3 ]; do
	[ $SECONDS -lt $up_by ] || { tail -5 "$tmp/daemon.log"; x "$victim" ss -ltn; cat "$tmp/restart.log"; ksft_fail "$victim did not come back within 15 s"; }
	sleep 0.2
done
count 30
echo "30 requests after the return: $(sort "$tmp/tally" | uniq -c | tr -s "\n " " ")"
grep -q "$victim" "$tmp/tally" || ksft_fail "$victim took no new flow after coming back"

lb status
lb detach || ksft_fail "detach failed"

# what the monitor saw of all this (the detach is the last event)
for _ in $(seq 20); do grep -q " detached " "$tmp/monitor.txt" && break; sleep 0.1; done
kill -INT "$mon_pid"
wait "$mon_pid" || ksft_fail "sovctl lb monitor did not end cleanly on SIGINT: $(cat "$tmp/monitor.txt")"
cat "$tmp/monitor.txt"
vip_be="$VIP:80/tcp backend 10.1.0.${victim#be}:80"
grep -Eq " backend-down $vip_be: (connection refused|timed out)$" "$tmp/monitor.txt" ||
	ksft_fail "sovctl lb monitor: no backend-down for $victim"
# up at the start, and again on its return
[ "$(grep -c " backend-up $vip_be$" "$tmp/monitor.txt")" -eq 2 ] ||
	ksft_fail "sovctl lb monitor: not two backend-up for $victim"
grep -q " attached dev lb0 (native XDP)$" "$tmp/monitor.txt" ||
	ksft_fail "sovctl lb monitor: no attach"
grep -q " detached dev lb0$" "$tmp/monitor.txt" || ksft_fail "sovctl lb monitor: no detach"
tail -n "+$failover_from" "$tmp/monitor.txt" | grep -q "service-no-backend" &&
	ksft_fail "sovctl lb monitor: service-no-backend while two backends served"
ksft_pass "encap mode: distribution, failover, established flows, return"
