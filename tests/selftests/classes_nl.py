#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-built rtnetlink requests for the sov qdisc (kmod/sched), malformed ones included.

  classes_nl.py [-n NETNS] DEV qdisc add|change|replace HANDLE [OPTION...] [ATTR...]
  classes_nl.py [-n NETNS] DEV class add|change|replace|del CLASSID [OPTION...] [ATTR...]
  classes_nl.py [-n NETNS] DEV qdisc|class show
  classes_nl.py [-n NETNS] -     one request a line from stdin (DEV qdisc|class ...), one
                                 answer a line: a process costs ~0.3 s in the TCG guest

HANDLE and CLASSID are tc's hex notation (1:, 1:3, 10:8). OPTIONs:
  parent=P     tcm_parent (root, or X:Y; default root for a qdisc, 0 for a class)
  kind=K       TCA_KIND (default sov; kind=- sends none)
  flat         TCA_OPTIONS without NLA_F_NESTED
  noopts       no TCA_OPTIONS at all
ATTRs go inside TCA_OPTIONS:
  priomap=5,8,7,...  dscpmap=...   the bytes given (dscpmap=none: 64 zeros)
  limit=N quantum=N burst=N        u32
  rate=N ceil=N                    u64, bytes per second
  pad=HEX                          attribute 1 (TCA_SOV_PAD / TCA_SOV_CLASS_PAD)
  T:u8=V T:u16=V T:u32=V T:u64=V T:raw=HEX   any type T (a number)
For a qdisc, limit is TCA_SOV_LIMIT; for a class, TCA_SOV_CLASS_LIMIT.

"show" dumps DEV's sov qdiscs or classes as one line of JSON, the kernel's numbers as
they are (tc 6.1 has no JSON for classes): a list of objects with handle, parent, kind,
options (limit, quantum, priomap, dscpmap; rate, ceil, burst, limit: bytes, bytes/s),
stats (bytes, packets, qlen, backlog, drops, requeues, overlimits) and xstats (the
fields of struct tc_sov_xstats / tc_sov_class_xstats).

Prints one line for the kernel's ack:
  errno=N attr=NAME range=MIN-MAX msg=TEXT
errno=0 is success; attr is the attribute the kernel's error points at (NAME as given
above, or TCA_KIND / TCA_OPTIONS, or "-"); range the bounds the kernel reports for it
(or "-"); msg the extack text (may be empty). The attribute names come from
uapi/linux/sovereign_sched.h.
"""
import ctypes
import os
import socket
import struct
import sys

RTM_NEWQDISC, RTM_GETQDISC, RTM_NEWTCLASS, RTM_DELTCLASS, RTM_GETTCLASS = 36, 38, 40, 41, 42
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_DONE = 3
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_POLICY = 1, 2, 4
NL_POLICY_TYPE_ATTR_MIN_VALUE_U, NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 4, 5
NL_POLICY_TYPE_ATTR_MIN_LENGTH, NL_POLICY_TYPE_ATTR_MAX_LENGTH = 6, 7
SOL_NETLINK, NETLINK_EXT_ACK, NETLINK_CAP_ACK = 270, 11, 10
TCA_KIND, TCA_OPTIONS, TCA_STATS2 = 1, 2, 7
TCA_STATS_BASIC, TCA_STATS_QUEUE, TCA_STATS_APP, TCA_STATS_PKT64 = 1, 3, 4, 8
NLA_F_NESTED = 0x8000
TC_H_ROOT = 0xFFFFFFFF
CLONE_NEWNET = 0x40000000

# uapi/linux/sovereign_sched.h
QDISC_ATTRS = {"pad": (1, "raw"), "priomap": (2, "bytes"), "dscpmap": (3, "bytes"),
               "limit": (4, "u32"), "quantum": (5, "u32")}
CLASS_ATTRS = {"pad": (1, "raw"), "rate": (2, "u64"), "burst": (3, "u32"),
               "ceil": (4, "u64"), "limit": (5, "u32")}
PACK = {"u8": "<B", "u16": "<H", "u32": "<I", "u64": "<Q"}
QDISC_XSTATS = ("<QQQQQQII", ("drops_class_limit", "drops_qdisc_limit", "by_filter", "by_dscp",
                              "by_priority", "filter_bad_class", "classes_active",
                              "classes_throttled"))
CLASS_XSTATS = ("<QQQQIIQQIIq", ("drops_class_limit", "drops_qdisc_limit", "throttled",
                                 "collisions", "flows_active", "flows_max", "rate", "ceil",
                                 "burst", "limit", "tokens"))


def handle(s):
    """tc's notation: "root", "1:", "1:3", "10:8" (hex), or a bare hex number."""
    if s == "root":
        return TC_H_ROOT
    if ":" not in s:
        return int(s, 16)
    maj, mn = s.split(":", 1)
    return (int(maj or "0", 16) << 16) | int(mn or "0", 16)


def nla(t, payload):
    a = struct.pack("<HH", 4 + len(payload), t) + payload
    return a + b"\0" * ((4 - len(a) % 4) % 4)


def payload_of(kind, val):
    if kind in PACK:
        return struct.pack(PACK[kind], int(val, 0))
    if kind == "raw":
        return bytes.fromhex(val)
    if val == "none":
        return bytes(64)
    return bytes(int(v, 0) for v in val.split(",")) if val else b""


def parse_attr(spec, names):
    """NAME=V or T:KIND=V -> (label, type, payload)"""
    key, val = spec.split("=", 1)
    if ":" in key:
        t, kind = key.split(":", 1)
        return key, int(t, 0), payload_of(kind, val)
    if key not in names:
        raise SystemExit("classes_nl.py: unknown attribute %r (expected one of %s)" %
                         (key, ", ".join(sorted(names))))
    t, kind = names[key]
    return key, t, payload_of(kind, val)


def attrs_of(data):
    out, off = {}, 0
    while off + 4 <= len(data):
        ln, t = struct.unpack_from("<HH", data, off)
        if ln < 4:
            break
        out[t & 0x3fff] = data[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def tc_handle(h):
    if h == TC_H_ROOT:
        return "root"
    return "%x:%s" % (h >> 16, "%x" % (h & 0xffff) if h & 0xffff else "")


def decode(obj, tcm_handle, tcm_parent, attrs):
    """One dumped qdisc or class, as show prints it."""
    d = {"handle": tc_handle(tcm_handle), "parent": tc_handle(tcm_parent),
         "kind": attrs.get(TCA_KIND, b"").rstrip(b"\0").decode(), "options": {}}
    names = QDISC_ATTRS if obj == "qdisc" else CLASS_ATTRS
    for t, v in attrs_of(attrs.get(TCA_OPTIONS, b"")).items():
        for name, (nt, kind) in names.items():
            if nt != t or name == "pad":
                continue
            d["options"][name] = list(v) if kind == "bytes" else \
                struct.unpack(PACK[kind], v[:struct.calcsize(PACK[kind])])[0]
    st = attrs_of(attrs.get(TCA_STATS2, b""))
    if TCA_STATS_BASIC in st:
        b, p = struct.unpack_from("<QI", st[TCA_STATS_BASIC])
        if TCA_STATS_PKT64 in st:
            p = struct.unpack("<Q", st[TCA_STATS_PKT64][:8])[0]
        d["stats"] = {"bytes": b, "packets": p}
        if TCA_STATS_QUEUE in st:
            d["stats"].update(zip(("qlen", "backlog", "drops", "requeues", "overlimits"),
                                  struct.unpack_from("<IIIII", st[TCA_STATS_QUEUE])))
    if TCA_STATS_APP in st:
        app = st[TCA_STATS_APP]
        for fmt, fields in (QDISC_XSTATS, CLASS_XSTATS):
            if len(app) == struct.calcsize(fmt):
                d["xstats"] = dict(zip(fields, struct.unpack(fmt, app)))
    return d


def show(sock, seq, dev, obj):
    """Dump DEV's qdiscs or classes: a JSON line (sov ones only for qdiscs)."""
    import json
    ifindex = socket.if_nametoindex(dev)
    tcm = struct.pack("<BBHiIII", socket.AF_UNSPEC, 0, 0, ifindex, 0, 0, 0)
    mtype = RTM_GETQDISC if obj == "qdisc" else RTM_GETTCLASS
    sock.send(struct.pack("<IHHII", 16 + len(tcm), mtype, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + tcm)
    out = []
    while True:
        buf = sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(buf):
            ln, typ, fl, rseq = struct.unpack_from("<IHHI", buf, off)
            if rseq == seq and typ == NLMSG_DONE:
                return json.dumps(out)
            if rseq == seq and typ == NLMSG_ERROR:
                return json.dumps({"errno": -struct.unpack_from("<i", buf, off + 16)[0]})
            if rseq == seq:
                _, _, _, idx, h, par, _ = struct.unpack_from("<BBHiIII", buf, off + 16)
                d = decode(obj, h, par, attrs_of(buf[off + 36:off + ln]))
                if idx == ifindex and d["kind"] == "sov":
                    out.append(d)
            off += (ln + 3) & ~3


def setns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise SystemExit("classes_nl.py: setns %s: %s" % (name, os.strerror(ctypes.get_errno())))
    os.close(fd)


def request(sock, seq, argv):
    """Send one request (argv as on the command line); its answer line."""
    if len(argv) == 3 and argv[2] == "show" and argv[1] in ("qdisc", "class"):
        return show(sock, seq, argv[0], argv[1])
    if len(argv) < 4:
        raise SystemExit(__doc__)
    dev, obj, verb, hnd = argv[:4]
    is_qdisc = obj == "qdisc"
    if obj not in ("qdisc", "class"):
        raise SystemExit("classes_nl.py: expected qdisc or class, got %r" % obj)
    flags = {"add": NLM_F_CREATE | NLM_F_EXCL, "change": 0, "replace": NLM_F_CREATE | NLM_F_REPLACE,
             "del": 0}.get(verb)
    if flags is None or (is_qdisc and verb == "del"):
        raise SystemExit("classes_nl.py: bad verb %r" % verb)
    mtype = RTM_NEWQDISC if is_qdisc else (RTM_DELTCLASS if verb == "del" else RTM_NEWTCLASS)
    parent, kind, flat, noopts = (TC_H_ROOT if is_qdisc else 0), "sov", False, False
    specs = []
    for a in argv[4:]:
        if a.startswith("parent="):
            parent = handle(a[7:])
        elif a.startswith("kind="):
            kind = a[5:]
        elif a == "flat":
            flat = True
        elif a == "noopts":
            noopts = True
        else:
            specs.append(parse_attr(a, QDISC_ATTRS if is_qdisc else CLASS_ATTRS))

    ifindex = socket.if_nametoindex(dev)
    hdr_len = 16 + 20
    body, labels = b"", {}
    if kind != "-" and verb != "del":
        labels[hdr_len] = "TCA_KIND"
        body += nla(TCA_KIND, kind.encode() + b"\0")
    if not noopts and verb != "del":
        opt_off = hdr_len + len(body)
        inner, off = b"", opt_off + 4
        for label, t, payload in specs:
            labels[off + len(inner)] = label
            inner += nla(t, payload)
        labels[opt_off] = "TCA_OPTIONS"
        body += nla(TCA_OPTIONS | (0 if flat else NLA_F_NESTED), inner)
    tcm = struct.pack("<BBHiIII", socket.AF_UNSPEC, 0, 0, ifindex, handle(hnd), parent, 0)
    msg = struct.pack("<IHHII", 16 + len(tcm) + len(body), mtype,
                      NLM_F_REQUEST | NLM_F_ACK | flags, seq, 0) + tcm + body

    sock.send(msg)
    while True:
        buf = sock.recv(65536)
        off = 0
        while off + 16 <= len(buf):
            ln, typ, fl, rseq = struct.unpack_from("<IHHI", buf, off)
            if typ != NLMSG_ERROR or rseq != seq:
                off += (ln + 3) & ~3
                continue
            err = -struct.unpack_from("<i", buf, off + 16)[0]
            tl = attrs_of(buf[off + 20 + 16:off + ln]) if fl & NLM_F_ACK_TLVS else {}
            text = tl.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
            where, rng = "-", "-"
            if NLMSGERR_ATTR_OFFS in tl:
                o = struct.unpack("<I", tl[NLMSGERR_ATTR_OFFS][:4])[0]
                where = labels.get(o, "offset%d" % o)
            if NLMSGERR_ATTR_POLICY in tl:
                p = attrs_of(tl[NLMSGERR_ATTR_POLICY])
                lo = p.get(NL_POLICY_TYPE_ATTR_MIN_VALUE_U, p.get(NL_POLICY_TYPE_ATTR_MIN_LENGTH))
                hi = p.get(NL_POLICY_TYPE_ATTR_MAX_VALUE_U, p.get(NL_POLICY_TYPE_ATTR_MAX_LENGTH))
                if lo is not None and hi is not None:
                    u = lambda b: struct.unpack("<Q" if len(b) == 8 else "<I" if len(b) == 4 else "<H", b)[0]
                    rng = "%d-%d" % (u(lo), u(hi))
            return "errno=%d attr=%s range=%s msg=%s" % (err, where, rng, text)


def nl_socket():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.bind((0, 0))
    return sock


def dump(dev, obj, netns=None):
    """For importers: DEV's sov qdiscs or classes as show gives them, parsed."""
    import json
    if netns:
        setns(netns)
    return json.loads(show(nl_socket(), 1, dev, obj))


def main(argv):
    if argv[:1] == ["-n"]:
        setns(argv[1])
        argv = argv[2:]
    sock = nl_socket()
    if argv == ["-"]:
        for seq, line in enumerate(sys.stdin, 1):
            if line.strip() and not line.lstrip().startswith("#"):
                print(request(sock, seq, line.split()), flush=True)
        return 0
    print(request(sock, 1, argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
