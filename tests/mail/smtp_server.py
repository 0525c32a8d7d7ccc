"""A recording SMTP server on loopback (aiosmtpd), run in its own process by the tests.

Usage: python smtp_server.py PORT READYFILE LOGFILE
Every accepted message is appended to LOGFILE as one JSON line (to, Message-ID, headers,
body).  Recipients starting with ``temp`` get ``451`` the first time, ``bad`` get ``550``.
"""

import json
import os
import sys
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, log):
        self.log = log
        self.seen_temp = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bad"):
            return "550 5.1.1 no such user"
        if address.startswith("temp") and address not in self.seen_temp:
            self.seen_temp.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        html = msg.get_body(("html",)) if msg.is_multipart() else None
        line = json.dumps({"to": envelope.rcpt_tos, "message_id": msg["Message-ID"], "subject": msg["Subject"],
                           "list_unsubscribe": msg["List-Unsubscribe"], "list_unsubscribe_post": msg["List-Unsubscribe-Post"],
                           "from": msg["From"], "body": msg.get_body(("plain",)).get_content(),
                           "html": html.get_content() if html is not None else None}, ensure_ascii=False)
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return "250 Message accepted"


if __name__ == "__main__":
    port, ready, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    c = Controller(Recorder(log), hostname="127.0.0.1", port=port)
    c.start()
    with open(ready, "w") as fh:
        fh.write("ready")
    while True:
        time.sleep(3600)
