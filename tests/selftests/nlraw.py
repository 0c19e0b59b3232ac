#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send hand-built (possibly malformed) messages to the module or the daemon.

  nlraw.py genl CMD [--reserved N] [ATTR ...]    to the "sovereign" genl family
  nlraw.py ctl PATH CMD [ATTR ...]               to sovereignd's control socket
  nlraw.py ctl-garbage PATH                      an impossible frame, then EOF
ATTR is TYPE:u8=V, TYPE:u16=V, TYPE:u32=V, TYPE:str=S or TYPE:raw=HEX.
Prints "errno=N msg=TEXT" for the ack, one line per reply message before it.
Selftests use it to reach the error paths that sovctl never produces.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
SOV_CTL_FAMILY_ID = 0x5356


def attr(t, payload):
    a = struct.pack("HH", 4 + len(payload), t) + payload
    return a + b"\0" * ((4 - len(a) % 4) % 4)


def parse_attr(spec):
    t, rest = spec.split(":", 1)
    kind, val = rest.split("=", 1)
    payload = {
        "u8": lambda v: struct.pack("B", int(v, 0)),
        "u16": lambda v: struct.pack("H", int(v, 0)),
        "u32": lambda v: struct.pack("I", int(v, 0)),
        "str": lambda v: v.encode() + b"\0",
        "raw": bytes.fromhex,
    }[kind](val)
    return attr(int(t, 0), payload)


def msg(ftype, cmd, attrs=b"", seq=1, reserved=0):
    body = struct.pack("BBH", cmd, 1, reserved) + attrs
    return struct.pack("IHHII", 16 + len(body), ftype, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body


def attrs_of(data):
    out, off = {}, 0
    while off + 4 <= len(data):
        ln, t = struct.unpack_from("HH", data, off)
        if ln < 4:
            break
        out[t & 0x3fff] = data[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def read_replies(recv):
    """Print data messages and the final ack; return the ack's errno."""
    while True:
        buf = recv()
        if not buf:
            print("errno=closed msg=")
            return None
        off = 0
        while off + 16 <= len(buf):
            ln, typ, flags, seq, pid = struct.unpack_from("IHHII", buf, off)
            if ln < 16:
                print("errno=badframe msg=")
                return None
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("i", buf, off + 16)[0]
                text = ""
                if flags & NLM_F_ACK_TLVS:
                    # capped acks carry only the request header (16 bytes)
                    tl = attrs_of(buf[off + 20 + 16:off + ln])
                    text = tl.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
                print("errno=%d msg=%s" % (-err, text))
                return -err
            print("reply type=%d len=%d" % (typ, ln))
            off += (ln + 3) & ~3


def genl(argv):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(SOL_NETLINK, 10, 1)  # NETLINK_CAP_ACK
    s.bind((0, 0))
    s.send(msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, b"sovereign\0")))
    buf = s.recv(65536)
    ln, typ = struct.unpack_from("IH", buf)
    if typ == NLMSG_ERROR:
        print("errno=%d msg=family not found" % -struct.unpack_from("i", buf, 16)[0])
        return 1
    fam = struct.unpack("H", attrs_of(buf[20:ln])[CTRL_ATTR_FAMILY_ID][:2])[0]
    s.recv(65536)  # the ack
    reserved = 0
    if argv and argv[0] == "--reserved":
        reserved = int(argv[1], 0)
        argv = argv[2:]
    cmd = int(argv[0], 0)
    s.send(msg(fam, cmd, b"".join(parse_attr(a) for a in argv[1:]), seq=2, reserved=reserved))
    read_replies(lambda: s.recv(65536))
    return 0


def ctl(argv):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(argv[0])
    cmd = int(argv[1], 0)
    ftype = SOV_CTL_FAMILY_ID
    if len(argv) > 2 and argv[2].startswith("type="):
        ftype = int(argv[2][5:], 0)
        argv = argv[:2] + argv[3:]
    s.sendall(msg(ftype, cmd, b"".join(parse_attr(a) for a in argv[2:])))
    read_replies(lambda: s.recv(65536))
    return 0


def ctl_garbage(argv):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(argv[0])
    s.sendall(struct.pack("IHHII", 3, 0, 0, 0, 0))  # nlmsg_len 3 < header
    s.settimeout(5)
    read_replies(lambda: s.recv(65536))
    return 0


if __name__ == "__main__":
    verb, rest = sys.argv[1], sys.argv[2:]
    sys.exit({"genl": genl, "ctl": ctl, "ctl-garbage": ctl_garbage}[verb](rest))
