#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One distributed trace through every layer: three sovereignd (kernel spans
# from BPF on) form a cluster; `sovctl --trace module set --cluster` asks the
# leader to replicate the module's log level; every node applies it to
# sovereign.ko. The trace, merged from the three daemons, must hold:
#   - the request on the leader under sovctl's span, the proposal under it
#   - on each follower an APPEND under the proposal, and on every node the
#     log sync and the apply
#   - on every node the module call (module.config-set) under the apply and,
#     under it, the module's own span (sovereign:genl, from its sov_op
#     tracepoints through BPF) inside the system call that carried it
# and the module's log level must be the new one.
. "$(dirname "$0")/lib.sh"
require_module
require_cmd jq
T=$(mktemp -d /tmp/sovtrace.XXXXXX)
peers=1=127.0.0.1:7201,2=127.0.0.1:7202,3=127.0.0.1:7203
pids=()
cleanup() {
	local p

	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf /sys/fs/bpf/sovtrace-n1 /sys/fs/bpf/sovtrace-n2 /sys/fs/bpf/sovtrace-n3 "$T"
}
on_exit cleanup
/usr/sbin/ip link set lo up	# run_all.sh does it too, before its baseline
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

for n in 1 2 3; do
	mkdir -p "$T/n$n" /sys/fs/bpf/sovtrace-n$n
	"$SOVEREIGND" -s "$T/n$n/ctl" -b /sys/fs/bpf/sovtrace-n$n -l info \
		--cluster-id trace --node-id $n --peers $peers --data-dir "$T/n$n/data" \
		--trace-sample 0 --trace-kernel 2>"$T/n$n/log" &
	pids+=($!)
done
sovctl() { "$SOVCTL" "$@"; }
cl() { local n=$1; shift; sovctl -s "$T/n$n/ctl" "$@"; }
leader=0
for _ in $(seq 150); do
	leader=$(cl 1 -j raft status 2>/dev/null | jq -r '.leader // 0' 2>/dev/null)
	[ "${leader:-0}" != 0 ] && [ "$leader" != null ] && break
	sleep 0.2
done
[ "${leader:-0}" != 0 ] || ksft_fail "no leader in 30 s: $(tail -5 "$T"/n1/log)"
for n in 1 2 3; do
	grep -q "trace: kernel spans on" "$T/n$n/log" ||
		ksft_fail "node $n: no kernel spans: $(grep trace: "$T/n$n/log")"
done

before=$(sovctl -j module show | jq -r '.log_level')
want=6
[ "$before" = 6 ] && want=5
err=$(cl "$leader" --trace module set --cluster log-level $want 2>&1 >/dev/null)
id=$(sed -n 's/^trace: \([0-9a-f]\{32\}\)$/\1/p' <<<"$err")
[ -n "$id" ] || ksft_fail "sovctl --trace printed no trace id: $err"
check_eq "$(sovctl -j module show | jq -r '.log_level')" "$want" "the module's log level, set through the cluster"

# every node has its spans once the quiet period has passed and BPF's ring is read
from=(--from "$T/n1/ctl" --from "$T/n2/ctl" --from "$T/n3/ctl")
for _ in $(seq 50); do
	j=$(sovctl -j trace show "$id" "${from[@]}" 2>/dev/null) &&
		[ "$(jq '[.spans[] | select(.name == "sovereign:genl")] | length' <<<"$j")" -ge 3 ] && break
	sleep 0.2
done
sovctl trace show "$id" "${from[@]}" | sed 's/^/   /'
[ -n "$j" ] || ksft_fail "trace $id: not held by any daemon"

# span NAME on NODE under span PARENT: its id, or fail
span() {	# $1 name, $2 node, $3 parent id
	local s

	s=$(jq -r --arg n "$1" --argjson node "$2" --arg p "$3" \
		'[.spans[] | select(.name == $n and .node == $node and .parent_id == $p)][0].span_id // empty' <<<"$j")
	[ -n "$s" ] || ksft_fail "trace $id: no $1 on node $2 under $3"
	echo "$s"
}
req=$(jq -r '[.spans[] | select(.name == "ctl.config-set")][0].span_id // empty' <<<"$j")
[ -n "$req" ] || ksft_fail "trace $id: no ctl.config-set span"
check_eq "$(jq -r --arg s "$req" '.spans[] | select(.span_id == $s) | .node' <<<"$j")" "$leader" \
	"the request's span is on the leader"
prop=$(span raft.propose "$leader" "$req") || exit
# a resent APPEND is a span of its own; the entry's sync and apply hang
# under the first, the one that brought it
for n in 1 2 3; do
	under=$prop
	[ "$n" = "$leader" ] || under=$(span raft.append $n "$prop") || exit
	span raft.sync $n "$under" >/dev/null || exit
	apply=$(span raft.apply $n "$under") || exit
	call=$(span module.config-set $n "$apply") || exit
	# the module's work happens inside the system call that carried the request
	send=$(span syscall:sendto $n "$call") || exit
	span sovereign:genl $n "$send" >/dev/null || exit
	echo "   node $n: apply $apply -> module.config-set $call -> sovereign:genl"
done
nodes=$(jq '[.spans[].node] | unique | length' <<<"$j")
check_eq "$nodes" 3 "spans from every node"
ksft_pass "trace $id: $(jq '.spans | length' <<<"$j") spans from 3 nodes and their kernels, module included"
