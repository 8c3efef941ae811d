# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tiny Bookinfo-like product page on loopback for the traffic_probe target.

``server.py PORT_FILE``: listens on 127.0.0.1, port 0, and once it listens writes "PORT CLOSED" to
PORT_FILE: its port, and the port of a socket it holds bound but never listening (connections to it
are refused). ``GET /productpage`` answers in a cycle of 4: reviews-v1 (no stars), reviews-v2 (2 full
stars), reviews-v3 (2 full stars), then a 503. ``GET /reset`` starts the cycle again. Runs until killed.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PODS = ["reviews-v1-5c6d8b7f4-abcde", "reviews-v2-5b667bcbf8-xyz12", "reviews-v3-7d8f6c9b5-qwert", None]
STAR = '<font color="black"><!-- full stars: -->\n'


def page(pod: str) -> str:
    stars = 0 if pod.startswith("reviews-v1-") else 2
    return "<html><dl><dt>Reviews served by:</dt>\n      <u>%s</u></dl>%s</html>" % (pod, STAR * stars)


class Handler(BaseHTTPRequestHandler):
    lock = threading.Lock()
    served = 0

    def do_GET(self):  # pylint: disable=invalid-name
        status, body = 200, "ok"
        if self.path == "/reset":
            with Handler.lock:
                Handler.served = 0
        elif self.path == "/productpage":
            with Handler.lock:
                pod = PODS[Handler.served % len(PODS)]
                Handler.served += 1
            status, body = (200, page(pod)) if pod else (503, "no healthy upstream")
        else:
            status, body = 404, "not found"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


def main() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write("%d %d\n" % (httpd.server_address[1], closed.getsockname()[1]))
    os.replace(tmp, sys.argv[1])
    httpd.serve_forever()


if __name__ == "__main__":
    main()
