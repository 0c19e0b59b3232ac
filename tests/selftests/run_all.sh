#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Selftest runner, run as root inside the test VM:
#   scripts/vm/run.sh -- tests/selftests/run_all.sh [NAME...]
# Loads $SOV_KO (default kmod/sovereign.ko), runs every tests/selftests/NAME.sh (all but
# run_all.sh and lib.sh, or just the NAMEs given), unloads the module and checks that it
# left nothing behind. Prints TAP 13 and writes it to $SOV_VM_OUT/selftests.tap, with each
# test's output in $SOV_VM_OUT/logs/NAME.log. Test exit codes: 0 pass, 4 skip, else fail;
# each test is killed after `timeout=` seconds from tests/selftests/settings.
# Exit status: 0 when every TAP line is "ok", else 1.
set -uo pipefail	# no -e: a failing step is a TAP result, not the end of the run

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
cd "$root" || exit 1
# shellcheck source=tests/selftests/lib.sh
. "$here/lib.sh"

KO=${SOV_KO:-kmod/sovereign.ko}
MOD=sovereign
OUT=${SOV_VM_OUT:-$(mktemp -d /tmp/sov-selftests.XXXXXX)}
TAP=$OUT/selftests.tap
mkdir -p "$OUT/logs"
rm -f "$TAP" "$OUT"/logs/*.log

timeout=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$here/settings" 2>/dev/null)
timeout=${KSFT_TIMEOUT:-${timeout:-45}}

# Dmesg lines that mean the kernel is unhappy.
BAD_DMESG='WARNING:|BUG:|KASAN|kmemleak|unreferenced object|Call Trace|refcount|[Ll]eak|UBSAN|Oops|general protection fault|still has objects|list_(add|del) corruption'
# Taint bits that a test run must not newly set: B(5) bad page, D(7) oops, W(9) warning,
# L(14) soft lockup. O and E (out-of-tree, unsigned) are expected for our module.
BAD_TAINT=$(((1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))

# Builtins only: every process costs ~50 ms in the TCG guest.
tap() { printf '%s\n' "$*"; printf '%s\n' "$*" >>"$TAP"; }
diag() { local l; while IFS= read -r l || [ -n "$l" ]; do tap "# $l"; done; }	# stdin -> TAP comments
n=0 npass=0 nfail=0 nskip=0
ok() { n=$((n + 1)) npass=$((npass + 1)); tap "ok $n $1"; }
not_ok() { n=$((n + 1)) nfail=$((nfail + 1)); tap "not ok $n $1${2:+ # $2}"; }
skip() { n=$((n + 1)) nskip=$((nskip + 1)); tap "ok $n $1 # SKIP $2"; }
loaded() { [ -d /sys/module/$MOD ]; }

# --- which tests ---
tests=()
if [ $# -gt 0 ]; then
	for a in "$@"; do tests+=("${a%.sh}"); done
else
	for f in "$here"/*.sh; do
		t=$(basename "$f" .sh)
		case $t in run_all|lib) ;; *) tests+=("$t") ;; esac
	done
fi

# --- baseline, taken before the module is loaded ---
snap_netdevs() { ls /sys/class/net | sort; }
snap_qdiscs() { "$TC" qdisc show 2>/dev/null | sed -E 's/ refcnt [0-9]+//' | sort; }
snap_netns() { "$IP" netns list 2>/dev/null | awk '{print $1}' | sort; }
snap_slabs() { awk 'NR > 2 {print $1}' /proc/slabinfo | sort; }
snap_modules() { awk '{print $1}' /proc/modules | sort; }
dmesg_since() { dmesg | awk -v t="$1" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 > t + 0) print }'; }

tap "TAP version 13"
tap "1..$((${#tests[@]} + 3))"

if loaded; then
	echo "$MOD was already loaded; unloading it for a clean baseline" | diag
	rmmod $MOD 2>&1 | diag
fi
# tests that run daemons talk over 127.0.0.1: loopback up before the baseline
# (its noqueue root qdisc is the kernel's, not a leak)
"$IP" link set lo up 2>&1 | diag
# insmod does not resolve dependencies: load them first, and before the baseline.
if [ -f "$KO" ]; then
	for dep in $(modinfo -F depends "$KO" 2>/dev/null | tr ',' ' '); do
		modprobe "$dep" 2>&1 | diag
	done
fi
base=$(mktemp -d /tmp/sov-baseline.XXXXXX)
snap_netdevs >"$base/netdevs"
snap_qdiscs >"$base/qdiscs"
snap_netns >"$base/netns"
snap_slabs >"$base/slabs"
snap_modules >"$base/modules"
taint0=$(cat /proc/sys/kernel/tainted)
cursor=$(dmesg | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
cursor=${cursor:-0}

# --- insmod ---
ever_loaded=0
if [ ! -f "$KO" ]; then
	not_ok insmod
	echo "$KO not found: build the module first (make)" | diag
elif out=$(insmod "$KO" 2>&1); then
	ever_loaded=1
	ok insmod
else
	not_ok insmod
	{ echo "insmod $KO: $out"; dmesg_since "$cursor" | tail -n 20; } | diag
fi

# After a failed or killed test: take down the memcompress devices it left, so that
# the next test starts clean instead of failing on them too.
tidy_after() {
	local d gone=()
	for d in /sys/block/sovz*; do
		[ -e "$d" ] || continue
		d=${d##*/}
		gone+=("$d")
		swapoff "/dev/$d" 2>/dev/null
		grep -q "^/dev/$d " /proc/mounts && umount -l "/dev/$d" 2>/dev/null
		"$SOVCTL" memcompress destroy "$d" >/dev/null 2>&1
	done
	[ ${#gone[@]} -eq 0 ] || echo "after $1: destroyed the devices it left: ${gone[*]}" | diag
}

# --- the tests ---
for t in "${tests[@]}"; do
	log=$OUT/logs/$t.log
	if [ ! -f "$here/$t.sh" ]; then
		not_ok "$t"
		echo "no such test: tests/selftests/$t.sh" | diag
		continue
	fi
	if [ $ever_loaded = 0 ]; then
		skip "$t" "module not loaded"
		continue
	fi
	if ! loaded; then
		echo "$MOD was unloaded by an earlier test; loading it again" | diag
		insmod "$KO" 2>&1 | diag
	fi
	echo "running $t" | diag
	start=$SECONDS
	# timeout(1) runs the test in its own process group and kills all of it.
	timeout -k 5 "$timeout" bash "$here/$t.sh" </dev/null >"$log" 2>&1
	rc=$?
	case $rc in
	0) ok "$t" ;;
	4) skip "$t" "$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)" ;;
	124 | 137)
		not_ok "$t" "TIMEOUT $timeout seconds"
		diag <"$log"
		tidy_after "$t"
		;;
	*)
		not_ok "$t" "exit=$rc"
		diag <"$log"
		tidy_after "$t"
		;;
	esac
	echo "$t: $((SECONDS - start))s" | diag
done

# --- rmmod (load it first if a test left it unloaded, so unloading is always tested) ---
if [ $ever_loaded = 0 ]; then
	skip rmmod "module was never loaded"
else
	loaded || insmod "$KO" 2>&1 | diag
	if out=$(rmmod $MOD 2>&1); then
		ok rmmod
	else
		not_ok rmmod
		{ echo "rmmod: $out"; grep "^$MOD " /proc/modules; } | diag
	fi
fi

# --- no-leaks: nothing that the module or the tests created survives the unload ---
net_leaks() {
	loaded && echo "/sys/module/$MOD still exists"
	snap_netdevs | comm -13 "$base/netdevs" - | sed 's/^/netdev left behind: /'
	snap_qdiscs | comm -13 "$base/qdiscs" - | sed 's/^/qdisc left behind: /'
	snap_netns | comm -13 "$base/netns" - | sed 's/^/netns left behind: /'
	return 0
}
kernel_leaks() {
	local taint
	snap_slabs | comm -13 "$base/slabs" - | sed 's/^/slab cache left behind: /'
	taint=$(cat /proc/sys/kernel/tainted)
	(((taint & ~taint0) & BAD_TAINT)) && echo "kernel newly tainted: $taint0 -> $taint"
	dmesg_since "$cursor" | grep -E "$BAD_DMESG" | sed 's/^/dmesg: /'
	return 0
}
# Netns and netdev teardown finishes asynchronously: give it a few seconds.
for _ in 1 2 3 4 5; do
	problems=$(net_leaks)
	[ -z "$problems" ] && break
	sleep 1
done
# Only then unload what the tests pulled in (veth, sch_*: unloading would delete their
# leftover devices), as those modules own slab caches of their own.
for m in $(snap_modules | comm -13 "$base/modules" -); do
	modprobe -r "$m" >/dev/null 2>&1 || true
done
klk=$(kernel_leaks)
[ -n "$klk" ] && sleep 1 && klk=$(kernel_leaks)	# deferred frees: look once more
problems=$(printf '%s\n%s' "$problems" "$klk" | sed '/^$/d')
if [ -z "$problems" ]; then
	ok no-leaks
else
	not_ok no-leaks
	{
		echo "$problems"
		left=$(snap_modules | comm -13 "$base/modules" -)
		[ -n "$left" ] && echo "(modules loaded during the run that could not be unloaded: ${left//$'\n'/ })"
	} | diag
fi
rm -rf "$base"

echo "Totals: pass:$npass fail:$nfail skip:$nskip" | diag
[ $nfail -eq 0 ]
