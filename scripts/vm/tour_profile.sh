#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`, profile part: every CPU sampled at 999 Hz for 5 s, kernel and
# user stacks, while build/tests/prof/deep (a CPU-bound "query engine" of 31
# functions) and a dd from /dev/zero run next to sovereignd; then the status,
# the top 10 hotspots and a flame graph written to the results share, which
# outlives the VM (make run: build/vm/out/profile.svg on the host). Sourced
# by scripts/vm/tour.sh (needs its step() and repo).

# shellcheck disable=SC2154 # repo comes from tour.sh
PF_OUT=${SOV_VM_OUT:-/tmp}

echo; echo "# the profiler: every CPU at 999 Hz for 5 s, kernel and user stacks, while a"
echo "# CPU-bound program (deep, 31 functions) and a dd run next to the daemon"
"$repo/build/tests/prof/deep" 1000000000 -H >/tmp/sov-tour-deep.out &
pf_deep=$!
dd if=/dev/zero of=/dev/null bs=64k count=100000000 status=none &
pf_dd=$!
step sovctl profile start freq 999
sleep 5
step sovctl profile status
step sovctl profile stop save "$PF_OUT/profile.json"
# deep stays alive until its frames are symbolized
step sovctl profile report --top 10
step sovctl profile report --svg "$PF_OUT/profile.svg"
kill "$pf_deep" "$pf_dd" 2>/dev/null
wait "$pf_deep" "$pf_dd" 2>/dev/null || true
echo "# the flame graph: $PF_OUT/profile.svg in the VM; on the host, profile.svg in"
echo "# scripts/vm/run.sh's --out directory (make run: build/vm/out/profile.svg), and the"
echo "# saved profile beside it (sovctl profile report from build/vm/out/profile.json --top 20)"
