#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests (make check-unit): every build/tests/unit/test_* (cmocka, built
# with ASan+UBSan), the uapi/spec consistency check and lib/trace's OTLP/JSON
# decoded by OpenTelemetry's own code (tests/otel/run.sh), all as TAP.
# Writes build/check/unit.counts and build/check/unit.log.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
out=build/check
log=$out/unit.log
mkdir -p "$out"
: >"$log"

export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

passed=0 failed=0 skipped=0
tally() {	# $1: name, $2: exit status, stdin: TAP
	local tap p f s
	tap=$(cat)
	printf '%s\n' "$tap" >>"$log"
	s=$(grep -ciE '^ok .*# skip' <<<"$tap")
	p=$(($(grep -cE '^ok ' <<<"$tap") - s))
	f=$(grep -cE '^not ok ' <<<"$tap")
	# a crash (sanitizer abort) after some "ok" lines is still a failure
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $1 exited with status $2" >>"$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	printf '  %-28s %3d passed, %d failed' "$1" "$p" "$f"
	[ "$s" -eq 0 ] && echo || echo ", $s skipped"
	grep -E '^not ok|^# (ERROR|FAIL)|ERROR: (Address|Undefined|Leak)Sanitizer|runtime error' \
		<<<"$tap" | sed 's/^/    /'
}

shopt -s nullglob
bins=(build/tests/unit/test_*)
[ ${#bins[@]} -gt 0 ] || echo "unit: no test binaries in build/tests (run make check-unit)" >&2
for t in "${bins[@]}"; do
	echo "# $t" >>"$log"
	tap=$("$t" 2>&1)
	tally "${t##*/}" $? <<<"$tap"
done
echo "# uapi_spec_check" >>"$log"
tap=$(tests/unit/uapi_spec_check.py 2>&1)
tally uapi_spec_check $? <<<"$tap"
echo "# otel (tests/otel/run.sh)" >>"$log"
tap=$(tests/otel/run.sh 2>&1)
tally otel $? <<<"$tap"

echo "passed=$passed failed=$failed skipped=$skipped" >"$out/unit.counts"
echo "unit: $passed passed, $failed failed, $skipped skipped (log: $log)"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
