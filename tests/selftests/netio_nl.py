#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-built SOV_CMD_NETIO_* requests (kmod/netio/netlink.c), malformed ones included.

  netio_nl.py get DEV|-          NETIO_GET of DEV (- : the dump of every end), JSON
  netio_nl.py stats DEV          NETIO_STATS_GET, JSON
  netio_nl.py flows DEV          NETIO_FLOW_GET dump, JSON list
  netio_nl.py set DEV [ATTR...]  NETIO_SET; prints "errno=N attr=A msg=TEXT"
  netio_nl.py watch DEV SECS [C...]  each class's tx bytes/s over SECS (two STATS_GETs,
                                 timed here), and the end-wide throttled count's rise: JSON;
                                 first waits (up to 30 s) until, twice in a row, the first
                                 class C sent and every other one sent or has a frame
                                 waiting (its senders started)
  netio_nl.py -                  one request a line from stdin (as the arguments above),
                                 one answer a line: a process costs ~0.3 s in the TCG guest

DEV is a name, or ifindex=N to send SOV_A_NETIO_IFINDEX instead, or "none" for neither.
set ATTRs:
  rate=N                 SOV_A_NETIO_RATE (bytes/s)
  priomap=c,c,...        SOV_A_NETIO_PRIOMAP, the bytes given (any count)
  class=ID:RATE[:BURST]  a SOV_A_NETIO_CLASS nest; an empty field is left out
                         (class=:100 has no id, class=3::2000 a burst and no rate)
  queue=ID:CLASS         a SOV_A_NETIO_QUEUE nest
  reset                  SOV_A_NETIO_RESET
attr= names the attribute the kernel's extack points at (its name in the uapi enum,
nested ones as CLASS.BURST), or "-". Attribute numbers are read from the uapi headers.
"""
import json
import os
import re
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
UAPI = os.path.join(HERE, "..", "..", "uapi", "linux")
NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 16, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
NLA_F_NESTED = 0x8000


def uapi_enum(header, first):
    """{NAME: value} of the enum of @header whose first entry is @first."""
    text = open(os.path.join(UAPI, header)).read()
    m = re.search(r"enum[^{]*\{\s*" + first + r"\b(.*?)\}", text, re.S)
    names = [first] + re.findall(r"^\s*(\w+),", m.group(1), re.M)
    return {n: i for i, n in enumerate(names) if not n.startswith("__")}


CMD = uapi_enum("sovereign.h", "SOV_CMD_UNSPEC")
A = uapi_enum("sovereign_netio.h", "SOV_A_NETIO_UNSPEC")
AC = uapi_enum("sovereign_netio.h", "SOV_A_NETIO_CLASS_UNSPEC")
AQ = uapi_enum("sovereign_netio.h", "SOV_A_NETIO_QUEUE_UNSPEC")
AF = uapi_enum("sovereign_netio.h", "SOV_A_NETIO_FLOW_UNSPEC")


def attr(t, payload):
    a = struct.pack("HH", 4 + len(payload), t) + payload
    return a + b"\0" * ((4 - len(a) % 4) % 4)


def attrs(buf):
    """[(type, payload, offset in buf)]"""
    out, off = [], 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("HH", buf, off)
        if ln < 4:
            break
        out.append((t & 0x3FFF, buf[off + 4:off + ln], off))
        off += (ln + 3) & ~3
    return out


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0
        msgs, err = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                 attr(CTRL_ATTR_FAMILY_NAME, b"sovereign\0"), 0)
        if err[0]:
            sys.exit("netio_nl: no sovereign genl family (errno %d)" % err[0])
        self.fam = next(struct.unpack("H", p[:2])[0] for t, p, _ in attrs(msgs[0])
                        if t == CTRL_ATTR_FAMILY_ID)

    def request(self, fam, cmd, payload, flags):
        """Returns ([genl payloads of the replies], (errno, msg, offset of the bad attr))."""
        self.seq += 1
        body = struct.pack("BBH", cmd, 1, 0) + payload
        self.s.send(struct.pack("IHHII", 16 + len(body), fam,
                                NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0) + body)
        msgs = []
        while True:
            data = self.s.recv(1 << 20)
            off = 0
            while off < len(data):
                ln, typ, fl, seq, _ = struct.unpack_from("IHHII", data, off)
                m = data[off + 16:off + ln]
                off += (ln + 3) & ~3
                if typ == NLMSG_DONE:
                    err = -struct.unpack_from("i", m)[0] if len(m) >= 4 else 0
                    msg = ""
                    if fl & NLM_F_ACK_TLVS:
                        for t, p, _ in attrs(m[4:]):
                            if t == NLMSGERR_ATTR_MSG:
                                msg = p.rstrip(b"\0").decode()
                    return msgs, (err, msg, None)
                if typ != NLMSG_ERROR:
                    msgs.append(m[4:])
                    continue
                err = -struct.unpack_from("i", m)[0]
                olen = struct.unpack_from("I", m, 4)[0]
                tlvs = m[4 + (16 if fl & 0x100 else olen):] if fl & NLM_F_ACK_TLVS else b""
                msg, bad = "", None
                for t, p, _ in attrs(tlvs):
                    if t == NLMSGERR_ATTR_MSG:
                        msg = p.rstrip(b"\0").decode()
                    elif t == NLMSGERR_ATTR_OFFS:
                        bad = struct.unpack("I", p)[0] - 16 - 4
                if err or not (flags & NLM_F_DUMP):
                    return msgs, (err, msg, bad)


def dev_attr(dev):
    if dev == "none":
        return b""
    if dev.startswith("ifindex="):
        return attr(A["SOV_A_NETIO_IFINDEX"], struct.pack("I", int(dev[8:])))
    return attr(A["SOV_A_NETIO_IFNAME"], dev.encode() + b"\0")


def field(names, prefix, t):
    for n, v in names.items():
        if v == t and n != prefix + "UNSPEC":
            return n[len(prefix):].lower()
    return str(t)


def decode(buf, names, prefix):
    """Attributes to a dict; nests and repeated ones into lists."""
    out = {}
    for t, p, _ in attrs(buf):
        k = field(names, prefix, t)
        if k in ("class", "queue", "flow") and prefix == "SOV_A_NETIO_":
            sub = {"class": (AC, "SOV_A_NETIO_CLASS_"), "queue": (AQ, "SOV_A_NETIO_QUEUE_"),
                   "flow": (AF, "SOV_A_NETIO_FLOW_")}[k]
            out.setdefault(k, []).append(decode(p, *sub))
            continue
        if k in ("ifname",):
            v = p.rstrip(b"\0").decode()
        elif k in ("src", "dst", "priomap"):
            v = list(p) if k == "priomap" else p.hex()
        elif k == "tokens" or k == "peer_netnsid":
            v = struct.unpack("q" if len(p) == 8 else "i", p)[0]
        else:
            v = int.from_bytes(p, "little")
        out[k] = v
    return out


def bad_name(payload, off):
    """The uapi name of the attribute at @off of the request payload."""
    if off is None or off < 0:
        return "-"
    for t, p, o in attrs(payload):
        if o == off:
            return field(A, "SOV_A_NETIO_", t).upper()
        if o < off < o + 4 + len(p):
            sub = AC if t == A["SOV_A_NETIO_CLASS"] else AQ
            pre = "SOV_A_NETIO_CLASS_" if sub is AC else "SOV_A_NETIO_QUEUE_"
            for st, _, so in attrs(p):
                if o + 4 + so == off:
                    return "%s.%s" % (field(A, "SOV_A_NETIO_", t).upper(),
                                      field(sub, pre, st).upper())
    return "@%d" % off


def set_payload(dev, args):
    pl = dev_attr(dev)
    for a in args:
        k, _, v = a.partition("=")
        if k == "rate":
            pl += attr(A["SOV_A_NETIO_RATE"], struct.pack("Q", int(v)))
        elif k == "priomap":
            pl += attr(A["SOV_A_NETIO_PRIOMAP"], bytes(int(x) for x in v.split(",") if x))
        elif k == "class":
            f = (v.split(":") + ["", ""])[:3]
            n = b""
            if f[0]:
                n += attr(AC["SOV_A_NETIO_CLASS_ID"], struct.pack("B", int(f[0])))
            if f[1]:
                n += attr(AC["SOV_A_NETIO_CLASS_RATE"], struct.pack("Q", int(f[1])))
            if f[2]:
                n += attr(AC["SOV_A_NETIO_CLASS_BURST"], struct.pack("I", int(f[2])))
            pl += attr(A["SOV_A_NETIO_CLASS"] | NLA_F_NESTED, n)
        elif k == "queue":
            qid, cls = v.split(":")
            n = attr(AQ["SOV_A_NETIO_QUEUE_ID"], struct.pack("I", int(qid)))
            n += attr(AQ["SOV_A_NETIO_QUEUE_CLASS"], struct.pack("B", int(cls)))
            pl += attr(A["SOV_A_NETIO_QUEUE"] | NLA_F_NESTED, n)
        elif k == "reset":
            pl += attr(A["SOV_A_NETIO_RESET"], b"")
        else:
            sys.exit("netio_nl: unknown attribute %r" % a)
    return pl


def stats(g, dev):
    msgs, err = g.request(g.fam, CMD["SOV_CMD_NETIO_STATS_GET"], dev_attr(dev), 0)
    if err[0]:
        sys.exit("netio_nl: STATS_GET %s: errno=%d msg=%s" % (dev, err[0], err[1]))
    return time.monotonic(), decode(msgs[0], A, "SOV_A_NETIO_")


def busy(prev, cur, classes):
    """The first class sent since @prev; each other one sent or has a frame waiting."""
    p = {c["id"]: c for c in prev["class"]}
    return all(c["tx_bytes"] > p[c["id"]]["tx_bytes"] or
               (c["backlog"] > 0 and c["id"] != classes[0])
               for c in cur["class"] if c["id"] in classes)


def watch(g, dev, secs, classes):
    t0, a = stats(g, dev)
    start = t0
    streak = 0
    while classes and streak < 2 and t0 - start < 30:
        time.sleep(0.3)
        t1, b = stats(g, dev)
        streak = streak + 1 if busy(a, b, classes) else 0
        t0, a = t1, b
    t0, a = stats(g, dev)
    time.sleep(secs)
    t1, b = stats(g, dev)
    rate = {str(c["id"]): round((c["tx_bytes"] - p["tx_bytes"]) / (t1 - t0))
            for p, c in zip(a["class"], b["class"])}
    rate["throttled"] = b["throttled"] - a["throttled"]
    rate["secs"] = round(t1 - t0, 2)
    rate["waited"] = round(t0 - start, 2)
    print(json.dumps(rate))
    return 0


def main(argv):
    if argv == ["-"]:
        g = Genl()
        for line in sys.stdin:
            if line.strip():
                one(g, line.split())
            sys.stdout.flush()
        return 0
    if len(argv) < 2:
        sys.exit(__doc__)
    return one(Genl(), argv)


def one(g, argv):
    if len(argv) < 2 or argv[0] not in ("get", "stats", "flows", "set", "watch"):
        sys.exit(__doc__)
    op, dev = argv[0], argv[1]
    if op == "watch":
        return watch(g, dev, float(argv[2]), [int(c) for c in argv[3:]])
    if op == "set":
        pl = set_payload(dev, argv[2:])
        _, (err, msg, off) = g.request(g.fam, CMD["SOV_CMD_NETIO_SET"], pl, 0)
        print("errno=%d attr=%s msg=%s" % (err, bad_name(pl, off) if err else "-", msg))
        return 0
    if op == "get" and dev == "-":
        msgs, err = g.request(g.fam, CMD["SOV_CMD_NETIO_GET"], b"", NLM_F_DUMP)
    elif op == "flows":
        msgs, err = g.request(g.fam, CMD["SOV_CMD_NETIO_FLOW_GET"], dev_attr(dev), NLM_F_DUMP)
    else:
        cmd = CMD["SOV_CMD_NETIO_GET" if op == "get" else "SOV_CMD_NETIO_STATS_GET"]
        msgs, err = g.request(g.fam, cmd, dev_attr(dev), 0)
    if err[0]:
        print("errno=%d msg=%s" % (err[0], err[1]))
        return 1
    out = [decode(m, A, "SOV_A_NETIO_") for m in msgs]
    if op == "flows":
        out = [dict(o["flow"][0], ifindex=o.get("ifindex")) for o in out]
    print(json.dumps(out if op == "flows" or dev == "-" else out[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
