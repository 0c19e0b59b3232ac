#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# memcompress under fio, at every level: on a fresh /dev/sovz0, a sequential and a random
# write of half-compressible 4 KiB blocks (O_DIRECT), each verified by fio (crc32c,
# verify_fatal), then the sequential region verified again by a second fio run after the
# random one; fio must exit 0 and the device's stats must add up (every block written is a
# page at that level, read back by the verification, no failures, and compressed no bigger
# than the original). Last, a check that the verification can fail: a block overwritten
# behind fio's back must make the verify-only run fail.
. "$(dirname "$0")/lib.sh"
require_module
command -v fio >/dev/null 2>&1 || ksft_skip "fio not available (scripts/deps.sh installs it)"
PY=/usr/bin/python3
TMP=/tmp/sov-mc-fio
DEV=/dev/sovz0

mc() { "$SOVCTL" memcompress "$@"; }
step() { echo "== $*"; }
devices() { find /sys/block -maxdepth 1 -name 'sovz*' -printf '%f\n' | sort | tr '\n' ' '; }
# fio_run NAME RW OFFSET SIZE [FIO OPTION...]: one fio job on $DEV that writes (RW) and
# verifies SIZE bytes from OFFSET; output in $TMP/NAME.out. The job's name and options
# fix its data, so that a later run with --verify_only checks what this one wrote.
fio_run() {
	local name=$1 rw=$2 off=$3 size=$4
	shift 4
	fio --name="$name" --filename=$DEV --rw="$rw" --offset="$off" --size="$size" \
		--bs=4k --direct=1 --ioengine=psync --iodepth=1 \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
		--buffer_compress_percentage=50 --refill_buffers --randrepeat=1 \
		"$@" >"$TMP/$name.out" 2>&1
}
# fio_ok NAME RW OFFSET SIZE [FIO OPTION...]: fio_run, which must exit 0
fio_ok() {
	local rc=0
	fio_run "$@" || rc=$?
	[ $rc -eq 0 ] || ksft_fail "fio $1 ($2 of $4 at offset $3) exited $rc:"$'\n'"$(cat "$TMP/$1.out")"
}

cleanup() {
	local d
	for d in $(devices); do mc destroy "$d" >/dev/null 2>&1; done
	rm -rf "$TMP"
	return 0
}
on_exit cleanup

[ -z "$(devices)" ] || ksft_fail "memcompress devices exist before the test: $(devices)"
rm -rf "$TMP"
mkdir -p "$TMP"

# MiB written per region (sequential, then random) at each level: best (zstd 12) writes at
# a few MB/s under TCG
declare -A MIB=([none]=32 [fast]=32 [balanced]=16 [best]=8)
for level in none fast balanced best; do
	mib=${MIB[$level]}
	step "level $level: fio sequential and random writes of $mib MiB each, verified"
	t0=$SECONDS
	out=$(mc create size 64M level $level name sovz0) || ksft_fail "create at $level failed: $out"
	fio_ok "seq-$level" write 0 "${mib}M"
	fio_ok "rand-$level" randwrite "${mib}M" "${mib}M"
	# the first region again, now that the second has been written
	fio_ok "seq-$level" write 0 "${mib}M" --verify_only
	json=$(mc -j stats sovz0) || ksft_fail "stats at $level failed"
	mc stats sovz0
	$PY - "$json" "$level" $((2 * mib * 256)) <<'EOF' || ksft_fail "stats at $level do not add up: $json"
import json, sys
d = json.loads(sys.argv[1])["devices"][0]
level, blocks = sys.argv[2], int(sys.argv[3])
s, lv = d["stats"], d["stats"]["level_pages"]
assert d["level"] == level, d["level"]
# fio wrote every block of both regions once and read each back at least once
assert s["pages"] == blocks, "pages %d, fio wrote %d blocks" % (s["pages"], blocks)
assert s["writes"] >= blocks and s["reads"] >= blocks, s
assert s["failed_writes"] == 0 and s["failed_reads"] == 0 and s["limit_hits"] == 0, s
assert s["orig_bytes"] == s["pages"] * 4096 >= s["compr_bytes"] > 0, s
assert s["pages"] == s["same_pages"] + sum(lv.values()), s
assert lv[level] == s["pages"] - s["same_pages"], "pages not at %s: %s" % (level, lv)
assert s["mem_used"] > 0 and s["mem_used_max"] >= s["mem_used"], s
if level == "none":
    # stored as is: only same-filled pages cost nothing
    assert s["compr_bytes"] == (s["pages"] - s["same_pages"]) * 4096, s
    assert s["huge_pages"] == 0, s
else:
    # half of each block compresses: well under the original, nothing stored raw
    assert s["compr_bytes"] * 10 < s["orig_bytes"] * 7, "ratio %d/100" % s["ratio_x100"]
    assert s["huge_pages"] == 0, s
EOF
	mc destroy sovz0 || ksft_fail "destroy at $level failed"
	echo "level $level: $((SECONDS - t0)) s"
done
check_eq "$(devices)" "" "devices left after the levels"

step "the verification fails when a block changed behind fio's back"
out=$(mc create size 16M level fast name sovz0) || ksft_fail "create failed: $out"
fio_ok seq-check write 0 4M
dd if=/dev/zero of=$DEV bs=4k seek=100 count=1 oflag=direct conv=notrunc status=none ||
	ksft_fail "overwriting block 100 failed"
rc=0
fio_run seq-check write 0 4M --verify_only || rc=$?
[ $rc -ne 0 ] || ksft_fail "fio's verification passed over a zeroed block:"$'\n'"$(cat "$TMP/seq-check.out")"
grep -q "verify" "$TMP/seq-check.out" ||
	ksft_fail "fio failed (exit $rc) but not on verification:"$'\n'"$(cat "$TMP/seq-check.out")"
echo "a zeroed block: fio exited $rc: $(grep -m1 -i "verify" "$TMP/seq-check.out")"
mc destroy sovz0 || ksft_fail "destroy failed"
check_eq "$(devices)" "" "devices left behind"
ksft_pass "memcompress_fio: fio write+verify at none, fast, balanced and best"
