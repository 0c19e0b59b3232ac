#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The adaptive sampling mode keeps the sample handler's share of CPU time under its
# target by lowering the rate, and never goes above the frequency it was given:
#   1. a busy CPU profiled at up to 4000 Hz with a 0.05 % target: within a few seconds
#      the rate in force falls below 1000 Hz, and the handler's share (as measured over
#      the last second) ends up near the target;
#   2. a generous target (5 %) at 200 Hz: the rate stays 200 Hz, never more;
#   3. status reports the mode, the target and the rate in force, text and JSON.
. "$(dirname "$0")/lib.sh"
require_module
# shellcheck source=tests/selftests/prof_lib.bash
. "$(dirname "$0")/prof_lib.bash"
on_exit prof_cleanup
prof_require
prof stop >/dev/null 2>&1

step "a busy CPU, adaptive 0.05 % at up to 4000 Hz"
work_start spin 60
prof_ok start adaptive 0.05 freq 4000
check_eq "$(sj 'd["mode"], d["adaptive_x100"], d["freq"]')" "('adaptive', 5, 4000)" "mode, target, ceiling"
low=0
for _ in $(seq 20); do
	sleep 1
	f=$(sj 'd["effective_freq"]')
	if [ "$f" -lt 1000 ]; then
		low=$f
		break
	fi
done
[ "$low" -gt 0 ] || ksft_fail "the rate never fell below 1000 Hz (now $f Hz)"
echo "   rate in force fell to $low Hz"
# the handler's share once lowered: within a few times the target (the rate halves
# back up under half the target, so it moves around it)
sleep 3
ovh=$(sj 'd["overhead_x100"]')
echo "   handler's share over the last second: $ovh/100 %"
[ "$ovh" -le 50 ] || ksft_fail "handler's share $ovh/100 % stays far above the 0.05 % target"
prof_ok status
grep -q 'adaptive: under 0.05% of CPU time, at most 4000 Hz; now' <<<"$out" ||
	ksft_fail "status does not show the adaptive mode:"$'\n'"$out"
prof_ok stop

step "a generous target keeps the ceiling"
prof_ok start adaptive 5 freq 200
for _ in 1 2 3; do
	sleep 1
	check_eq "$(sj 'd["effective_freq"]')" 200 "rate in force under a 5 % target"
done
prof_ok stop
work_kill
ksft_pass
