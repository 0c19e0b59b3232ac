#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The BPF fixtures again, on the target kernel: the host's verifier is newer
# and accepts programs that Debian's 6.1 refuses.
. "$(dirname "$0")/lib.sh"
runner=$SOV_ROOT/build/bin/bpf-fixture-runner
[ -x "$runner" ] || ksft_skip "no $runner (make check-bpf builds it)"

out=$("$runner" "$SOV_ROOT"/tests/bpf/fixtures/*.fixture 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|#)' | head -n 40
[ $rc -eq 0 ] || ksft_fail "fixtures failed on $(uname -r) (exit $rc)"
n=$(grep -c '^ok ' <<<"$out")
[ "$n" -gt 0 ] || ksft_fail "no fixture case ran"
ksft_pass "$n fixture cases on $(uname -r)"
