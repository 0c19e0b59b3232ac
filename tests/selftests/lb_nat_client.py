#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A client for tests/selftests/lb_nat.sh: a 5-tuple that goes to a backend.

  lb_nat_client.py VIP PORT VICTIM DIR
Once DIR/find exists, connects to VIP:PORT from source ports 42000 up,
asking GET /id, until a connection lands on the backend named VICTIM, and
writes that port to DIR/port ("none" if it found none). Every connection is
closed with a RST (SO_LINGER 0), so that no end keeps a TIME_WAIT for its
5-tuple: the test can connect from that port again at once, and the
balancer's connection table sends it to VICTIM again while VICTIM is up.
"""
import os
import socket
import struct
import sys
import time

vip, port, victim, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def connect(sport):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.settimeout(3)
    s.bind(("", sport))
    try:
        s.connect((vip, port))
    except BaseException:
        s.close()
        raise
    return s


def ask(s):
    s.sendall(b"GET /id HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return "(closed)"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int([h.split(b":")[1] for h in head.split(b"\r\n")
                  if h.lower().startswith(b"content-length")][0])
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            return "(closed)"
        body += chunk
    return body.decode().strip()


def write(name, text):
    with open(os.path.join(out, name + ".tmp"), "w") as f:
        f.write(text + "\n")
    os.rename(os.path.join(out, name + ".tmp"), os.path.join(out, name))


while not os.path.exists(os.path.join(out, "find")):
    time.sleep(0.1)
seen = []
for sport in range(42000, 42200):
    s = connect(sport)
    name = ask(s)
    s.close()
    if name == victim:
        break
    seen.append(name)
else:
    write("port", "none")
    sys.exit("no connection went to %s; they went to %s" % (victim, " ".join(seen)))
write("port", str(sport))
