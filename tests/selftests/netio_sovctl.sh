#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sovctl netio on a real module: create (also queues N, and a peer in another
# netns), status (text and JSON), the refusals of create/destroy/bench, bench in
# zero-copy on sovnet (both sockets report zerocopy, what was sent arrived),
# copy mode, shared UMEM, l2fwd round trips, bench on veth in copy mode and its
# zero-copy refusal, destroy. The module's netio counters are netio_sovctl_stats.
. "$(dirname "$0")/lib.sh"
require_module
require_cmd "$IP" python3

ns=sovnsc$$
on_exit "$IP link del sv0 2>/dev/null; $IP link del sq0 2>/dev/null; $IP link del sn0 2>/dev/null; $IP link del va 2>/dev/null; $IP netns del $ns 2>/dev/null; true"
sysctl -qw net.ipv6.conf.default.disable_ipv6=1	# ND frames would land in the sockets
on_exit "sysctl -qw net.ipv6.conf.default.disable_ipv6=0"
mount -t bpf bpf /sys/fs/bpf 2>/dev/null

# jq-less JSON: python3 -c EXPR with d = the JSON on stdin
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# refused EXIT_STATUS MESSAGE ARGS...: sovctl ARGS fails with that status and says MESSAGE
refused() {
	local want=$1 msg=$2 out rc
	shift 2
	out=$("$SOVCTL" "$@" 2>&1) && ksft_fail "sovctl $* succeeded: $out"
	rc=$?
	check_eq "$rc" "$want" "exit status of sovctl $*"
	check_contains "$out" "$msg" "sovctl $*"
}

# --- create, status ---
out=$("$SOVCTL" netio create sv0 peer sv1) || ksft_fail "netio create sv0 peer sv1: $out"
check_contains "$out" "created sv0 (peer sv1, 1 queue pair(s))" "create"
check_contains "$($IP -d link show sv1)" "sovnet" "ip -d link show sv1"
refused 1 "netio create sv0: a device of that name exists" netio create sv0 peer sv9
refused 2 "peer PEER missing" netio create sv5
refused 2 "queues \"9\": a number from 1 to 8" netio create sv5 peer sv6 queues 9
refused 2 "device names are at most 15 bytes" netio create abcdefghijklmnop peer sv6
refused 1 "network namespace \"nosuchns\"" netio create sv5 peer sv6 netns nosuchns
refused 1 "not a sovnet device" netio destroy lo
refused 1 "not a sovnet device" netio status lo
out=$("$SOVCTL" netio create sq0 peer sq1 queues 4 2>&1)
case $out in
*"created sq0"*)
	check_eq "$("$SOVCTL" -j netio status sq1 2>/dev/null | j 'd["devices"][0]["queues"]')" 4 "sq1's queues"
	"$SOVCTL" netio destroy sq0 >/dev/null || ksft_fail "netio destroy sq0"
	echo "create with queues 4: 4 queue pairs" ;;
*) check_contains "$out" "queue" "create queues 4 (refused by a single-queue module, with its reason)"
	echo "create with queues 4 refused by this module: $out" ;;
esac
$IP netns add $ns
out=$("$SOVCTL" netio create sn0 peer sn1 netns $ns) || ksft_fail "netio create sn0 peer sn1 netns $ns: $out"
$IP -n $ns link show sn1 >/dev/null || ksft_fail "sn1 is not in namespace $ns"
"$SOVCTL" netio destroy sn0 >/dev/null || ksft_fail "netio destroy sn0"
$IP -n $ns link show sn1 >/dev/null 2>&1 && ksft_fail "sn1 outlived sn0"
echo "create/destroy across namespaces"

out=$("$SOVCTL" netio status 2>/dev/null) || ksft_fail "netio status"
check_contains "$out" "sv0:" "status"
check_contains "$out" "sv1:" "status"
json=$("$SOVCTL" -j netio status sv0 2>/dev/null) || ksft_fail "netio -j status sv0"
check_eq "$(j 'd["devices"][0]["name"], d["devices"][0]["mtu"], d["devices"][0]["carrier"]' <<<"$json")" \
	"sv0 1500 False" "status sv0 (JSON) before up"
for d in sv0 sv1; do
	sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
	$IP link set $d up
done
check_eq "$("$SOVCTL" -j netio status sv0 2>/dev/null | j 'd["devices"][0]["carrier"]')" True "carrier when up"

# --- bench refusals ---
refused 2 "mode \"fast\": rxdrop, txonly or l2fwd" netio bench sv0 sv1 mode fast
refused 2 "mode missing" netio bench sv0 sv1
refused 2 "size \"10\": frame bytes from 64" netio bench sv0 sv1 mode txonly size 10
refused 2 "frames \"100\": 512 to" netio bench sv0 sv1 mode txonly frames 100
refused 2 "queue \"99\": 0 to 63" netio bench sv0 sv1 mode txonly queue 99
refused 1 "queue 5: sv1 has" netio bench sv0 sv1 mode txonly queue 5 time 0.1
refused 1 "size 1600: above sv1's MTU 1500" netio bench sv0 sv1 mode txonly size 1600 time 0.1
refused 1 "no device \"nosuch0\"" netio bench sv0 nosuch0 mode txonly time 0.1
refused 2 "PEER is DEV" netio bench sv0 sv0 mode txonly
refused 2 "shared-umem needs a PEER" netio bench sv0 mode txonly shared-umem

# --- bench: zero-copy, copy, shared UMEM, l2fwd ---
json=$("$SOVCTL" -j netio bench sv0 sv1 mode txonly size 64 time 1 zc 2>&1) ||
	ksft_fail "bench sv0 sv1 txonly zc: $json"
check_eq "$(j '[s["bind"] for s in d["sockets"]]' <<<"$json")" "['zc', 'zc']" "zc bench: both sockets bound zero-copy"
check_eq "$(j 'd["sockets"][0]["rx_packets"] == d["sockets"][1]["tx_packets"] > 0' <<<"$json")" True \
	"zc bench: every frame completed on sv0 arrived on sv1"
check_eq "$(j 'd["sockets"][0]["rx_bytes"] == 64 * d["sockets"][0]["rx_packets"]' <<<"$json")" True "zc bench: bytes"
check_eq "$(j 'd["sockets"][0]["rx_seq_gaps"], d["sockets"][0]["rx_foreign"]' <<<"$json")" "0 0" "zc bench: order, foreign"
check_eq "$(j '(lambda l: 0 < l["min_ns"] <= l["p50_ns"] <= l["p99_ns"] <= l["max_ns"])(d["sockets"][0]["latency"])' <<<"$json")" \
	True "zc bench: latency ordered"
echo "zc txonly->rxdrop: $(j 'd["pps"]' <<<"$json") pps"
json=$("$SOVCTL" -j netio bench sv0 sv1 mode txonly size 1500 time 0.5 copy 2>&1) ||
	ksft_fail "bench copy: $json"
check_eq "$(j '[s["bind"] for s in d["sockets"]]' <<<"$json")" "['copy', 'copy']" "copy bench: copy mode"
check_eq "$(j 'd["pps"] > 0' <<<"$json")" True "copy bench: frames arrived"
json=$("$SOVCTL" -j netio bench sv0 sv1 mode txonly size 256 time 0.5 zc shared-umem 2>&1) ||
	ksft_fail "bench shared-umem: $json"
check_eq "$(j '[s["bind"] for s in d["sockets"]] + [d["shared_umem"]]' <<<"$json")" "['zc', 'zc', True]" "shared UMEM bench"
check_eq "$(j 'd["sockets"][0]["rx_packets"] == d["sockets"][1]["tx_packets"] > 0' <<<"$json")" True \
	"shared UMEM: every frame arrived"
json=$("$SOVCTL" -j netio bench sv0 sv1 mode l2fwd size 64 time 0.5 zc need-wakeup off 2>&1) ||
	ksft_fail "bench l2fwd: $json"
check_eq "$(j 'd["sockets"][0]["fwd_packets"] > 0 and d["sockets"][1]["rx_packets"] > 0' <<<"$json")" True \
	"l2fwd: frames bounced back to sv1"
check_eq "$(j 'd["sockets"][1]["latency"]["count"] == d["sockets"][1]["rx_packets"]' <<<"$json")" True "l2fwd: round trips timed"
out=$("$SOVCTL" netio bench sv0 sv1 mode txonly time 0.3 zc 2>&1) || ksft_fail "bench text: $out"
check_contains "$out" "ns/pkt" "bench text"
check_contains "$out" "latency at sv1 (one way" "bench text"

# --- veth: copy mode, zero-copy refused ---
$IP link add va type veth peer name vb
for d in va vb; do sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"; $IP link set $d up; done
json=$("$SOVCTL" -j netio bench va vb mode txonly size 64 time 0.5 copy 2>&1) || ksft_fail "veth copy bench: $json"
check_eq "$(j 'd["pps"] > 0' <<<"$json")" True "veth copy bench"
refused 1 "vb queue 0: zc bind failed: Operation not supported" netio bench va vb mode txonly time 0.2 zc
json=$("$SOVCTL" -j netio bench va vb mode txonly time 0.2 auto 2>&1) || ksft_fail "veth auto bench: $json"
check_eq "$(j '[s["bind"] for s in d["sockets"]]' <<<"$json")" "['copy', 'copy']" "veth auto: copy"

# --- destroy ---
out=$("$SOVCTL" netio destroy sv1) || ksft_fail "netio destroy sv1: $out"
$IP link show sv0 >/dev/null 2>&1 && ksft_fail "sv0 outlived sv1"
refused 1 "no such device" netio destroy sv1
ksft_pass "sovctl netio create/status/bench/destroy"
