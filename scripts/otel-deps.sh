#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of the node_modules directory that tests/otel/validate.js
# loads OpenTelemetry's generated protobuf code from, installed once per
# machine from the npm registry into a cache outside the repo (SOV_CACHE,
# default /var/cache/sovereign), keyed by the hash of tests/otel/package-lock.json:
# a new lock file gets a new directory, the old ones stay for other clones.
#
#   scripts/otel-deps.sh          install if needed, print the path
#   scripts/otel-deps.sh --dir    print the path only
#   scripts/otel-deps.sh --check  exit 1 if it is not installed
#
# `npm ci` installs exactly the lock file's versions and checks each tarball
# against the lock's integrity hash; it runs no install scripts. Its tarball
# cache lives beside the modules ($SOV_CACHE/npm-cache), so a later install
# (the directory removed, another lock) tries `npm ci --offline` first.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$here/../tests/otel
cache=${SOV_CACHE:-/var/cache/sovereign}
lock=$src/package-lock.json

[ -f "$lock" ] || {
	echo "otel-deps: $lock is missing" >&2
	exit 1
}
key=$(sha256sum "$lock" | cut -c1-16)
dir=$cache/otel-node-$key
probe=node_modules/@opentelemetry/otlp-transformer/build/src/generated/root.js

case ${1:-} in
--dir)
	echo "$dir/node_modules"
	exit 0
	;;
--check)
	[ -f "$dir/.sov-installed" ] && exit 0
	echo "otel-deps: the packages of $lock are not in $dir (run scripts/otel-deps.sh)" >&2
	exit 1
	;;
"") ;;
*)
	echo "otel-deps: unknown option '$1' (expected --dir or --check)" >&2
	exit 2
	;;
esac

if [ -f "$dir/.sov-installed" ]; then
	echo "$dir/node_modules"
	exit 0
fi
command -v node >/dev/null || {
	echo "otel-deps: node is missing (run scripts/deps.sh: Debian's nodejs)" >&2
	exit 1
}
# Debian's nodejs comes without npm (a separate package); NodeSource's has it
if ! command -v npm >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "otel-deps: npm is missing: run 'sudo apt-get install npm'" >&2
		exit 1
	fi
	echo "otel-deps: installing Debian's npm" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >&2 || {
		echo "otel-deps: could not install npm" >&2
		exit 1
	}
fi

mkdir -p "$cache"
exec 8>"$cache/otel-deps.lock"
flock 8
if [ -f "$dir/.sov-installed" ]; then
	echo "$dir/node_modules"
	exit 0
fi

work=$(mktemp -d "$cache/otel-node.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cp "$src/package.json" "$lock" "$work/"
npm_opts=(--cache "$cache/npm-cache" --no-audit --no-fund --ignore-scripts --loglevel=error)
cd "$work"
if ! npm ci --offline "${npm_opts[@]}" >log 2>&1; then
	echo "otel-deps: installing tests/otel's npm packages (once per machine)" >&2
	if ! npm ci --prefer-offline "${npm_opts[@]}" >>log 2>&1; then
		echo "otel-deps: 'npm ci' failed:" >&2
		tail -n 8 log | sed 's/^/otel-deps:   /' >&2
		cp log "$cache/otel-deps.log" 2>/dev/null &&
			echo "otel-deps: full log in $cache/otel-deps.log" >&2
		exit 1
	fi
fi
[ -f "$probe" ] || {
	echo "otel-deps: $probe is not in the installed packages" >&2
	exit 1
}
rm -f log
touch .sov-installed
cd /
rm -rf "$dir"
mv "$work" "$dir"
trap - EXIT
echo "$dir/node_modules"
