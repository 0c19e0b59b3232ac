#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the memcompress events (SOV_CMD_MC_EVENT_NTF) on the "events" group.

  mc_events.py READY_FILE SECONDS [COUNT [KIND]]
Joins the group, creates READY_FILE, then prints one line per event (of
KIND only, if given), "kind=K id=I name=N", a policy's cause and actions,
the run's counts, the stats' limit_hits (policy and limit events) and t, the
seconds since the listener joined, as key=value, until COUNT events came
(default 1) or SECONDS passed. Exit status 0 if COUNT events came.
"""
import socket
import struct
import sys
import time

SOV_CMD_MC_EVENT_NTF = 31
A_ID, A_NAME, A_RECOMP, A_EVENT_KIND, A_EVENT_CAUSE, A_EVENT_ACTIONS = 2, 3, 10, 13, 15, 16
A_STATS, A_STATS_LIMIT_HITS = 8, 19
RECOMP = {2: ("running", "B"), 3: ("level", "I"), 4: ("idle_age", "I"), 5: ("threads", "I"),
          6: ("scanned", "Q"), 7: ("recompressed", "Q"), 8: ("errors", "Q"), 9: ("runs", "Q")}
KINDS = {0: "recompress-done", 1: "policy", 2: "limit"}
CAUSES = {0: "threshold", 1: "time", 2: "demand"}
ACTIONS = {1: "recompress", 2: "compact"}


def attrs(b):
    out, off = {}, 0
    while off + 4 <= len(b):
        ln, t = struct.unpack_from("HH", b, off)
        if ln < 4:
            break
        out[t & 0x3fff] = b[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def main():
    ready, secs = sys.argv[1], float(sys.argv[2])
    want = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    only = sys.argv[4] if len(sys.argv) > 4 else None
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)	# NETLINK_GENERIC
    s.bind((0, 0))
    name = b"sovereign\0\0\0"
    a = struct.pack("HH", 14, 2) + name	# CTRL_ATTR_FAMILY_NAME
    s.send(struct.pack("IHHII", 20 + len(a), 16, 1, 1, 0) + struct.pack("BBH", 3, 1, 0) + a)
    ctrl = attrs(s.recv(65536)[20:])
    fam = struct.unpack("H", ctrl[1][:2])[0]
    groups = [attrs(g) for g in attrs(ctrl[7]).values()]	# CTRL_ATTR_MCAST_GROUPS
    group = [struct.unpack("I", g[2])[0] for g in groups if g[1].rstrip(b"\0") == b"events"][0]
    s.setsockopt(270, 1, group)	# SOL_NETLINK, NETLINK_ADD_MEMBERSHIP
    open(ready, "w").close()
    start = time.monotonic()
    end, got = start + secs, 0
    while got < want:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            msg = s.recv(65536)
        except socket.timeout:
            break
        ln, typ = struct.unpack_from("IH", msg)
        if typ != fam or msg[16] != SOV_CMD_MC_EVENT_NTF:
            continue
        at = attrs(msg[20:ln])
        kind = KINDS.get(struct.unpack("I", at[A_EVENT_KIND])[0], "?")
        if only and kind != only:
            continue
        line = "kind=%s id=%d name=%s" % (kind, struct.unpack("I", at[A_ID])[0],
                                          at[A_NAME].rstrip(b"\0").decode())
        if A_EVENT_CAUSE in at:
            line += " cause=%s" % CAUSES.get(struct.unpack("I", at[A_EVENT_CAUSE])[0], "?")
        if A_EVENT_ACTIONS in at:
            acts = struct.unpack("I", at[A_EVENT_ACTIONS])[0]
            line += " actions=%s" % ",".join(n for b, n in ACTIONS.items() if acts & b)
        for t, v in sorted(attrs(at.get(A_RECOMP, b"")).items()):
            if t in RECOMP:
                line += " %s=%d" % (RECOMP[t][0], struct.unpack(RECOMP[t][1], v[:struct.calcsize(RECOMP[t][1])])[0])
        stats = attrs(at.get(A_STATS, b""))
        if A_STATS_LIMIT_HITS in stats:
            line += " limit_hits=%d" % struct.unpack("Q", stats[A_STATS_LIMIT_HITS][:8])[0]
        line += " t=%.2f" % (time.monotonic() - start)
        print(line, flush=True)
        got += 1
    return 0 if got >= want else 1


if __name__ == "__main__":
    sys.exit(main())
