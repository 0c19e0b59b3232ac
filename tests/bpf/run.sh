#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bpf/run.sh - run the BPF fixture runner over tests/bpf/fixtures/*.fixture,
# then bpf-trace-test (the kernel-span programs, bpf/trace.bpf.c, attached on
# the host; tests/bpf/trace_test.c) and bpf-usdt-test (lib/trace's USDT probes
# in child processes, observed by bpf/trace_usdt.bpf.c; tests/bpf/usdt_test.c).
#
#   BUILD=build tests/bpf/run.sh
#
# Needs the BPF objects and the three programs built first (make check-bpf does
# that) and the privileges to load BPF programs (root).  The fixtures mount
# nothing: BPF_PROG_TEST_RUN needs no bpffs and no network device.  The trace
# test pins maps in a directory of its own under /sys/fs/bpf (mounting bpffs
# there if needed) and removes it.
#
# Writes $BUILD/check/bpf.log (the programs' TAP and stderr) and
# $BUILD/check/bpf.counts ("passed=N failed=N skipped=N", counted from the
# TAP).  Exits non-zero if a case failed, the runner failed, or no case ran.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
runner=${BPF_RUNNER:-$BUILD/bin/bpf-fixture-runner}
trace_test=${BPF_TRACE_TEST:-$BUILD/bin/bpf-trace-test}
usdt_test=${BPF_USDT_TEST:-$BUILD/bin/bpf-usdt-test}
outdir=$BUILD/check
log=$outdir/bpf.log
counts=$outdir/bpf.counts
mkdir -p "$outdir" || exit 1

shopt -s nullglob
fixtures=(tests/bpf/fixtures/*.fixture)
shopt -u nullglob

if [ ! -x "$runner" ]; then
	echo "bpf: runner $runner not built (make $runner)" | tee "$log" >&2
	rc=2
elif [ ${#fixtures[@]} -eq 0 ]; then
	echo "bpf: no fixtures in tests/bpf/fixtures" | tee "$log" >&2
	rc=2
else
	"$runner" "${fixtures[@]}" >"$log" 2>&1
	rc=$?
fi

# TAP streams of their own, appended: their plans add to the runner's
for t in "$trace_test" "$usdt_test"; do
	if [ -x "$t" ]; then
		"$t" >>"$log" 2>&1
		trc=$?
		[ "$rc" -eq 0 ] && rc=$trc
	else
		echo "bpf: test $t not built (make $t)" | tee -a "$log" >&2
		[ "$rc" -eq 0 ] && rc=2
	fi
done

passed=$(grep -E '^ok [0-9]+' "$log" | grep -vcE '# SKIP' || true)
skipped=$(grep -E '^ok [0-9]+' "$log" | grep -cE '# SKIP' || true)
failed=$(grep -cE '^not ok [0-9]+' "$log" || true)
planned=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$log" | awk '{ n += $1 } END { if (NR) print n }')
echo "passed=$passed failed=$failed skipped=$skipped" >"$counts"

echo "bpf: $passed passed, $failed failed (log: $log)"

status=0
if [ "$failed" -gt 0 ]; then
	grep -E -A 30 '^not ok ' "$log" | grep -E '^(not ok |# )' | head -n 60 >&2
	status=1
fi
if grep -q '^Bail out!' "$log"; then
	grep -vE '^(TAP version|Bail out!)' "$log" | head -n 40 >&2
	status=1
fi
ran=$((passed + failed + skipped))
if [ -n "$planned" ] && [ "$ran" -ne "$planned" ]; then
	echo "bpf: runner planned $planned cases but reported $ran (exit status $rc)" >&2
	status=1
fi
if [ $((passed + failed)) -eq 0 ]; then
	echo "bpf: no case ran" >&2
	status=1
fi
if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
	echo "bpf: runner exited with status $rc" >&2
	status=1
fi
exit $status
