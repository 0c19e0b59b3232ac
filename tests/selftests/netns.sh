#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The family is netns-aware: it answers in every netns, and a SET's
# notification goes to the requester's netns only.
. "$(dirname "$0")/lib.sh"
require_module
ns=sovtest$$
tmp=$(mktemp -d /tmp/sovns.XXXXXX)
$IP netns add $ns || ksft_fail "ip netns add failed"
on_exit "$IP netns del $ns; rm -rf $tmp"

out=$($IP netns exec $ns "$SOVCTL" module show) || ksft_fail "module show in $ns failed: $out"
check_contains "$out" "version" "module show in a netns"

level=$("$SOVCTL" -j module show | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["log_level"])')
new=$(( level == 7 ? 6 : 7 ))

# one listener in the test netns, one in the initial netns
$IP netns exec $ns timeout 5 "$SOVCTL" -j module monitor >"$tmp/ns.out" 2>&1 &
m1=$!
timeout 5 "$SOVCTL" -j module monitor >"$tmp/init.out" 2>&1 &
m2=$!
sleep 1	# let both join the group
$IP netns exec $ns "$SOVCTL" module set log-level $new || ksft_fail "SET in $ns failed"
wait $m1 $m2

check_contains "$(cat "$tmp/ns.out")" "\"log_level\":$new" "monitor in $ns"
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/ns.out" ||
	ksft_fail "monitor -j output is not JSON lines: $(cat "$tmp/ns.out")"
[ -s "$tmp/init.out" ] && ksft_fail "the initial netns saw $ns's notification: $(cat "$tmp/init.out")"

# module-wide: the setting itself is global
check_contains "$("$SOVCTL" module show)" "log-level $new" "setting seen from the initial netns"
"$SOVCTL" module set log-level "$level"
ksft_pass "answers in a netns; notifications stay in the requester's netns"
