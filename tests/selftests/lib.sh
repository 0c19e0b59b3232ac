#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Helpers for tests/selftests/*.sh; source it with
#   . "$(dirname "$0")/lib.sh"
# A test exits KSFT_PASS, KSFT_FAIL or KSFT_SKIP (kselftest codes); run_all.sh turns that
# into TAP. Checks fail the test at once (exit 1) with a message naming what differed.
# shellcheck disable=SC2034 # the variables are for the tests that source this file

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

SOV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SOVCTL=${SOVCTL:-$SOV_ROOT/build/bin/sovctl}
SOVEREIGND=${SOVEREIGND:-$SOV_ROOT/build/bin/sovereignd}
# busybox's PATH in the VM may not include /usr/sbin: use full paths.
IP=/usr/sbin/ip
TC=/usr/sbin/tc
GENL=/usr/sbin/genl

ksft_pass() { [ $# -gt 0 ] && echo "PASS: $*"; exit $KSFT_PASS; }
ksft_fail() { echo "FAIL: $*" >&2; exit $KSFT_FAIL; }
# run_all.sh shows the last "SKIP: reason" line as the TAP skip reason.
ksft_skip() { echo "SKIP: $*"; exit $KSFT_SKIP; }

# check_eq ACTUAL EXPECTED [WHAT]
check_eq() {
	[ "$1" = "$2" ] || ksft_fail "${3:-value}: expected '$2', got '$1'"
}

# check_contains HAYSTACK NEEDLE [WHAT]
check_contains() {
	case $1 in
	*"$2"*) ;;
	*) ksft_fail "${3:-output} does not contain '$2'; it was:"$'\n'"$1" ;;
	esac
}

# run_as_nobody CMD...: run CMD unprivileged (uid nobody, no groups, no capabilities).
run_as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all -- "$@"
}

# require_cmd CMD...: skip the test unless every CMD is runnable.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || ksft_skip "'$c' not available"
	done
}

# require_module: skip unless sovereign.ko is loaded (run_all.sh loads it).
require_module() {
	[ -d /sys/module/sovereign ] || ksft_skip "sovereign module not loaded"
}

# on_exit CMD...: run CMD (a string, eval'd) when the test exits, last registered first.
# The test's exit status is kept; failures in cleanup are reported but do not change it.
_ksft_cleanups=()
on_exit() {
	_ksft_cleanups=("$*" "${_ksft_cleanups[@]}")
	trap _ksft_run_cleanups EXIT
}
_ksft_run_cleanups() {
	local rc=$? c
	for c in "${_ksft_cleanups[@]}"; do
		eval "$c" || echo "cleanup failed: $c" >&2
	done
	exit $rc
}
