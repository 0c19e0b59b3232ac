#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`, cluster part: three sovereignd on 127.0.0.1 form a Raft
# cluster; a service written through the leader reaches every node; one
# request is traced from sovctl through the leader, Raft and every node's
# sovereign.ko; the leader is killed with SIGKILL and the others elect a new
# one. Sourced by scripts/vm/tour.sh (needs its step()).

CL_TMP=$(mktemp -d /tmp/sovcluster.XXXXXX)
peers=1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103
declare -A cl_pid

cl_start() {
	local n=$1

	mkdir -p "$CL_TMP/n$n" /sys/fs/bpf/sovereign-n"$n"
	sovereignd -s "$CL_TMP/n$n/ctl" -b /sys/fs/bpf/sovereign-n"$n" \
		--cluster-id tour --node-id "$n" --peers "$peers" \
		--data-dir "$CL_TMP/n$n/data" --trace-kernel 2>"$CL_TMP/n$n/log" &
	cl_pid[$n]=$!
}

cl() { local n=$1; shift; sovctl -s "$CL_TMP/n$n/ctl" "$@"; }
# As step(), for node $1's daemon.
cstep() {
	local n=$1

	shift
	printf '\n\033[1m$ sovctl %s   # on node %s\033[0m\n' "$*" "$n"
	cl "$n" "$@"
}

# The leader as node $1 sees it (0: none yet).
cl_leader() { cl "$1" -j raft status 2>/dev/null | jq -r '.leader // 0' 2>/dev/null || echo 0; }

cl_wait_leader() {
	local n=$1 l

	for _ in $(seq 100); do
		l=$(cl_leader "$n")
		[ "${l:-0}" != 0 ] && [ "$l" != null ] && { echo "$l"; return 0; }
		sleep 0.2
	done
	echo 0
}

cl_down() {
	local n

	for n in "${!cl_pid[@]}"; do
		if kill -TERM "${cl_pid[$n]}" 2>/dev/null; then
			wait "${cl_pid[$n]}" 2>/dev/null || true
		fi
	done
	rm -rf /sys/fs/bpf/sovereign-n1 /sys/fs/bpf/sovereign-n2 /sys/fs/bpf/sovereign-n3 "$CL_TMP"
}

echo; echo "# a three-node cluster on 127.0.0.1: Raft replicates the balancer's configuration"
/usr/sbin/ip link set lo up	# the guest boots with loopback down
for n in 1 2 3; do cl_start "$n"; done
trap 'cl_down' EXIT
leader=$(cl_wait_leader 1)
if [ "$leader" = 0 ]; then
	echo "tour: no leader elected within 20 s; node logs:"
	cat "$CL_TMP"/n*/log
	return 1
fi
cstep "$leader" raft status
cstep "$leader" raft nodes
cstep "$leader" lb service add 10.0.0.200:53/udp policy round-robin
cstep "$leader" lb backend add 10.0.0.200:53/udp 10.2.0.1
follower=$(( leader % 3 + 1 ))
cstep "$follower" lb status
echo "# a write on a follower is refused with the leader's address:"
cstep "$follower" lb backend add 10.0.0.200:53/udp 10.2.0.2 || true

echo
echo "# one request, one trace: sovctl -> the leader -> Raft -> every node -> its sovereign.ko"
printf '\n\033[1m$ sovctl --trace module set --cluster log-level info   # on node %s\033[0m\n' "$leader"
tid=$(cl "$leader" --trace module set --cluster log-level info 2>&1 >/dev/null |
	sed -n 's/^trace: \([0-9a-f]*\)$/\1/p')
echo "trace: $tid"
sleep 1	# a daemon decides a trace once it has been quiet for 0.5 s
printf '\n\033[1m$ sovctl trace show %s --from n1 --from n2 --from n3\033[0m\n' "$tid"
sovctl trace show "$tid" --from "$CL_TMP/n1/ctl" --from "$CL_TMP/n2/ctl" --from "$CL_TMP/n3/ctl" ||
	echo "tour: trace $tid not found"
cstep "$leader" trace latency

printf '\n\033[1m$ kill -9 %s   # sovereignd of node %s, the leader\033[0m\n' "${cl_pid[$leader]}" "$leader"
kill -KILL "${cl_pid[$leader]}"
wait "${cl_pid[$leader]}" 2>/dev/null || true
unset "cl_pid[$leader]"
new=0
for _ in $(seq 100); do
	new=$(cl_leader "$follower")
	[ "${new:-0}" != 0 ] && [ "$new" != null ] && [ "$new" != "$leader" ] && break
	sleep 0.1
done
cstep "$follower" raft status
cstep "$follower" raft elections
cstep "$new" lb backend add 10.0.0.200:53/udp 10.2.0.2
cstep "$follower" lb status
cl_down
trap - EXIT
