#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The profiler and the module's lifetime:
#   1. rmmod while a profile of every kind runs on every CPU, with workloads that keep
#      its tracepoints busy (locker: lock contention; allocer: kmem events; both are
#      stopped with SIGSTOP for the instant of rmmod itself, see work_pause in
#      prof_lib.bash): rmmod succeeds, the module's symbols are gone, and for two more
#      seconds the workloads go through the kmem and lock tracepoints and the cpu-clock
#      timers tick: a probe or a perf event left behind would run freed code (an oops,
#      caught in dmesg); no ftrace event was switched on. Loaded again: idle.
#   2. rmmod after a profile stopped with its data held: succeeds.
#   3. 10 start/stop cycles of every kind with 65536 stacks per CPU: vmalloc'd, per-CPU
#      and slab memory end where they started (within 1 MiB, 512 KiB and 4 MiB).
# run_all.sh then checks that no slab cache is left behind after the last unload.
. "$(dirname "$0")/lib.sh"
require_module
# shellcheck source=tests/selftests/prof_lib.bash
. "$(dirname "$0")/prof_lib.bash"
KO=${SOV_KO:-$SOV_ROOT/kmod/sovereign.ko}
on_exit prof_cleanup
on_exit "[ -d /sys/module/sovereign ] || insmod '$KO'"
prof_require
prof stop >/dev/null 2>&1
T=/sys/kernel/tracing
BAD_DMESG='WARNING:|BUG:|Oops|general protection fault|unable to handle|Call Trace|refcount'

dmesg_mark() { dmesg | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'; }
dmesg_since() { dmesg | awk -v t="$1" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 > t + 0) print }'; }
ftrace_on() {	# the kmem and lock events ftrace could have on
	local e
	[ -d $T/events ] || return 0
	for e in $T/events/lock/contention_begin $T/events/lock/contention_end \
		$T/events/kmem/kmalloc $T/events/kmem/kfree $T/events/kmem/kmem_cache_alloc \
		$T/events/kmem/kmem_cache_free $T/events/kmem/mm_page_alloc $T/events/kmem/mm_page_free; do
		[ -r "$e/enable" ] && [ "$(cat "$e/enable")" != 0 ] && echo "${e#"$T"/events/}"
	done
	return 0
}
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }	# kB

# --- 1 -----------------------------------------------------------------------------------
step "rmmod while a profile of every kind runs"
check_eq "$(ftrace_on)" "" "ftrace events on before the test"
work_start locker 600 2
work_start allocer 600
mark=$(dmesg_mark)
# the workloads stand still while the probes come and go (QEMU TCG: prof_lib.bash)
work_pause
prof_ok start kind all freq 999
work_resume
sleep 2
"$SOVCTL" -j profile status >"$PTMP/status.json" || ksft_fail "sovctl -j profile status failed"
pcheck "$PTMP/status.json" "the profile before rmmod" <<'EOF'
assert d["state"] == "running", d["state"]
assert d["samples"] > 0 and d["lock_events"] > 0 and d["mem_events"] > 0, d
print("running: %d samples, %d lock events, %d mem events" % (d["samples"], d["lock_events"], d["mem_events"]))
EOF
work_pause
rmmod sovereign || ksft_fail "rmmod while profiling failed"
work_resume
[ -d /sys/module/sovereign ] && ksft_fail "the module is still there after rmmod"
n=$(grep -c '\[sovereign\]' /proc/kallsyms)
check_eq "$n" 0 "sovereign's symbols in /proc/kallsyms after rmmod"
sleep 2	# the workloads go on: tracepoints fire, cpu-clock timers would tick
for p in "${_prof_pids[@]}"; do
	kill -0 "$p" 2>/dev/null || ksft_fail "workload $p died after rmmod"
done
bad=$(dmesg_since "$mark" | grep -E "$BAD_DMESG")
[ -z "$bad" ] || ksft_fail "the kernel complained after rmmod while profiling:"$'\n'"$bad"
check_eq "$(ftrace_on)" "" "ftrace events on after rmmod"
grep -q 'profile stopped' <<<"$(dmesg_since "$mark")" && echo "   dmesg: the module stopped the profile"
work_kill
insmod "$KO" || ksft_fail "insmod after rmmod while profiling failed"
check_eq "$(prof_state)" idle "state after reloading"
prof_fails 1 "Error: profile stop: no profile is running" stop
prof_fails 1 "Error: profile report: no profile was started since the module was loaded" report --folded

# --- 2 -----------------------------------------------------------------------------------
step "rmmod after a stopped profile"
prof_ok start kind all freq 999
sleep 1
prof_ok stop
rmmod sovereign || ksft_fail "rmmod with a stopped profile's data failed"
insmod "$KO" || ksft_fail "insmod failed"
check_eq "$(prof_state)" idle "state after reloading"

# --- 3 -----------------------------------------------------------------------------------
step "10 start/stop cycles, every kind, max-stacks 65536: vmalloc, per-CPU and slab memory"
cycle() {
	prof_ok start kind all freq 999 max-stacks 65536
	sleep 0.3
	prof_ok stop
	prof report --folded >/dev/null 2>&1
}
cycle	# the first one: the tables exist from now on until the next start or unload
sync; echo 2 >/proc/sys/vm/drop_caches
v0=$(meminfo VmallocUsed) p0=$(meminfo Percpu) s0=$(meminfo Slab)
for _ in $(seq 10); do cycle; done
sync; echo 2 >/proc/sys/vm/drop_caches
v1=$(meminfo VmallocUsed) p1=$(meminfo Percpu) s1=$(meminfo Slab)
echo "   VmallocUsed $v0 -> $v1 kB, Percpu $p0 -> $p1 kB, Slab $s0 -> $s1 kB"
[ $((v1 - v0)) -lt 1024 ] || ksft_fail "VmallocUsed grew by $((v1 - v0)) kB over 10 cycles"
[ $((p1 - p0)) -lt 512 ] || ksft_fail "Percpu grew by $((p1 - p0)) kB over 10 cycles"
[ $((s1 - s0)) -lt 4096 ] || ksft_fail "Slab grew by $((s1 - s0)) kB over 10 cycles"
ksft_pass "profile_unload: rmmod while profiling, after a profile, and 10 cycles without growth"
