# SPDX-License-Identifier: GPL-2.0
"""Counters of classes.sh (and bench/classes.sh) read back for the checks: a module.

classes.sh's snap() writes, for a snapshot NAME in a directory:
  NAME.cls   tc -s class show dev DEV (text: tc 6.1 has no JSON for classes)
  NAME.rx    tc -s -j filter show dev RX ingress (flower filters on UDP ports, one matchall)
  NAME.pg    "DEVICE SOFAR ERRORS" a line: pktgen's counts
  NAME.t     "cls T0 T1" and "pg T0 T1": $EPOCHREALTIME before and after each read
load() gives them back as a Snap; the rest are the figures the checks use.
"""
import json
import re

_SENT = re.compile(r"Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+) requeues (\d+)\)")
_BACKLOG = re.compile(r"backlog (\S+) (\d+)p")
_FLOWS = re.compile(r"flows (\d+) \(max (\d+)\) collisions (\d+) throttled (\d+) tokens (-?\d+)b")
_DROPS = re.compile(r"drops: class limit (\d+) qdisc limit (\d+)")


def parse_classes(text):
    """tc -s class show's sov classes: {minor: {bytes, packets, drops, ...}}."""
    out = {}
    blocks = re.split(r"^(?=class )", text, flags=re.M)
    for b in blocks:
        m = re.match(r"class sov ([0-9a-f]+):([0-9a-f]+) ", b)
        if not m:
            continue
        c = {"handle": "%s:%s" % m.groups(), "head": b.splitlines()[0].strip()}
        for rx, names in ((_SENT, ("bytes", "packets", "drops", "overlimits", "requeues")),
                          (_FLOWS, ("flows_active", "flows_max", "collisions", "throttled",
                                    "tokens")),
                          (_DROPS, ("drops_class_limit", "drops_qdisc_limit"))):
            f = rx.search(b)
            if not f:
                raise ValueError("tc class show: no %r in:\n%s" % (rx.pattern, b))
            c.update(zip(names, map(int, f.groups())))
        f = _BACKLOG.search(b)
        c["qlen"] = int(f.group(2)) if f else None
        out[int(m.group(2), 16)] = c
    return out


def parse_rx(text):
    """Receiver filters: {udp dst port: (packets, bytes)}, the matchall's under "other"."""
    out = {}
    for f in json.loads(text or "[]"):
        opts = f.get("options")
        if not opts or not opts.get("actions"):
            continue
        st = opts["actions"][0]["stats"]
        key = opts.get("keys", {}).get("dst_port", "other")
        out[key] = (st["packets"], st["bytes"])
    return out


class Snap:
    def __init__(self, directory, name):
        p = "%s/%s" % (directory, name)
        self.name = name
        with open(p + ".cls") as f:
            self.cls = parse_classes(f.read())
        try:
            with open(p + ".rx") as f:
                self.rx = parse_rx(f.read())
        except FileNotFoundError:
            self.rx = {}
        self.pg = {}
        try:
            with open(p + ".pg") as f:
                for line in f:
                    dev, sofar, errors = line.split()
                    self.pg[dev] = (int(sofar), int(errors))
        except FileNotFoundError:
            pass
        self.t = {}
        with open(p + ".t") as f:
            for line in f:
                what, t0, t1 = line.split()
                self.t[what] = (float(t0) + float(t1)) / 2

    def rx_pkts(self, port):
        return self.rx.get(port, (0, 0))[0]

    def rx_bytes(self, port):
        return self.rx.get(port, (0, 0))[1]


def load(directory, name):
    return Snap(directory, name)


def class_rate(a, b, minor):
    """Bytes per second class MINOR sent between snapshots a and b."""
    return (b.cls[minor]["bytes"] - a.cls[minor]["bytes"]) / (b.t["cls"] - a.t["cls"])


def pg_rate(a, b, dev):
    """Packets per second pktgen device DEV had accepted between a and b."""
    return (b.pg[dev][0] - a.pg[dev][0]) / (b.t["pg"] - a.t["pg"])


def jain(xs):
    """Jain's fairness index: 1 when all are equal, 1/n when one has everything."""
    xs = list(xs)
    sq = sum(x * x for x in xs)
    return (sum(xs) ** 2) / (len(xs) * sq) if sq else 0.0


class Checks:
    """check(ok, message): every check prints a line; done() exits 1 if any failed."""

    def __init__(self):
        self.failed = []

    def __call__(self, ok, msg):
        print("%s: %s" % ("ok" if ok else "FAIL", msg), flush=True)
        if not ok:
            self.failed.append(msg)
        return ok

    def done(self):
        import sys
        sys.exit(1 if self.failed else 0)
