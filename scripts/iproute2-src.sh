#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of iproute2's own headers (include/ and tc/*.h) for the
# installed tc, fetched once per machine from Debian's source package into a
# cache outside the repo (SOV_CACHE, default /var/cache/sovereign). The tc
# plugin tools/tc/q_sov.c is built against them: tc hands a plugin its
# struct qdisc_util, so the plugin must see the very same one.
#
#   scripts/iproute2-src.sh          fetch if needed, print the path
#   scripts/iproute2-src.sh --dir    print the path only (make reads it)
#   scripts/iproute2-src.sh --check  exit 1 if the headers are not there
#
# The machine's apt sources carry no deb-src entry, and this script does not
# add one to them: it runs apt with a private list of deb-src entries made
# from the machine's own deb repositories (apt-get indextargets), and private
# package lists under the cache. apt checks the downloaded files against the
# signed Sources index; dpkg-source unpacks them with Debian's patches.
set -euo pipefail

cache=${SOV_CACHE:-/var/cache/sovereign}
debver=$(dpkg-query -W -f='${Version}' iproute2 2>/dev/null) || {
	echo "iproute2-src: iproute2 is not installed (run scripts/deps.sh)" >&2
	exit 1
}
dir=$cache/iproute2-$debver

case ${1:-} in
--dir)
	echo "$dir"
	exit 0
	;;
--check)
	[ -f "$dir/.sov-extracted" ] && exit 0
	echo "iproute2-src: iproute2 $debver headers are not in $dir (run scripts/deps.sh)" >&2
	exit 1
	;;
"") ;;
*)
	echo "iproute2-src: unknown option '$1' (expected --dir or --check)" >&2
	exit 2
	;;
esac

if [ -f "$dir/.sov-extracted" ]; then
	echo "$dir"
	exit 0
fi
for tool in apt-get dpkg-source; do
	command -v "$tool" >/dev/null || {
		echo "iproute2-src: '$tool' is missing (run scripts/deps.sh)" >&2
		exit 1
	}
done

mkdir -p "$cache"
exec 8>"$cache/iproute2-src.lock"
flock 8
if [ -f "$dir/.sov-extracted" ]; then
	echo "$dir"
	exit 0
fi

echo "iproute2-src: fetching the iproute2 $debver source package (once per machine)" >&2
apt_dir=$cache/apt-src
work=$(mktemp -d "$cache/iproute2-src.XXXXXX")
log=$work/log
trap 'rm -rf "$work"' EXIT
fail() {
	echo "iproute2-src: $*" >&2
	tail -n 5 "$log" | sed 's/^/iproute2-src:   /' >&2
	cp "$log" "$cache/iproute2-src.log" 2>/dev/null &&
		echo "iproute2-src: full log in $cache/iproute2-src.log" >&2
	exit 1
}
: >"$log"

# one deb-src line per Debian repository the machine installs from
mkdir -p "$apt_dir/lists/partial" "$apt_dir/sources.list.d"
list=$apt_dir/sources.list.d/sovereign-src.list
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed=
[ -r "$keyring" ] && signed=" [signed-by=$keyring]"
apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(TARGET_OF)' \
	'Identifier: Packages' 2>>"$log" |
	awk -v s="$signed" '$4 == "deb" && $3 == "main" { print "deb-src" s " " $1 " " $2 " main" }' |
	sort -u >"$list.new" || true
if [ ! -s "$list.new" ]; then
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	echo "deb-src$signed http://deb.debian.org/debian $codename main" >"$list.new"
fi
mv "$list.new" "$list"

apt_opts=(-q -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
	-o "Dir::State::Lists=$apt_dir/lists" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update >>"$log" 2>&1 ||
	fail "'apt-get update' of the deb-src entries in $list failed"

# the installed version, else the release's own 6.1 (the same struct qdisc_util)
cd "$work"
if ! apt-get "${apt_opts[@]}" source --download-only "iproute2=$debver" >>"$log" 2>&1; then
	echo "iproute2-src: no source for iproute2 $debver; trying the release's iproute2" >&2
	apt-get "${apt_opts[@]}" source --download-only iproute2 >>"$log" 2>&1 ||
		fail "could not download the iproute2 source package"
fi
dsc=$(ls ./iproute2_*.dsc 2>/dev/null | head -n1)
[ -n "$dsc" ] || fail "apt-get source left no iproute2_*.dsc"
srcver=${dsc#./iproute2_}
srcver=${srcver%.dsc}
case $srcver in
6.1.*) ;;
*) fail "the source package is iproute2 $srcver, not 6.1: its struct qdisc_util may differ" ;;
esac
dpkg-source -x "$dsc" src >>"$log" 2>&1 || fail "dpkg-source could not unpack $dsc"

# only what a tc plugin includes: the shared headers and tc's own
out=$work/out
mkdir -p "$out/tc"
cp -a src/include "$out/include"
cp -a src/tc/*.h "$out/tc/"
cp -a src/COPYING "$out/"
echo "iproute2 $srcver (Debian source package), for the installed iproute2 $debver" >"$out/VERSION"
touch "$out/.sov-extracted"
rm -rf "$dir"
mv "$out" "$dir"
rm -rf "$apt_dir/lists"	# 20 MB of Sources indexes, not needed again
echo "$dir"
