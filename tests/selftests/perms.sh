#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# An unprivileged user may read but not change the module, and is told why.
. "$(dirname "$0")/lib.sh"
require_module
require_cmd setpriv

out=$(run_as_nobody "$SOVCTL" module show 2>&1) || ksft_fail "reading as nobody failed: $out"
check_contains "$out" "version" "module show as nobody"

rc=0
out=$(run_as_nobody "$SOVCTL" module set log-level 3 2>&1) || rc=$?
check_eq "$rc" 1 "exit status of SET as nobody"
check_contains "$out" "permission denied" "SET as nobody"
check_contains "$out" "CAP_NET_ADMIN" "SET as nobody"

# the daemon's socket is root-only: a clear message, not a raw errno
dir=$(mktemp -d /tmp/sovperm.XXXXXX)
chmod 0755 "$dir"
"$SOVEREIGND" -s "$dir/ctl" --no-bpf >"$dir/log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null"
for _ in $(seq 50); do [ -S "$dir/ctl" ] && break; sleep 0.2; done
[ -S "$dir/ctl" ] || ksft_fail "daemon did not start: $(cat "$dir/log")"
rc=0
out=$(run_as_nobody "$SOVCTL" -s "$dir/ctl" daemon status 2>&1) || rc=$?
check_eq "$rc" 1 "exit status of daemon status as nobody"
check_contains "$out" "permission denied: $dir/ctl is root-only" "daemon as nobody"
"$SOVCTL" -s "$dir/ctl" daemon status >/dev/null || ksft_fail "root is refused too"
ksft_pass "reads allowed, writes refused with a clear message"
