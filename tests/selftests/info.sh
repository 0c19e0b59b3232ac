#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# INFO_GET through sovctl (text and JSON) and the genl controller's view of the family.
. "$(dirname "$0")/lib.sh"
require_module

fam=$($GENL ctrl get name sovereign) || ksft_fail "genl does not know the family"
check_contains "$fam" "Name: sovereign" "genl ctrl get"
check_contains "$fam" "Version: 0x1" "genl ctrl get"
check_contains "$fam" "name: events" "genl ctrl get (multicast groups)"

out=$("$SOVCTL" module show) || ksft_fail "sovctl module show failed: $out"
ver=$(sed -n 's/^#define SOV_VERSION "\(.*\)"/\1/p' "$SOV_ROOT/kmod/version.h")
check_contains "$out" "version $ver" "module show"
check_contains "$out" "kernel $(uname -r)" "module show"
check_contains "$out" "memcompress" "module show (subsystems)"
check_contains "$out" "netio (enabled)" "module show (netio is built in)"

json=$("$SOVCTL" -j module show) || ksft_fail "sovctl -j module show failed"
echo "$json" | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)
assert m["version"] == sys.argv[1], m
assert m["kernel_release"] == sys.argv[2], m
assert m["uptime_ns"] > 0, m
assert 0 <= m["log_level"] <= 7, m
names = [s["name"] for s in m["subsystems"]]
assert names == ["memcompress", "classes", "profile", "netio"], names
' "$ver" "$(uname -r)" || ksft_fail "module JSON is wrong: $json"

json=$("$SOVCTL" -j status) || ksft_fail "sovctl -j status failed"
echo "$json" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["module"]["loaded"] is True, s
assert "daemon" in s and "bpf" in s, s
' || ksft_fail "status JSON is wrong: $json"
ksft_pass "info over genl, text and JSON"
