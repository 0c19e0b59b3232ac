#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad requests get the kernel's extack message, and change nothing.
. "$(dirname "$0")/lib.sh"
require_module
NLRAW=$(dirname "$0")/nlraw.py
SOV_CMD_INFO_GET=1 SOV_CMD_CONFIG_SET=3 SOV_A_CONFIG_LOG_LEVEL=1

before=$("$SOVCTL" -j module show | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["log_level"])')

# out of range, through sovctl: the policy's message and range reach the user
out=$("$SOVCTL" module set log-level 9 2>&1) && ksft_fail "log-level 9 was accepted"
check_contains "$out" "integer out of range" "sovctl error"
check_contains "$out" "log-level: expected 0..7" "sovctl error"
rc=0; "$SOVCTL" module set log-level 9 2>/dev/null || rc=$?
check_eq "$rc" 1 "exit status of a refused SET"

# the same and worse, hand-built
out=$("$NLRAW" genl $SOV_CMD_CONFIG_SET $SOV_A_CONFIG_LOG_LEVEL:u32=8)
check_contains "$out" "errno=34 msg=integer out of range" "u32 8"
out=$("$NLRAW" genl $SOV_CMD_CONFIG_SET $SOV_A_CONFIG_LOG_LEVEL:u16=3)
check_contains "$out" "errno=22" "u16 where u32 expected"
out=$("$NLRAW" genl $SOV_CMD_CONFIG_SET)
check_contains "$out" "errno=22 msg=expected at least one setting (log-level)" "empty SET"
out=$("$NLRAW" genl $SOV_CMD_CONFIG_SET 9:u32=1)
check_contains "$out" "errno=22 msg=Unknown attribute type" "unknown attribute"
out=$("$NLRAW" genl $SOV_CMD_INFO_GET 1:u32=1)
check_contains "$out" "errno=22" "attribute on INFO_GET"
out=$("$NLRAW" genl --reserved 1 $SOV_CMD_INFO_GET)
check_contains "$out" "errno=22 msg=genlmsghdr.reserved field is not 0" "reserved bits"
out=$("$NLRAW" genl 77)
check_contains "$out" "errno=95" "unknown command"

after=$("$SOVCTL" -j module show | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["log_level"])')
check_eq "$after" "$before" "log level after refused requests"

# and a good one still works, both as a number and a name
"$SOVCTL" module set log-level debug || ksft_fail "log-level debug refused"
check_contains "$("$SOVCTL" module show)" "log-level 7 (debug)" "after set"
"$SOVCTL" module set log-level "$before" || ksft_fail "restoring log-level failed"
ksft_pass "bad values answered with extack, nothing changed"
