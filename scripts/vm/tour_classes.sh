#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`, classes part: the sov qdisc on a veth into a namespace, EF
# traffic mapped to class 1 and best effort (class 5) shaped to 2 Mbit/s;
# two seconds of UDP of both kinds, then the qdisc's and the classes'
# counters through tc and sovctl. Sourced by scripts/vm/tour.sh (needs its
# step()).

# shellcheck disable=SC2154 # repo and IP come from tour.sh
CL_NS=sovtour-cls
CL_TC=/usr/sbin/tc
export TC_LIB_DIR=$repo/build/lib/tc

echo; echo "# traffic classes: the sov qdisc on tv0 (a veth into namespace $CL_NS);"
echo "# DSCP EF goes to class 1, best effort to class 5, which is shaped to 2mbit"
mkdir -p /run/netns
$IP netns add $CL_NS
$IP link add tv0 type veth peer name tv1 netns $CL_NS
$IP addr add 10.88.0.1/24 dev tv0
$IP link set tv0 up
$IP -n $CL_NS addr add 10.88.0.2/24 dev tv1
$IP -n $CL_NS link set tv1 up
step $CL_TC qdisc add dev tv0 root handle 1: sov dscpmap ef:1
step $CL_TC class change dev tv0 classid 1:5 sov rate 2mbit burst 20k
printf '\n\033[1m$ python3: 2 s of 1000-byte UDP datagrams to 10.88.0.2, EF and best effort, as fast as they go\033[0m\n'
python3 - <<'PYEOF'
import socket, time
ef = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ef.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0xb8)
be = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = {"ef": 0, "best effort": 0}
data, end = b"x" * 1000, time.time() + 2
for s in (ef, be):
    s.setblocking(False)
while time.time() < end:
    for name, s in (("ef", ef), ("best effort", be)):
        try:
            s.sendto(data, ("10.88.0.2", 9))
            sent[name] += 1
        except (BlockingIOError, ConnectionRefusedError):
            pass
print("sent: " + ", ".join("%s %d" % kv for kv in sent.items()))
PYEOF
step $CL_TC -s qdisc show dev tv0
step sovctl classes stats dev tv0
step $CL_TC qdisc del dev tv0 root
$IP netns del $CL_NS
