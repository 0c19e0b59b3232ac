#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send packets with given DSCP and priority through DEV's sov qdisc; check their class.

  classes_map.py DEV DST_IP4 DST_MAC CASE...
  classes_map.py flows DEV DST_MAC N PRIORITY PORT

A CASE is comma-separated key=value pairs:
  ip4|ip6|raw   the packet: UDP over IPv4 through a socket to DST_IP4 (IP_TOS,
                SO_PRIORITY), or IPv6+UDP / a non-IP frame (ethertype 0x88b5) through
                an AF_PACKET socket on DEV to DST_MAC (SO_PRIORITY)
  tos=X         the IPv4 TOS byte or IPv6 traffic class (DSCP << 2 | ECN); default 0
  prio=N        SO_PRIORITY (skb->priority); default 0
  port=P        UDP destination port; default 9
  n=N           packets; default 3
  class=C       the class (1-8) all N must land in
  by=W          the qdisc's counter that must count them: filter, dscp or priority
  bad=1         the filter named a class that does not exist (filter_bad_class counts N)
For each case the kernel's counters (classes_nl.py's dump) are read before and after; a
line per case says what was expected and what was seen. Exit status 1 if any differed.

"flows" sends N IPv4 UDP frames from 10.77.0.1 to 10.77.0.2 port PORT, each from its own
source port (10000 up: N flows), through an AF_PACKET socket on DEV with SO_PRIORITY
PRIORITY and a send buffer large enough for all of them, then exits: unlike pktgen,
nothing waits for the packets to be freed. Prints the bytes the socket still had in
flight (SIOCOUTQ) when it was done.
"""
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classes_nl  # noqa: E402

BY = ("by_filter", "by_dscp", "by_priority")


def dump(sock, dev):
    cls = json.loads(classes_nl.show(sock, 1, dev, "class"))
    qd = json.loads(classes_nl.show(sock, 2, dev, "qdisc"))
    pk = {int(c["handle"].split(":")[1], 16): c["stats"]["packets"] + c["stats"]["drops"]
          for c in cls}
    return pk, qd[0]["xstats"]


def ip6_udp(tclass, port, payload):
    udp = struct.pack("!HHHH", 5000, port, 8 + len(payload), 0) + payload
    src = socket.inet_pton(socket.AF_INET6, "fd00:77::1")
    dst = socket.inet_pton(socket.AF_INET6, "fd00:77::2")
    return struct.pack("!IHBB", (6 << 28) | (tclass << 20), len(udp), 17, 64) + src + dst + udp


def send(dev, dst4, mac, c):
    n, tos, prio, port = int(c.get("n", 3)), int(c.get("tos", "0"), 0), \
        int(c.get("prio", "0"), 0), int(c.get("port", 9))
    payload = b"sov-classes" + bytes(64)
    if "ip4" in c:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, prio)
        for _ in range(n):
            s.sendto(payload, (dst4, port))
    else:
        proto = 0x86DD if "ip6" in c else 0x88B5
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(proto))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, prio)
        frame = ip6_udp(tos, port, payload) if "ip6" in c else payload
        for _ in range(n):
            s.sendto(frame, (dev, proto, 0, 0, bytes.fromhex(mac.replace(":", ""))))
    s.close()
    return n


def ip_csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF


def flows(dev, mac, n, prio, port):
    import fcntl
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    s.setsockopt(socket.SOL_SOCKET, 32, 256 << 20)  # SO_SNDBUFFORCE: never block
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, prio)
    addr = (dev, 0x0800, 0, 0, bytes.fromhex(mac.replace(":", "")))
    src, dst = socket.inet_aton("10.77.0.1"), socket.inet_aton("10.77.0.2")
    for i in range(n):
        udp = struct.pack("!HHHH", 10000 + i, port, 8 + 58, 0) + bytes(58)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", ip_csum(ip)) + ip[12:]
        s.sendto(ip + udp, addr)
    outq = struct.unpack("i", fcntl.ioctl(s.fileno(), 0x5411, b"\0" * 4))[0]  # SIOCOUTQ
    print("sent %d flows; %d bytes still in flight" % (n, outq))
    return 0


def main(argv):
    if argv[0] == "flows":
        return flows(argv[1], argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    dev, dst4, mac = argv[:3]
    sock = classes_nl.nl_socket()
    failed = 0
    for spec in argv[3:]:
        c = dict(kv.split("=", 1) if "=" in kv else (kv, "") for kv in spec.split(","))
        want_cls, want_by, bad = int(c["class"]), "by_" + c["by"], int(c.get("bad", 0))
        pk0, x0 = dump(sock, dev)
        n = send(dev, dst4, mac, c)
        # a packet counts when dequeued (or dropped): wait for all N
        for _ in range(100):
            pk1, x1 = dump(sock, dev)
            if sum(pk1.values()) - sum(pk0.values()) >= n:
                break
            time.sleep(0.02)
        got = {k: pk1[k] - pk0[k] for k in pk1 if pk1[k] != pk0[k]}
        by = {k: x1[k] - x0[k] for k in BY if x1[k] != x0[k]}
        badn = x1["filter_bad_class"] - x0["filter_bad_class"]
        ok = got == {want_cls: n} and by == {want_by: n} and badn == (n if bad else 0)
        print("%s: %s: expected %d in class %d counted %s%s; got classes %s, counted %s%s" % (
            "ok" if ok else "FAIL", spec, n, want_cls, want_by,
            " and filter_bad_class" if bad else "",
            {"%d" % k: v for k, v in sorted(got.items())}, by,
            ", filter_bad_class %d" % badn if badn or bad else ""))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
