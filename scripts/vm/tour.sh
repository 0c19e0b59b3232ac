#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: the scripted tour, run inside the VM by scripts/vm/run.sh.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "== Sovereign tour: kernel $(uname -r), repo $repo"
echo "$ insmod kmod/sovereign.ko; sovereignd &"
. scripts/vm/up.sh
daemon=$SOVEREIGND_PID

step sovctl status
step sovctl -j status
step sovctl module set log-level debug
step sovctl module show
echo; echo "# a bad value is refused by the kernel's policy, with its message:"
printf '\n\033[1m$ sovctl module set log-level 9\033[0m\n'
sovctl module set log-level 9 || echo "(exit status $?)"
step sovctl module set log-level info
step sovctl daemon status
step bpftool prog show pinned /sys/fs/bpf/sovereign/sov_floor
step bpftool map show pinned /sys/fs/bpf/sovereign/floor_stats
step ls /sys/fs/bpf/sovereign
printf '\n\033[1m$ dmesg | grep sovereign\033[0m\n'
dmesg | grep sovereign || true

echo; echo "# unloading the module while the daemon runs:"
step rmmod sovereign
sleep 1
step sovctl daemon status
kill -TERM "$daemon"
wait "$daemon" || true
printf '\n\033[1m$ cat /tmp/sovereignd.log\033[0m\n'
cat /tmp/sovereignd.log
echo; echo "== tour complete"
