#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A tiny HTTP/1.1 backend for the load-balancer selftests.

  lb_backend.py NAME [PORT]
GET /id answers NAME (keep-alive, so one connection can ask many times);
anything else 404. Datagrams to the same UDP port come back as "NAME "
followed by the datagram, for udp health checks. Threaded, quiet, stops on
SIGTERM.
"""
import http.server
import socket
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = (sys.argv[1] + "\n").encode() if self.path == "/id" else b"not found\n"
        self.send_response(200 if self.path == "/id" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def udp_echo(name, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(name.encode() + b" " + data, peer)


port = int(sys.argv[2]) if len(sys.argv) > 2 else 80
threading.Thread(target=udp_echo, args=(sys.argv[1], port), daemon=True).start()
http.server.ThreadingHTTPServer(("", port), Handler).serve_forever()
