#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The profiler refuses what it cannot do, with the reason, and a refused request
# changes nothing:
#   1. stop when no profile runs;
#   2. bad input through sovctl (exit status 2, nothing sent): frequency 0 and 10001,
#      a period and an adaptive target out of range, two scopes, unknown kind and stacks,
#      max-stacks and rss-interval out of range, a missing cgroup, a cpu past the last;
#      the state is what it was;
#   3. the kernel's refusals through sovctl (exit status 1, the kernel's message): a pid
#      and a tgid that do not exist, a thread id given as tgid;
#   4. the same and more sent raw (nlraw.py), past sovctl's checks: errno and extack
#      (the policy's ranges, kinds and stacks 0, two scopes, an offline cpu, ...);
#   5. start while a profile runs: EBUSY, the running profile untouched (settings, start
#      time); stop twice; a user without CAP_NET_ADMIN can neither start nor stop;
#   6. a stopped profile's data stays readable until the next start, which clears it.
. "$(dirname "$0")/lib.sh"
require_module
# shellcheck source=tests/selftests/prof_lib.bash
. "$(dirname "$0")/prof_lib.bash"
on_exit prof_cleanup
prof_require
NLRAW=$(dirname "$0")/nlraw.py
# uapi/linux/sovereign.h and sovereign_prof.h
SOV_CMD_PROF_START=33 SOV_CMD_PROF_STOP=34
SOV_A_PROF_KINDS=2 SOV_A_PROF_FREQ=4 SOV_A_PROF_PERIOD_NS=5 SOV_A_PROF_ADAPTIVE_X100=6
SOV_A_PROF_CPU=7 SOV_A_PROF_PID=8 SOV_A_PROF_TGID=9 SOV_A_PROF_CGROUP_ID=10
SOV_A_PROF_STACKS=11 SOV_A_PROF_MAX_STACKS=12 SOV_A_PROF_RSS_INTERVAL_MS=13
u64hex() { $PY -c 'import struct, sys; print(struct.pack("<Q", int(sys.argv[1])).hex())' "$1"; }
# a pid that is not in use
nopid=$(($(cat /proc/sys/kernel/pid_max) - 1))
while [ -e /proc/$nopid ]; do nopid=$((nopid - 1)); done
ncpu=$(nproc --all)

prof stop >/dev/null 2>&1
# what status shows, less what moves by itself
snap() { sj '{k: v for k, v in d.items() if k not in ("duration_ns", "overhead_x100", "effective_freq")}'; }
snap0=$(snap)
unchanged() { check_eq "$(snap)" "$snap0" "status after $1"; }

# --- 1 -----------------------------------------------------------------------------------
step "stop when no profile runs"
prof_fails 1 "Error: profile stop: no profile is running" stop
unchanged "stop when idle"

# --- 2 -----------------------------------------------------------------------------------
step "bad input, refused by sovctl"
prof_fails 2 "Error: frequency: expected 1-10000 Hz, got \"0\"" start freq 0
prof_fails 2 "Error: frequency: expected 1-10000 Hz, got \"10001\"" start freq 10001
prof_fails 2 "Error: frequency: expected 1-10000 Hz, got \"fast\"" start freq fast
prof_fails 2 "Error: period: expected 100us-1s, got \"10\"" start period 10
prof_fails 2 "Error: expected a frequency or a period, not both" start freq 99 period 1000000
prof_fails 2 "Error: adaptive: expected 0.01-50 (percent), got \"0\"" start adaptive 0
prof_fails 2 "Error: expected one scope at most: cpu, pid, tgid or cgroup" start pid 1 tgid 1
prof_fails 2 "Error: expected one scope at most: cpu, pid, tgid or cgroup" start cpu 0 pid 1
prof_fails 2 "Error: unknown kind \"disk\": expected cpu, mem, lock or all" start kind disk
prof_fails 2 "Error: unknown stacks \"none\": expected kernel, user or both" start stacks none
prof_fails 2 "Error: max-stacks: expected 64-65536, got \"10\"" start max-stacks 10
prof_fails 2 "Error: rss-interval: expected 10-60000 ms, got \"5\"" start rss-interval 5
prof_fails 2 "Error: cgroup /sys/fs/cgroup/no-such-cgroup: No such file or directory" \
	start cgroup /sys/fs/cgroup/no-such-cgroup
prof_fails 2 "Error: cpu: expected 0-$((ncpu - 1)) (this machine's cpus), got \"$ncpu\"" start cpu "$ncpu"
unchanged "refused input"

# --- 3 -----------------------------------------------------------------------------------
step "the kernel's refusals, through sovctl"
work_start locker 600 2
locker=$WORK_PID
tid=
for t in /proc/"$locker"/task/*; do
	[ "${t##*/}" != "$locker" ] && tid=${t##*/} && break
done
[ -n "$tid" ] || ksft_fail "locker has no second thread"
prof_fails 1 "Error: profile start: pid: no such thread" start pid "$nopid"
prof_fails 1 "Error: profile start: tgid: no such process" start tgid "$nopid"
prof_fails 1 "Error: profile start: tgid: no such process" start tgid "$tid"
unchanged "the kernel's refusals"

# --- 4 -----------------------------------------------------------------------------------
step "raw requests, past sovctl"
raw() {	# EXPECTED ATTR...: one START with ATTRs; the ack must be EXPECTED
	local want=$1 got
	shift
	got=$("$NLRAW" genl $SOV_CMD_PROF_START "$@" | tail -n 1)
	check_eq "$got" "$want" "raw START $*"
	echo "   raw START $*: $got"
}
raw "errno=34 msg=integer out of range" $SOV_A_PROF_FREQ:u32=0
raw "errno=34 msg=integer out of range" $SOV_A_PROF_FREQ:u32=10001
raw "errno=34 msg=integer out of range" $SOV_A_PROF_PERIOD_NS:raw="$(u64hex 99999)"
raw "errno=34 msg=integer out of range" $SOV_A_PROF_ADAPTIVE_X100:u32=5001
raw "errno=34 msg=integer out of range" $SOV_A_PROF_MAX_STACKS:u32=63
raw "errno=34 msg=integer out of range" $SOV_A_PROF_RSS_INTERVAL_MS:u32=9
raw "errno=22 msg=kinds: expected at least one of cpu, mem, lock" $SOV_A_PROF_KINDS:u32=0
raw "errno=22 msg=stacks: expected kernel, user or both" $SOV_A_PROF_STACKS:u32=0
raw "errno=22 msg=expected a frequency or a period, not both" \
	$SOV_A_PROF_FREQ:u32=99 $SOV_A_PROF_PERIOD_NS:raw="$(u64hex 1000000)"
raw "errno=22 msg=expected one scope at most: cpu, pid, tgid or cgroup" \
	$SOV_A_PROF_PID:u32="$locker" $SOV_A_PROF_TGID:u32="$locker"
raw "errno=22 msg=expected one scope at most: cpu, pid, tgid or cgroup" \
	$SOV_A_PROF_CPU:u32=0 $SOV_A_PROF_CGROUP_ID:raw="$(u64hex 1)"
raw "errno=19 msg=cpu: expected an online cpu" $SOV_A_PROF_CPU:u32=4096
raw "errno=3 msg=pid: no such thread" $SOV_A_PROF_PID:u32="$nopid"
raw "errno=3 msg=tgid: no such process" $SOV_A_PROF_TGID:u32="$tid"
raw "errno=2 msg=cgroup id: no such cgroup (v2)" $SOV_A_PROF_CGROUP_ID:raw="$(u64hex 999999999)"
got=$("$NLRAW" genl $SOV_CMD_PROF_STOP | tail -n 1)
check_eq "$got" "errno=114 msg=no profile is running" "raw STOP when idle"
unchanged "raw refusals"

# --- 5 -----------------------------------------------------------------------------------
step "start while a profile runs"
prof_ok start freq 99 tgid "$locker"
running=$(sj '(d["state"], d["freq"], d["tgid"], d["start_ns"], d["kinds"])')
prof_fails 1 "Error: profile start: a profile is already running; stop it first" start freq 999
prof_fails 1 "Error: profile start: a profile is already running; stop it first" start kind all
check_eq "$(sj '(d["state"], d["freq"], d["tgid"], d["start_ns"], d["kinds"])')" "$running" \
	"the running profile after two refused starts"

step "a user without CAP_NET_ADMIN"
rc=0
o=$(run_as_nobody "$SOVCTL" profile stop 2>&1) || rc=$?
check_eq "$rc" 1 "stop as nobody: exit status"
check_contains "$o" "permission denied" "stop as nobody"
rc=0
o=$(run_as_nobody "$SOVCTL" profile start freq 99 2>&1) || rc=$?
check_eq "$rc" 1 "start as nobody: exit status"
check_contains "$o" "permission denied" "start as nobody"
check_eq "$(sj '(d["state"], d["freq"], d["tgid"], d["start_ns"], d["kinds"])')" "$running" \
	"the running profile after nobody's requests"

step "stop twice"
sleep 1
prof_ok stop
check_eq "$(prof_state)" stopped "state after stop"
prof_fails 1 "Error: profile stop: no profile is running" stop
check_eq "$(prof_state)" stopped "state after the second stop"

# --- 6 -----------------------------------------------------------------------------------
step "the stopped profile's data stays readable; the next start clears it"
work_start spin 600
spin=$WORK_PID
prof_ok start freq 999 pid "$spin"
sleep 2
prof_ok stop
prof_ok report --folded
grep -q spin_a <<<"$out" || ksft_fail "no spin_a in the stopped profile:"$'\n'"$out"
samples=$(sj 'd["samples"]')
sleep 1
prof_ok report --folded
grep -q spin_a <<<"$out" || ksft_fail "spin_a gone from the stopped profile a second later"
check_eq "$(sj 'd["samples"]')" "$samples" "samples of the stopped profile a second later"
# a refused start does not clear it either
prof_fails 1 "Error: profile start: pid: no such thread" start pid "$nopid"
prof_ok report --folded
grep -q spin_a <<<"$out" || ksft_fail "a refused start cleared the stopped profile"
prof_ok start freq 999 tgid "$locker"
prof_ok stop
prof_ok report --folded
grep -q spin_a <<<"$out" && ksft_fail "spin_a still there after a new profile of locker:"$'\n'"$out"
ksft_pass "profile_errors: refusals with their messages; nothing changed by them"
