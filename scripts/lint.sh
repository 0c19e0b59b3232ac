#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make lint`: checkpatch.pl --strict on the kernel code, then sparse on the module.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
src=$(scripts/kernel-src.sh)
krel=${KREL:-$(find /lib/modules -mindepth 1 -maxdepth 1 -name '6.1.*' -printf '%f\n' | sort -V | tail -n1)}
rc=0

mapfile -t files < <(git ls-files kmod tests/kunit uapi | grep -E '\.[ch]$')
echo "lint: checkpatch --strict on ${#files[@]} files"
if ! "$src/scripts/checkpatch.pl" --strict --no-tree --quiet --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,CAMELCASE -f "${files[@]}"; then
	rc=1
fi
# CAMELCASE: the kernel's own qdisc types (struct Qdisc, Qdisc_ops) are
# CamelCase, and without a tree checkpatch cannot know they are not ours.
# SPDX tags are checked here rather than by checkpatch, whose rules want
# in-tree paths: every source file must carry one in its first two lines.
while read -r f; do
	head -n2 "$f" | grep -q 'SPDX-License-Identifier' || { echo "$f: no SPDX tag"; rc=1; }
done < <(git ls-files '*.c' '*.h' '*.sh' '*.py' 'Makefile' 'Kbuild' '*/Kbuild' 'Kconfig' '*.mk')

mapfile -t scripts < <(git ls-files '*.sh' '*.bash' .ci/run scripts/vm/init)
echo "lint: shellcheck on ${#scripts[@]} scripts"
shellcheck -S warning "${scripts[@]}" || rc=1

echo "lint: sparse (C=2) on sovereign.ko against $krel"
out=$(make -s -C "/lib/modules/$krel/build" M="$repo" CONFIG_SOVEREIGN=m C=2 \
	CHECK="sparse -Wbitwise -Wcast-to-as -Wdefault-bitfield-sign" modules 2>&1) || rc=1
# sparse speaks only when it finds something; our files are what counts
mine=$(grep -E "^$repo/(kmod|tests)/.*(warning|error)" <<<"$out" || true)
if [ -n "$mine" ]; then
	echo "$mine"
	rc=1
fi
if [ $rc -eq 0 ]; then
	echo "lint: clean"
else
	echo "lint: problems found (above)"
fi
exit $rc
