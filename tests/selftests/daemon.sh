#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sovctl <-> sovereignd round trip; the daemon follows the module through
# rmmod/insmod, refuses a second instance, survives bad clients, stops cleanly.
. "$(dirname "$0")/lib.sh"
require_module
NLRAW=$(dirname "$0")/nlraw.py
ko=${SOV_KO:-$SOV_ROOT/kmod/sovereign.ko}
log=$(mktemp /tmp/sovereignd.XXXXXX)
ctl=/run/sovereign/ctl

wait_for() {	# wait_for SECONDS CMD...: poll until CMD succeeds
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}
log_has() { grep -q "$1" "$log"; }

"$SOVEREIGND" -l debug >"$log" 2>&1 &
pid=$!
on_exit "kill $pid 2>/dev/null; [ -d /sys/module/sovereign ] || insmod '$ko'"
wait_for 10 test -S $ctl || ksft_fail "no control socket; log:"$'\n'"$(cat "$log")"

out=$("$SOVCTL" daemon status) || ksft_fail "daemon status failed: $out"
check_contains "$out" "pid $pid" "daemon status"
check_contains "$out" "module loaded" "daemon status"
"$SOVCTL" -j daemon status | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["pid"] == int(sys.argv[1]) and d["module"] == "loaded", d
assert d["bpf_progs"] >= 1 and d["bpf_pin_path"] == "/sys/fs/bpf/sovereign", d
' "$pid" || ksft_fail "daemon JSON is wrong"

# BPF pinned where bpftool and sovctl find it
bpftool map show pinned /sys/fs/bpf/sovereign/floor_stats >/dev/null ||
	ksft_fail "floor_stats is not pinned"
check_contains "$("$SOVCTL" status)" "floor_stats" "status BPF section"

# a second instance is refused with a clear message
rc=0
out=$("$SOVEREIGND" 2>&1) || rc=$?
check_eq "$rc" 1 "second instance exit status"
check_contains "$out" "another sovereignd is already running (pid $pid" "second instance"

# module events reach the daemon
level=$("$SOVCTL" -j module show | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["log_level"])')
"$SOVCTL" module set log-level debug
wait_for 5 log_has "module: log-level is now 7" || ksft_fail "daemon missed the event"
"$SOVCTL" module set log-level "$level"

# unload: the daemon notices, says so, keeps serving
rmmod sovereign || ksft_fail "rmmod failed"
wait_for 5 log_has "module unloaded" || ksft_fail "daemon did not notice rmmod"
out=$("$SOVCTL" daemon status) || ksft_fail "daemon stopped serving after rmmod"
check_contains "$out" "module unloaded" "daemon status after rmmod"
insmod "$ko" || ksft_fail "insmod failed"
wait_for 5 log_has "module loaded" || ksft_fail "daemon did not notice insmod"
check_contains "$("$SOVCTL" daemon status)" "2 loads/unloads seen" "transitions"

# bad clients get precise errors or are dropped; the daemon keeps serving
check_contains "$("$NLRAW" ctl $ctl 99)" "errno=95 msg=command 99 is not served by sovereignd" "unknown command"
check_contains "$("$NLRAW" ctl $ctl 5 1:u32=1)" "errno=22 msg=DAEMON_GET takes no attributes" "attribute"
check_contains "$("$NLRAW" ctl $ctl 5 type=17)" "errno=95 msg=unknown message type 17" "wrong family"
check_contains "$("$NLRAW" ctl-garbage $ctl)" "errno=closed" "garbage frame"
"$SOVCTL" daemon status >/dev/null || ksft_fail "daemon stopped serving after bad clients"

# -d detaches; the pid file names the detached process
dd=$(mktemp -d /tmp/sovd.XXXXXX)
"$SOVEREIGND" -d -s "$dd/ctl" --no-bpf -l debug || ksft_fail "sovereignd -d failed"
wait_for 10 test -S "$dd/ctl" || ksft_fail "detached daemon has no socket"
dpid=$(cat "$dd/sovereignd.pid")
check_contains "$("$SOVCTL" -s "$dd/ctl" daemon status)" "pid $dpid" "detached daemon"
kill -TERM "$dpid"
wait_for 5 eval '! kill -0 '"$dpid"' 2>/dev/null' || ksft_fail "detached daemon ignored SIGTERM"

# SIGTERM: clean exit, socket removed
kill -TERM $pid
wait $pid
rc=$?
check_eq "$rc" 0 "daemon exit status on SIGTERM"
[ -e $ctl ] && ksft_fail "socket left behind"
log_has "shutting down" || ksft_fail "no shutdown message"
ksft_pass "round trip, module follow, bad clients, clean stop"
