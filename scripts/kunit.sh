#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suites of tests/kunit under UML (make check-kunit).
#
# Debian's linux-source-6.1 is extracted once per machine into a cache outside
# the repo, this repo is linked into it as drivers/sovereign, and kunit.py
# builds into a directory keyed by kernel version + .kunitconfig hash, so a
# fresh clone on the same machine rebuilds only our own files (~20 s, not ~6 min).
#
# Writes build/check/kunit.counts ("passed=N failed=N skipped=N") and
# build/check/kunit.log. Exits non-zero if a test failed, crashed, or none ran.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cache=${SOV_CACHE:-/var/cache/sovereign}
kunitconfig=$repo/tests/kunit/.kunitconfig
out=$repo/build/check
log=$out/kunit.log
mkdir -p "$out" "$cache"

counts() { echo "passed=$1 failed=$2 skipped=$3" >"$out/kunit.counts"; }
die() {
	echo "kunit: $*" >&2
	counts 0 1 0
	exit 1
}

src=$(scripts/kernel-src.sh) || die "no kernel source"
debver=${src##*/linux-source-}

# One kunit run per machine at a time: the source tree's drivers/sovereign
# link points at whichever clone is running.
exec 9>"$cache/kunit.lock"
flock 9

# Link this clone in as drivers/sovereign.
ln -sfn "$repo" "$src/drivers/sovereign"
grep -q 'drivers/sovereign/Kconfig' "$src/drivers/Kconfig" ||
	sed -i '/^endmenu/i source "drivers/sovereign/Kconfig"' "$src/drivers/Kconfig"
grep -q 'sovereign/' "$src/drivers/Makefile" ||
	echo 'obj-$(CONFIG_SOVEREIGN) += sovereign/' >>"$src/drivers/Makefile"

hash=$(sha256sum "$kunitconfig" | cut -c1-12)
build=$cache/kunit-build-$debver-$hash
mkdir -p "$build" "$repo/build"
ln -sfn "$build" "$repo/build/kunit"
# Objects built from another clone may be newer than this clone's sources
# while differing from them: rebuild our own objects when the clone changes.
if [ "$(cat "$build/.sov-repo" 2>/dev/null)" != "$repo" ]; then
	rm -rf "$build/drivers/sovereign"
	echo "$repo" >"$build/.sov-repo"
fi

echo "kunit: building UML in $build (cached; cold build takes ~6 min)"
set +e
(cd "$src" && python3 tools/testing/kunit/kunit.py run --arch=um \
	--jobs="$(nproc)" --build_dir="$build" --kunitconfig="$kunitconfig" \
	--timeout=300) >"$log" 2>&1
rc=$?
set -e

# kunit.py exits 0 when no suite matched: count the results ourselves.
summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -n1 || true)
num() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
passed=$(num passed)
failed=$(( $(num failed) + $(num crashed) ))
skipped=$(num skipped)
grep -E '^\[[0-9:]+\] (\[(PASSED|FAILED|SKIPPED|CRASHED)\]|=+ (\[|[a-z_]+ \(|)|Testing complete|ERROR|.*Error)' "$log" | grep -vE '^\[[0-9:]+\] =+$' || true

if [ -z "$summary" ]; then
	tail -n 30 "$log" >&2
	die "kunit.py produced no results (rc=$rc); log: $log"
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
	echo "kunit: zero tests ran" >&2
fi
counts "$passed" "$failed" "$skipped"
echo "kunit: $passed passed, $failed failed, $skipped skipped (log: $log)"
[ "$failed" -eq 0 ]
