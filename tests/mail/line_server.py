"""A loopback stand-in for the LINE Messaging API push endpoint, run in its own process.

Usage: python line_server.py PORT READYFILE LOGFILE TOKEN
Answers as LINE documents it: ``POST /v2/bot/message/push`` with ``Authorization: Bearer
TOKEN``; a retry key that was accepted before gets ``409`` with ``X-Line-Accepted-Request-Id``
and no second message; a user id starting with ``Uslow`` gets ``429`` the first time (the
rate limit), a wrong token ``401``.  Every request is one JSON line in LOGFILE.
"""

import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCEPTED = {}  # retry key -> request id
LIMITED = set()
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("X-Line-Retry-Key", "")
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        to = body.get("to", "")
        with LOCK:
            if self.path != "/v2/bot/message/push":
                status, reply, hdrs = 404, {"message": "Not found"}, {}
            elif self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, reply, hdrs = 401, {"message": "Authentication failed"}, {}
            elif key and key in ACCEPTED:
                status, reply, hdrs = 409, {"message": "The retry key is already accepted"}, \
                    {"X-Line-Accepted-Request-Id": ACCEPTED[key]}
            elif to.startswith("Uslow") and to not in LIMITED:
                LIMITED.add(to)
                status, reply, hdrs = 429, {"message": "Too Many Requests"}, {}
            else:
                rid = str(uuid.uuid4())
                if key:
                    ACCEPTED[key] = rid
                status, reply, hdrs = 200, {"sentMessages": [{"id": rid[:18]}]}, {"X-Line-Request-Id": rid}
            line = json.dumps({"to": to, "key": key, "status": status,
                               "text": (body.get("messages") or [{}])[0].get("text", "")}, ensure_ascii=False)
            with open(LOG, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        self._answer(status, reply, hdrs)


if __name__ == "__main__":
    port, ready, LOG, TOKEN = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    with open(ready, "w") as fh:
        fh.write("ready")
    server.serve_forever()
