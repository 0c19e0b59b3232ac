#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`, memcompress part: /dev/sovz0 becomes the only swap; a process
# in a cgroup capped at 64 MiB touches 200 MiB, so most of it lives
# compressed on the device while its stats are shown; then the process
# checks every page and exits, and the device goes away. Sourced by
# scripts/vm/tour.sh (needs its step()).

MC_CG=/sys/fs/cgroup/sov-tour
MC_HOLD=/tmp/sov-tour-hold

echo; echo "# memory compression: a 512 MiB compressed RAM device as the only swap"
step sovctl memcompress create size 512M level balanced
step mkswap -q /dev/sovz0
swapoff -a 2>/dev/null || true
step swapon /dev/sovz0
step cat /proc/swaps
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p "$MC_CG"
echo 64M >"$MC_CG/memory.max"
rm -f "$MC_HOLD"
printf '\n\033[1m$ memhog.py 200 &   # in a cgroup with memory.max 64M\033[0m\n'
bash -c 'echo $$ >"$1/cgroup.procs" && exec python3 "$2" 200 --hold "$3"' _ "$MC_CG" \
	tests/selftests/memhog.py "$MC_HOLD" &
mc_hog=$!
for _ in $(seq 1200); do
	[ -e "$MC_HOLD" ] && break
	kill -0 $mc_hog 2>/dev/null || break
	sleep 0.2
done
echo "# the hog holds 200 MiB, most of it swapped out to /dev/sovz0:"
step sovctl memcompress status
step sovctl memcompress stats sovz0
step sovctl memcompress set sovz0 level best
step sovctl memcompress compact sovz0
step sovctl -j memcompress stats sovz0
rm -f "$MC_HOLD"
wait $mc_hog || echo "(the hog failed: exit status $?)"
step swapoff /dev/sovz0
step sovctl memcompress destroy sovz0
rmdir "$MC_CG"
