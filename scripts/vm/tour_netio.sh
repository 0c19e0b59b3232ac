#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`, netio part: a sovnet pair made with sovctl, a zero-copy
# AF_XDP socket on each end for one second of txonly -> rxdrop, and the
# pair's counters. Sourced by scripts/vm/tour.sh (needs its step()); a
# module without the netio stats command does not fail the tour (sovctl
# says so and shows the link's own counters).

echo; echo "# netio: a sovnet pair (AF_XDP zero-copy on a virtual device), 64-byte frames"
echo "# sent zero-copy on nv0 and received zero-copy on nv1 for one second"
sysctl -qw net.ipv6.conf.default.disable_ipv6=1	# no neighbour discovery in the sockets
step sovctl netio create nv0 peer nv1
/usr/sbin/ip link set nv0 up
/usr/sbin/ip link set nv1 up
step sovctl netio status
step sovctl netio bench nv0 nv1 mode txonly size 64 time 1 zc
# the sender's side: its TX classes and the flow its frames made
printf '\n\033[1m$ sovctl netio stats nv0\033[0m\n'
sovctl netio stats nv0 || echo "(exit status $?)"
step sovctl netio destroy nv0
sysctl -qw net.ipv6.conf.default.disable_ipv6=0
