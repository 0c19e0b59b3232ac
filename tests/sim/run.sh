#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The deterministic simulation of lib/raft (build/bin/raft-sim, ASan+UBSan).
#   tests/sim/run.sh        make check-sim: 1,000 seeds of 3-7 nodes, 16 seeds of
#                           33 nodes, and one seed replayed twice to the same bytes
#   tests/sim/run.sh soak   make soak: SOAK_SEEDS (default 1-100000) of 3-7 nodes
# Every seed counts as one test. Writes build/check/sim.counts and sim.log
# (soak: soak.counts, soak.log). A failing seed prints the command that
# replays it.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
mode=${1:-check}
name=sim
[ "$mode" = soak ] && name=soak
out=build/check
log=$out/$name.log
sim=build/bin/raft-sim
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$out"
: >"$log"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

passed=0 failed=0
if [ ! -x "$sim" ]; then
	echo "sim: $sim is not built (make check-sim)" >&2
	echo "passed=0 failed=1 skipped=0" >"$out/$name.counts"
	exit 1
fi

# raft-sim ARGS...: its "P passed, F failed" goes into the tally, failures to the screen
run() {
	local o rc p f
	echo "# raft-sim $*" >>"$log"
	o=$("$sim" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$o" >>"$log"
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$o" | tail -n1)
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$o" | tail -n1)
	p=${p:-0} f=${f:-0}
	# died before its summary: count that as a failure
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
	printf '  %-40s %6d passed, %d failed  %s\n' "raft-sim $*" "$p" "$f" \
		"$(grep -o '([0-9.]* seeds/s)' <<<"$o" | tail -n1)"
	grep -E '^FAIL|ERROR: (Address|Undefined|Leak)Sanitizer|runtime error' \
		<<<"$o" | head -n 40 | sed 's/^/    /'
}

# the same seed twice, traced: the same bytes, or replaying a seed means nothing
replay_twice() {
	local a b
	a=$("$sim" --seed 7 --nodes 5 -vvv 2>&1)
	b=$("$sim" --seed 7 --nodes 5 -vvv 2>&1)
	echo "# replay: raft-sim --seed 7 --nodes 5 -vvv, twice: $(wc -l <<<"$a") lines" >>"$log"
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		passed=$((passed + 1))
		echo "  replay of seed 7, traced, twice: identical ($(wc -l <<<"$a") lines)"
	else
		failed=$((failed + 1))
		echo "  replay of seed 7, traced, twice: DIFFERENT"
		diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 20 | tee -a "$log"
	fi
}

if [ "$mode" = soak ]; then
	run --seeds "${SOAK_SEEDS:-1-100000}" --nodes 3-7 -j "$jobs"
else
	run --seeds 1-1000 --nodes 3-7 -j "$jobs"
	run --seeds 1-16 --nodes 33 -j "$jobs"
	replay_twice
fi

echo "passed=$passed failed=$failed skipped=0" >"$out/$name.counts"
echo "$name: $passed passed, $failed failed (log: $log)"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
