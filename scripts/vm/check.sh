#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check-vm`: boot the test VM once, run tests/selftests/run_all.sh in it, and count.
#   scripts/vm/check.sh [NAME...]          (NAMEs: run only those selftests)
# Writes build/check/vm.counts ("passed=N failed=N skipped=N") and build/check/vm.log (the
# whole console); the VM's results are in build/vm/check/ (selftests.tap, logs/, dmesg.log).
# Exits 1 if a test failed, no test ran, or the VM never reported (timeout, crash): then
# failed is at least 1. Honours SOV_VM_TIMEOUT (1200 s) and everything run.sh passes on.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"
out=build/vm/check
counts=build/check/vm.counts
log=build/check/vm.log
rm -rf "$out"
mkdir -p "$out" build/check
rm -f "$counts" "$log"

set +e
scripts/vm/run.sh --out "$out" --timeout "${SOV_VM_TIMEOUT:-1200}" -- tests/selftests/run_all.sh "$@" 2>&1 |
	tee "$log.raw"
rc=${PIPESTATUS[0]}
set -e
tr -d '\r' <"$log.raw" >"$log"	# the serial console ends lines with CR LF
rm -f "$log.raw"

passed=0 failed=0 skipped=0 planned=0
tap=$out/selftests.tap
if [ -f "$tap" ]; then
	planned=$(sed -n 's/^1\.\.\([0-9]\+\)$/\1/p' "$tap" | head -n 1)
	skipped=$(grep -Ec '^ok [0-9]+ .*# SKIP' "$tap" || true)
	passed=$(($(grep -Ec '^ok [0-9]+' "$tap" || true) - skipped))
	failed=$(grep -Ec '^not ok [0-9]+' "$tap" || true)
	ran=$((passed + failed + skipped))
	# A runner that died mid-way leaves planned tests without a result: count them failed.
	[ "${planned:-0}" -gt "$ran" ] && failed=$((failed + planned - ran))
fi
total=$((passed + failed + skipped))

why=
if [ "$rc" -eq 124 ]; then
	why="the VM timed out"
elif [ ! -f "$tap" ]; then
	why="the VM did not report (no $tap; exit $rc)"
elif [ "$total" -eq 0 ]; then
	why="no test ran"
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	why="run_all.sh exited $rc"
fi
[ -n "$why" ] && [ "$failed" -eq 0 ] && failed=1

echo "passed=$passed failed=$failed skipped=$skipped" >"$counts"
[ -n "$why" ] && echo "check-vm: $why" >&2
echo "vm: $passed passed, $failed failed, $skipped skipped (log: $log)"
[ "$failed" -eq 0 ]
