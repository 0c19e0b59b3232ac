#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (README.md): the proof, then the measurements. Needs
# `make -C tests/netio-proof` on the host first. Usage:
#   scripts/vm/run.sh --out build/vm/netio-proof --timeout 400 -- 'tests/netio-proof/vm.sh'
set -u
D=${NETIO_PROOF_OUT:-build/netio-proof}
IP=/usr/sbin/ip
X=$D/xskpoc
SECS=${SECS:-1}
quiet() { grep -v '^libbpf: elf'; }
up() {
	local d

	for d in "$@"; do
		sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"	# ND frames would land in the XSK
		"$IP" link set "$d" up
	done
}
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t tmpfs tmpfs /run 2>/dev/null
insmod "$D/sovnet_poc.ko" || exit 1
up sp0 sp1
echo "=== ZC bind on sovnet"; "$X" bind sp0 zc 2>&1 | quiet
echo "=== exact ZC->ZC"; "$X" exact sp0 sp1 1000 zc zc 2>&1 | quiet
echo "=== exact ZC->ZC reverse"; "$X" exact sp1 sp0 1000 zc zc 2>&1 | quiet
echo "=== exact copy->ZC"; "$X" exact sp0 sp1 500 copy zc 2>&1 | quiet
echo "=== exact ZC->copy"; "$X" exact sp0 sp1 500 zc copy 2>&1 | quiet
echo "=== exact copy->copy"; "$X" exact sp0 sp1 500 copy copy 2>&1 | quiet
echo "=== exact ZC->ZC without need_wakeup"
XSKPOC_NO_WAKEUP=1 "$X" exact sp0 sp1 500 zc zc 2>&1 | quiet
echo "=== veth: ZC refused, copy works"
"$IP" link add ve0 type veth peer name ve1
up ve0 ve1
"$X" bind ve0 zc 2>&1 | quiet
"$X" bind ve0 copy 2>&1 | quiet
"$X" exact ve0 ve1 500 copy copy 2>&1 | quiet
echo "=== bench: ${SECS}s txonly -> rxdrop, 3 rounds"
for _ in 1 2 3; do
	for s in 64 1500; do
		"$X" bench sp0 sp1 "$SECS" zc zc "$s"
		"$X" bench sp0 sp1 "$SECS" copy copy "$s"
		"$X" bench ve0 ve1 "$SECS" copy copy "$s"
	done
done 2>&1 | quiet
echo "=== rmmod with ZC sockets bound and traffic running"
"$X" bench sp0 sp1 4 zc zc 64 2>&1 | quiet &
b=$!
sleep 1.5
rmmod sovnet_poc; echo "rmmod rc=$?"
wait "$b"; echo "bench rc=$?"
"$IP" link del ve0
dmesg | grep -i -E 'sovnet|sp0|sp1|xsk|warn|bug|call trace' | tail -20
