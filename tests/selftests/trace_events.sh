#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sovereign.ko's tracepoints, sovereign:sov_op_start and sov_op_end (kmod/sov_trace.h),
# frame every generic netlink request the module serves, the tracers' kernel-side span:
#   1. an INFO_GET: start with class 1 (genl) and code 1 (the command) and the request's
#      sequence number (nlraw.py sends its request as 2, after the family lookup), then
#      end with 0, on the same task;
#   2. a request its handler refuses (PROF_STOP with no profile: -EALREADY): its end
#      carries -114;
#   3. a request the policy refuses never reaches the handler: no event;
#   4. with the events off, nothing is recorded.
. "$(dirname "$0")/lib.sh"
require_module
NLRAW=$(dirname "$0")/nlraw.py
SOV_CMD_INFO_GET=1 SOV_CMD_CONFIG_SET=3 SOV_A_CONFIG_LOG_LEVEL=1 SOV_CMD_PROF_STOP=34
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null || ksft_skip "no tracefs"
[ -d $T/events/sovereign/sov_op_start ] || ksft_fail "no sovereign:sov_op_start in $T/events"

off() { echo 0 >$T/events/sovereign/enable; echo >$T/trace; }
on_exit off
events() { grep -E 'sov_op_(start|end):' $T/trace | sed -E 's/.*(sov_op_[a-z]+): /\1 /'; }

echo >$T/trace
echo 1 >$T/events/sovereign/enable
out=$("$NLRAW" genl $SOV_CMD_INFO_GET)
check_contains "$out" "errno=0" "INFO_GET"
out=$("$NLRAW" genl $SOV_CMD_PROF_STOP)
check_contains "$out" "errno=114" "PROF_STOP with no profile"
out=$("$NLRAW" genl $SOV_CMD_CONFIG_SET $SOV_A_CONFIG_LOG_LEVEL:u32=9)
check_contains "$out" "errno=34" "CONFIG_SET refused by its policy"
echo 0 >$T/events/sovereign/enable
got=$(events)
while IFS= read -r l; do echo "   $l"; done <<<"$got"
want="sov_op_start class=1 code=$SOV_CMD_INFO_GET val=2
sov_op_end class=1 code=$SOV_CMD_INFO_GET val=0
sov_op_start class=1 code=$SOV_CMD_PROF_STOP val=2
sov_op_end class=1 code=$SOV_CMD_PROF_STOP val=-114"
check_eq "$got" "$want" "the events of INFO_GET, a refused PROF_STOP and a CONFIG_SET the policy refused"
# start and end of one request come from one task (the tracer pairs them per thread)
pids=$(grep -E 'sov_op_(start|end):' $T/trace | awk '{ print $1 }' | sort -u | wc -l)
check_eq "$pids" 2 "tasks in the trace (one per nlraw.py run that reached a handler)"

echo >$T/trace
"$NLRAW" genl $SOV_CMD_INFO_GET >/dev/null
check_eq "$(events)" "" "events recorded while off"
ksft_pass
