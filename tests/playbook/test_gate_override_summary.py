"""The gate's one-line summary with ``--override`` counts every audience member once (issue 14, item 7)."""

from __future__ import annotations

import csv

import pytest

from horetsu.cli.app import main

AS_OF = "2025-06-30"


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "1 allowed, 1 blocked and let through by the override"),
    ("ja", "実施可 1 人 / 停止 1 人（停止した人も上書きで実施可に含めました）"),
])
def test_override_summary_adds_up_to_the_audience(shop, make_ws, tmp_path, capsys, lang, words):
    shop.customer("new", registered=3)                                                  # observer: may get the mail
    shop.customer("emp", registered=100).order("emp", 90).order("emp", 60)              # empathy: no broadcast
    ws = make_ws(shop)
    aud = tmp_path / "aud.csv"
    aud.write_text("customer_id\nnew\nemp\n", encoding="utf-8")
    out, blocked = tmp_path / "a.csv", tmp_path / "b.csv"
    code = main(["--lang", lang, "gate", "--tactic", "mail_magazine", "--audience", str(aud), "--as-of", AS_OF,
                 "-w", str(ws.path), "--out", str(out), "--blocked", str(blocked), "--override", "owner's call"])
    text = " ".join(capsys.readouterr().out.split())  # rich may wrap the line
    assert code == 0
    with open(out, encoding="utf-8", newline="") as fh:
        assert sorted(r["customer_id"] for r in csv.DictReader(fh)) == ["emp", "new"]  # both go out
    assert words in text, text
    assert "2 allowed" not in text and "実施可 2 人" not in text
