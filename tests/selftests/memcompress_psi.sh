#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# memcompress's demand policy, end to end: sovereignd watches PSI memory pressure and
# reports it to the module; a memory hog in a cgroup with memory.max swapping to
# /dev/sovz0 (demand policy) stalls enough to fire the trigger, and the device's policy
# acts (a policy event with cause demand); every byte the hog wrote is still right.
. "$(dirname "$0")/lib.sh"
require_module
require_cmd mkswap swapon swapoff
[ -r /proc/pressure/memory ] || ksft_skip "no PSI (/proc/pressure/memory)"
PY=/usr/bin/python3
HOG=$(dirname "$0")/memhog.py
EVENTS=$(dirname "$0")/mc_events.py
TMP=/tmp/sov-mc-psi
CG=/sys/fs/cgroup/sov-mc-psi
HOLD=$TMP/hold

mc() { "$SOVCTL" memcompress "$@"; }
step() { echo "== $*"; }
devices() { find /sys/block -maxdepth 1 -name 'sovz*' -printf '%f\n' | sort | tr '\n' ' '; }

cleanup() {
	[ -n "${hog:-}" ] && kill "$hog" 2>/dev/null
	[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
	[ -n "${sovd:-}" ] && kill "$sovd" 2>/dev/null
	wait 2>/dev/null
	swapoff /dev/sovz0 2>/dev/null
	[ -d "$CG" ] && rmdir "$CG"
	local d
	for d in $(devices); do mc destroy "$d" >/dev/null 2>&1; done
	[ -f "$TMP/sovd.log" ] && { echo "--- sovereignd"; cat "$TMP/sovd.log"; }
	rm -rf "$TMP"
	return 0
}
on_exit cleanup

[ "$(awk 'NR > 1' /proc/swaps)" = "" ] || ksft_skip "another swap area is active"
[ -z "$(devices)" ] || ksft_fail "memcompress devices exist before the test: $(devices)"
grep -qw memory /sys/fs/cgroup/cgroup.controllers || ksft_skip "no memory cgroup controller"
mkdir -p "$TMP"

step "sovereignd watches PSI"
"$SOVEREIGND" -s "$TMP/ctl" --no-bpf -l debug >"$TMP/sovd.log" 2>&1 &
sovd=$!
for ((i = 0; i < 50; i++)); do grep -q "listening on" "$TMP/sovd.log" && break; sleep 0.1; done
check_contains "$(cat "$TMP/sovd.log")" "psi: watching memory pressure (/proc/pressure/memory: some" "sovereignd's log"

step "swap on sovz0 with a demand policy"
mc create size 256M level fast name sovz0 >/dev/null || ksft_fail "create failed"
mkswap /dev/sovz0 >/dev/null || ksft_fail "mkswap failed"
swapon /dev/sovz0 || ksft_fail "swapon failed"
mc set sovz0 policy demand idle-age 4s cooldown 1s level balanced || ksft_fail "set policy failed"

step "a hog of 200 MiB under memory.max 48M: pressure, reported, acted on"
rm -f "$TMP/ready"
"$PY" "$EVENTS" "$TMP/ready" 200 1 policy >"$TMP/events" &
listener=$!
for ((i = 0; i < 50; i++)); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
[ -e "$TMP/ready" ] || ksft_fail "the event listener did not start"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control || ksft_fail "cannot enable the memory controller"
mkdir "$CG" || ksft_fail "cannot create $CG"
echo 48M >"$CG/memory.max" || ksft_fail "cannot set memory.max"
bash -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" 200 --hold "$4"' _ "$CG" "$PY" "$HOG" "$HOLD" \
	>"$TMP/hog.out" 2>&1 &
hog=$!
wait "$listener" || ksft_fail "no policy event: $(cat "$TMP/events"); PSI: $(cat /proc/pressure/memory)"
listener=
ev=$(cat "$TMP/events")
echo "event: $ev"
check_contains "$ev" "kind=policy id=0 name=sovz0 cause=demand" "the policy event"
cat /proc/pressure/memory
for ((i = 0; i < 1200; i++)); do
	[ -e "$HOLD" ] && break
	kill -0 "$hog" 2>/dev/null || break
	sleep 0.2
done
cat "$TMP/hog.out"
[ -e "$HOLD" ] || ksft_fail "the hog failed"
check_contains "$(cat "$TMP/hog.out")" ": 0 bad pages" "hog verification"
kill "$hog"
wait "$hog" 2>/dev/null
hog=
mc stats sovz0
grep -E "psi: memory pressure event" "$TMP/sovd.log" | head -n 3
swapoff /dev/sovz0 || ksft_fail "swapoff failed"
mc destroy sovz0 || ksft_fail "destroy failed"
ksft_pass "demand policy driven by PSI"
