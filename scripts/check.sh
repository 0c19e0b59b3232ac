#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run test layers and sum them: scripts/check.sh LAYER...  (unit sim bpf kunit vm)
# Each layer leaves build/check/LAYER.counts ("passed=N failed=N skipped=N")
# and build/check/LAYER.log. Ends with one line "N passed, N failed"; exits
# non-zero if anything failed or if any layer ran zero tests.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
out=build/check
mkdir -p "$out"

run_layer() {
	case $1 in
	unit) tests/unit/run.sh ;;
	sim) tests/sim/run.sh ;;
	bpf) tests/bpf/run.sh ;;
	kunit) scripts/kunit.sh ;;
	vm) scripts/vm/check.sh ;;
	*) echo "check: unknown layer '$1' (expected unit, sim, bpf, kunit or vm)" >&2; return 2 ;;
	esac
}

total_p=0 total_f=0 total_s=0 bad=0
summary=()
for layer in "$@"; do
	rm -f "$out/$layer.counts"
	echo "=== $layer ==="
	start=$SECONDS
	run_layer "$layer"
	rc=$?
	p=0 f=0 s=0
	if [ -f "$out/$layer.counts" ]; then
		eval "$(grep -oE '(passed|failed|skipped)=[0-9]+' "$out/$layer.counts" |
			sed 's/passed/p/;s/failed/f/;s/skipped/s/')"
	fi
	# a layer that crashed before counting, or ran nothing, is a failure
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ $((p + f)) -eq 0 ]; then
		echo "check: layer '$layer' ran zero tests" >&2
		f=1
	fi
	[ "$f" -eq 0 ] || bad=1
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
	summary+=("$(printf '  %-6s %4d passed, %d failed, %d skipped  (%ds, log: %s/%s.log)' \
		"$layer" "$p" "$f" "$s" $((SECONDS - start)) "$out" "$layer")")
done

echo
echo "Summary:"
printf '%s\n' "${summary[@]}"
[ "$total_s" -eq 0 ] || echo "  ($total_s skipped)"
echo "$total_p passed, $total_f failed"
exit "$bad"
