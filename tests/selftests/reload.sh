#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unload and load the module 20 times; the family follows it each time.
. "$(dirname "$0")/lib.sh"
require_module
ko=${SOV_KO:-$SOV_ROOT/kmod/sovereign.ko}
on_exit "[ -d /sys/module/sovereign ] || insmod '$ko'"

for i in $(seq 1 20); do
	rmmod sovereign || ksft_fail "rmmod #$i failed"
	[ -d /sys/module/sovereign ] && ksft_fail "module still present after rmmod #$i"
	$GENL ctrl get name sovereign >/dev/null 2>&1 && ksft_fail "family left registered after rmmod #$i"
	if [ "$i" -eq 1 ]; then
		rc=0
		out=$("$SOVCTL" module show 2>&1) || rc=$?
		check_eq "$rc" 1 "sovctl exit status without the module"
		check_eq "$out" "Error: sovereign module is not loaded (insmod kmod/sovereign.ko)" \
			"sovctl without the module"
	fi
	insmod "$ko" || ksft_fail "insmod #$i failed"
	$GENL ctrl get name sovereign >/dev/null || ksft_fail "family missing after insmod #$i"
done
"$SOVCTL" module show >/dev/null || ksft_fail "module unusable after 20 reloads"
ksft_pass "20 unload/load cycles"
