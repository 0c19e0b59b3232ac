#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module is loaded and its generic netlink family "sovereign" is registered with the
# "events" multicast group.
set -euo pipefail
# shellcheck source=tests/selftests/lib.sh
. "$(dirname "$0")/lib.sh"

[ -d /sys/module/sovereign ] || ksft_fail "/sys/module/sovereign missing: module not loaded"
require_cmd "$GENL"

out=$("$GENL" ctrl get name sovereign 2>&1) || ksft_fail "genl family 'sovereign' not registered: $out"
echo "$out"
check_contains "$out" "Name: sovereign" "genl ctrl get"
# The multicast group list is printed as "#1:  ID-0x4  name: events".
check_contains "$(sed -n '/multicast groups:/,$p' <<<"$out")" "name: events" "multicast groups"
ksft_pass "genl family sovereign with group events"
