#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""UDP ping-pong for bench/classes.sh: the round trip of one class's packets.

  classes_ping.py server PORT
      echo every datagram back, until killed
  classes_ping.py client DST PORT COUNT INTERVAL_MS PRIORITY [SAMPLES_FILE]
      COUNT pings of 64 bytes with SO_PRIORITY PRIORITY, one every INTERVAL_MS, each
      waiting up to 200 ms for its echo; 10 more first, not counted (warm-up). Prints
      "p50_us=N p99_us=N n=N lost=N"; appends each round trip (µs) to SAMPLES_FILE, one
      a line. Waits up to 10 s for the server to answer at all.
"""
import socket
import sys
import time


def server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)


def pct(xs, p):
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def client(dst, port, count, interval_ms, prio, samples=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, prio)
    s.connect((dst, port))
    s.settimeout(0.2)
    deadline = time.monotonic() + 10
    while True:	# the server's up when it answers
        s.send(b"hello")
        try:
            s.recv(2048)
            break
        except socket.timeout:
            if time.monotonic() > deadline:
                sys.exit("classes_ping.py: no answer from %s:%d" % (dst, port))
    rtts, lost = [], 0
    for i in range(count + 10):
        payload = i.to_bytes(4, "little") + bytes(60)
        t0 = time.perf_counter_ns()
        s.send(payload)
        try:
            while s.recv(2048)[:4] != payload[:4]:	# a late echo of an earlier ping
                pass
            if i >= 10:
                rtts.append((time.perf_counter_ns() - t0) // 1000)
        except socket.timeout:
            lost += i >= 10
        time.sleep(interval_ms / 1000)
    if samples:
        with open(samples, "a") as f:
            f.write("".join("%d\n" % r for r in rtts))
    rtts.sort()
    if not rtts:
        sys.exit("classes_ping.py: every ping was lost")
    print("p50_us=%d p99_us=%d n=%d lost=%d" % (pct(rtts, 50), pct(rtts, 99), len(rtts), lost))


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]),
               int(sys.argv[6]), sys.argv[7] if len(sys.argv) > 7 else None)
