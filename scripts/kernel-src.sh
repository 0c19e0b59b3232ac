#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of Debian's linux-source-6.1, extracted once per machine into
# a cache outside the repo (SOV_CACHE, default /var/cache/sovereign).
# Used by the UML/KUnit build and by `make lint` (checkpatch.pl).
set -euo pipefail

cache=${SOV_CACHE:-/var/cache/sovereign}
mkdir -p "$cache"
debver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || {
	echo "kernel-src: linux-source-6.1 is not installed (run scripts/deps.sh)" >&2
	exit 1
}
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || {
	echo "kernel-src: no /usr/src/linux-source-6.1.tar.* (reinstall linux-source-6.1)" >&2
	exit 1
}
src=$cache/linux-source-$debver
if [ ! -f "$src/.sov-extracted" ]; then
	exec 8>"$cache/extract.lock"
	flock 8
	if [ ! -f "$src/.sov-extracted" ]; then
		echo "kernel-src: extracting $tarball (once per machine)" >&2
		rm -rf "$src" "$src.tmp"
		mkdir -p "$src.tmp"
		tar -xf "$tarball" -C "$src.tmp" --strip-components=1
		touch "$src.tmp/.sov-extracted"
		mv "$src.tmp" "$src"
	fi
fi
echo "$src"
