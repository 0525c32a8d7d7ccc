"""The bytes the worker sends: the same message as the standard library's EmailMessage
(``build_email``), read back by a strict parser; a line break in a subject cannot add a header;
one SMTP connection carries a batch."""

from __future__ import annotations

from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest

from horetsu.mail.render import build_email
from horetsu.mail.transport import SmtpTransport, wire_bytes

CFG = SimpleNamespace(sender_name="ほれつ商店 テスト部", from_address="shop@example.jp")
HEADERS = ("From", "To", "Subject", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")


@pytest.mark.parametrize("subject", [
    "ご購入ありがとうございます、山田 花子様。お届けした商品の使い方をご案内します(長い件名)",
    "Thank you for your order",
    "A long English subject that goes on " * 4,
])
def test_wire_bytes_read_back_as_the_email_message_does(subject):
    kw = dict(to="c1@example.com", subject=subject, message_id="<m1@example.jp>",
              body="山田 花子 様\n\nご購入ありがとうございます。\n\n-- \n配信停止: https://shop.example.jp/u/" + "t" * 120 + "\n",
              url="https://shop.example.jp/u/" + "t" * 120)
    ref = message_from_bytes(build_email(CFG, **kw).as_bytes(), policy=policy.default)
    raw = wire_bytes(CFG, **kw)
    got = message_from_bytes(raw, policy=policy.default)
    assert {h: str(got[h]) for h in HEADERS} == {h: str(ref[h]) for h in HEADERS}
    assert got.get_content() == ref.get_content() == kw["body"]
    assert str(got["List-Unsubscribe"]) == "<" + kw["url"] + ">"  # the link is never broken by folding
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322 line limit


def test_a_line_break_in_the_subject_adds_no_header():
    raw = wire_bytes(CFG, to="c1@example.com", subject="Hello\r\nBcc: victim@example.com", body="x\n",
                     message_id="<m2@example.jp>", url="https://shop.example.jp/u/t")
    got = message_from_bytes(raw, policy=policy.default)
    assert got["Bcc"] is None
    assert str(got["Subject"]) == "Hello Bcc: victim@example.com"


def test_one_connection_carries_a_batch(smtp):
    t = SmtpTransport(f"smtp://127.0.0.1:{smtp.port}")
    try:
        outcomes = []
        for i in range(5):
            raw = wire_bytes(CFG, to=f"c{i}@example.com", subject="件名", body=f"本文 {i}\n",
                             message_id=f"<w{i}@example.jp>", url="https://shop.example.jp/u/t")
            outcomes.append(t.send(raw, f"c{i}@example.com", sender=CFG.from_address).kind)
            if i == 0:
                first = t._con
            assert t._con is first  # reused, not reopened
        bad = t.send(wire_bytes(CFG, to="bad@example.com", subject="s", body="b\n", message_id="<wb@example.jp>",
                                url="https://shop.example.jp/u/t"), "bad@example.com", sender=CFG.from_address)
        after = t.send(wire_bytes(CFG, to="c9@example.com", subject="s", body="b\n", message_id="<w9@example.jp>",
                                  url="https://shop.example.jp/u/t"), "c9@example.com", sender=CFG.from_address)
    finally:
        t.close()
    assert outcomes == ["sent"] * 5 and (bad.kind, bad.code) == ("perm", 550) and after.kind == "sent"
    got = smtp.messages()
    assert [m["message_id"] for m in got] == [f"<w{i}@example.jp>" for i in range(5)] + ["<w9@example.jp>"]
    assert got[2]["body"] == "本文 2\n" and got[2]["subject"] == "件名"
