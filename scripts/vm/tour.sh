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

echo; echo "# the XDP load balancer: this VM balances a client's requests over three"
echo "# backends, each in its own network namespace (see tests/selftests/lb_world.bash)"
export LB_NS="" LB_TMP VIP=10.0.0.100 IP=/usr/sbin/ip
LB_TMP=$(mktemp -d /tmp/sovtour.XXXXXX)
. tests/selftests/lb_world.bash
trap 'lb_world_down' EXIT
lb_world_up
step sovctl lb service add $VIP:80/tcp policy maglev health tcp interval 1 rise 1
for i in 1 2 3; do step sovctl lb backend add $VIP:80/tcp 10.1.0.$i; done
step sovctl lb attach dev lb0 via "$LB_GW_MAC"
for _ in $(seq 50); do
	[ "$(sovctl -j lb health | grep -o '"health":"up"' | wc -l)" -eq 3 ] && break
	sleep 0.2
done
printf '\n\033[1m$ for i in $(seq 12); do curl http://%s/id; done   # from the client\033[0m\n' "$VIP"
for _ in $(seq 12); do lb_x cli curl -s --max-time 2 "http://$VIP/id" || echo "(no answer)"; done |
	sort | uniq -c
step sovctl lb status
step sovctl lb metrics
step bpftool map dump pinned /sys/fs/bpf/sovereign/lb/lb_services
step bpftool prog show pinned /sys/fs/bpf/sovereign/lb/sov_lb
step sovctl lb detach
lb_world_down
trap - EXIT

# shellcheck source=scripts/vm/tour_memcompress.sh
. scripts/vm/tour_memcompress.sh

# shellcheck source=scripts/vm/tour_classes.sh
. scripts/vm/tour_classes.sh

# shellcheck source=scripts/vm/tour_cluster.sh
. scripts/vm/tour_cluster.sh

# shellcheck source=scripts/vm/tour_profile.sh
. scripts/vm/tour_profile.sh

# shellcheck source=scripts/vm/tour_netio.sh
. scripts/vm/tour_netio.sh

echo; echo "# unloading the module while the daemon runs:"
step rmmod sovereign
sleep 1
step sovctl daemon status
kill -TERM "$daemon"
wait "$daemon" || true
printf '\n\033[1m$ cat /tmp/sovereignd.log\033[0m\n'
cat /tmp/sovereignd.log
echo; echo "== tour complete"
