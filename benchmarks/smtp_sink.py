"""An SMTP sink on loopback (aiosmtpd) for ``bench_mail.py``, run in its own process.

Usage: python smtp_sink.py PORT READYFILE LOGFILE
Every accepted message appends one line to LOGFILE: the recipient and the Message-ID,
found in the raw bytes (no parsing into an e-mail object, no fsync), so the figure the
benchmark prints is the sender's rather than the recorder's.  The tests' server
(tests/mail/smtp_server.py) parses and fsyncs every message instead.
"""

import re
import sys
import time

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Sink:
    def __init__(self, log):
        self.log = open(log, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.original_content or envelope.content)
        mid = found.group(1).decode("ascii", "replace") if found else ""
        self.log.write(f"{envelope.rcpt_tos[0]}\t{mid}\n")
        self.log.flush()
        return "250 Message accepted"


if __name__ == "__main__":
    port, ready, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    c = Controller(Sink(log), hostname="127.0.0.1", port=port)
    c.start()
    with open(ready, "w") as fh:
        fh.write("ready")
    while True:
        time.sleep(3600)
