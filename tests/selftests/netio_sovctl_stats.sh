#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sovctl netio stats/set against the module's netio commands: the per-queue
# counters after a zero-copy bench, the flow table entry of the bench's flow,
# a class rate set and read back, reset. Skips, naming the command, when the
# module does not have them yet (sovctl then shows rtnetlink's counters, which
# is checked too).
. "$(dirname "$0")/lib.sh"
require_module
require_cmd "$IP" python3

on_exit "$IP link del sv0 2>/dev/null; true"
sysctl -qw net.ipv6.conf.default.disable_ipv6=1
on_exit "sysctl -qw net.ipv6.conf.default.disable_ipv6=0"
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

"$SOVCTL" netio create sv0 peer sv1 >/dev/null || ksft_fail "netio create sv0 peer sv1"
for d in sv0 sv1; do sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"; $IP link set $d up; done
bench=$("$SOVCTL" -j netio bench sv0 sv1 mode txonly size 100 time 0.5 zc 2>&1) || ksft_fail "bench: $bench"
sent=$(j 'd["sockets"][1]["tx_packets"]' <<<"$bench")

json=$("$SOVCTL" -j netio stats sv1 2>/tmp/netio_stats.err) || ksft_fail "netio stats sv1: $(cat /tmp/netio_stats.err)"
if grep -q "has no netio stats" /tmp/netio_stats.err; then
	check_contains "$(cat /tmp/netio_stats.err)" "SOV_CMD_NETIO_STATS_GET" "the lacks message"
	check_eq "$(j 'd["source"], d["link_stats"]["rx_packets"] >= '"$sent" <<<"$json")" "rtnetlink True" \
		"rtnetlink's counters instead"
	ksft_skip "sovereign.ko has no SOV_CMD_NETIO_STATS_GET (module too old): sovctl netio stats showed rtnetlink's counters"
fi
check_eq "$(j 'd["source"]' <<<"$json")" module "stats source"
check_eq "$(j 'd["queues"][0]["rx_packets"] >= '"$sent"' and d["queues"][0]["xsk_rx"] >= '"$sent" <<<"$json")" True \
	"sv1 queue 0 counted the bench's $sent frames"
check_eq "$(j 'd["queues"][0]["rx_packets"] == d["link_stats"]["rx_packets"]' <<<"$json")" True \
	"queue counters agree with rtnetlink's"
flows=$("$SOVCTL" -j netio stats sv0 flows) || ksft_fail "netio stats sv0 flows"
check_eq "$(j '[f["packets"] >= '"$sent"' for f in d["flows"] if f.get("dst") == "10.11.0.2" and f.get("dport") == 9]' <<<"$flows")" \
	"[True]" "the bench's flow in sv0's table"
"$SOVCTL" netio set sv0 class 3 rate 10mbit burst 20000 || ksft_fail "netio set class 3 rate 10mbit"
check_eq "$("$SOVCTL" -j netio stats sv0 | j '[c["rate"] for c in d["classes"] if c["id"] == 3]')" "[1250000]" "class 3 rate"
"$SOVCTL" netio set sv0 rate 100mbit priomap 0 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 ||
	ksft_fail "netio set rate 100mbit priomap ..."
check_eq "$("$SOVCTL" -j netio stats sv0 | j 'd["rate"], d["priomap"][15]')" "12500000 7" "end rate and priomap"
out=$("$SOVCTL" netio set sv0 queue 7 class 1 2>&1) && ksft_fail "queue 7 of a one-queue end was accepted"
check_contains "$out" "Error: netio set sv0" "the kernel's refusal of queue 7"
"$SOVCTL" netio set sv0 reset || ksft_fail "netio set reset"
check_eq "$("$SOVCTL" -j netio stats sv0 | j 'd["flows_used"]')" 0 "flows after reset"
ksft_pass "sovctl netio stats/flows/set on the module's counters"
