#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A backend for tests/selftests/lb_nat.sh: HTTP over TCP and a UDP echo.

  lb_nat_backend.py NAME TCP-PORT UDP-PORT
GET /id answers NAME; GET /who answers "NAME local=ADDR:PORT peer=ADDR", the
addresses of the connection as this backend sees it (so the test can tell
that the balancer translated the destination and kept the client's source);
anything else 404. HTTP/1.1 with keep-alive, one thread per connection, no
request bodies. Every UDP datagram is answered with "NAME\\n". Quiet; stops
on SIGTERM. The UDP socket is bound before the TCP listener, so a backend
that passes a TCP health check also answers UDP.

Only socket and threading: http.server's imports alone take seconds under
TCG.
"""
import socket
import sys
import threading

NAME = sys.argv[1]


def answer(conn, peer, path):
    if path == "/id":
        status, body = "200 OK", NAME + "\n"
    elif path == "/who":
        local = conn.getsockname()
        status, body = "200 OK", "%s local=%s:%d peer=%s\n" % (NAME, local[0], local[1], peer[0])
    else:
        status, body = "404 Not Found", "not found\n"
    head = "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % (
        status, len(body))
    conn.sendall((head + body).encode())


def serve(conn, peer):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            words = head.split(b"\r\n", 1)[0].split()
            answer(conn, peer, words[1].decode() if len(words) > 1 else "")
    except OSError:
        pass  # a client that resets its connection is no news
    finally:
        conn.close()


def udp_echo(sock):
    while True:
        _, peer = sock.recvfrom(2048)
        sock.sendto((NAME + "\n").encode(), peer)


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("", int(sys.argv[3])))
threading.Thread(target=udp_echo, args=(udp,), daemon=True).start()
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("", int(sys.argv[2])))
tcp.listen(64)
while True:
    c, p = tcp.accept()
    threading.Thread(target=serve, args=(c, p), daemon=True).start()
