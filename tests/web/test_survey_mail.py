"""``nps_survey`` as a step of a sequence, end to end: ``horetsu mail run`` sends the step to a real
SMTP server (aiosmtpd in its own process) with the recipient's signed survey link; the link,
read from the received mail, opens the survey page of ``horetsu serve``; the answer is counted
by ``horetsu nps report`` at once."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mail"))

from mailkit import Smtp, cli, free_port, make_shop, sequence  # noqa: E402

pytestmark = pytest.mark.xdist_group("web")
JST = dt.timezone(dt.timedelta(hours=9))

SURVEY_SEQUENCE = sequence(("thank_you", "fp_thanks", 1), ("nps_survey", "nps_survey", 3), stop_when=("unsubscribed",))


def test_a_survey_step_mails_a_link_that_opens_the_survey_page(tmp_path, web):
    today = dt.datetime.now(JST).date()  # the page checks expiry on the real clock, so the mail's clock is today
    smtp = Smtp(tmp_path)
    port = free_port()
    try:
        ws = make_shop(tmp_path / "ws", ["a@example.com", "b@example.com"], smtp_port=smtp.port,
                       first_purchase=(today - dt.timedelta(days=3)).isoformat(), sequence=SURVEY_SEQUENCE)  # fmt: skip
        toml = ws / "horetsu.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("127.0.0.1:8000", f"127.0.0.1:{port}"), encoding="utf-8")
        cli(ws, "mail", "run", "--now", f"{today - dt.timedelta(days=2)}T10:00")  # the thanks
        cli(ws, "mail", "run", "--now", f"{today}T10:00")  # the survey, after the thanks (the gate's rule)
        got = smtp.messages()
        surveys = [m for m in got if "/s/" in m["body"]]
        assert len(got) == 4 and len(surveys) == 2, [m["subject"] for m in got]
        links = {m["to"][0]: re.search(rf"http://127\.0\.0\.1:{port}/s/\S+", m["body"]).group(0) for m in surveys}
        # the message's language (the test's CLI runs in English) goes with the link
        assert len(set(links.values())) == 2 and all(u.endswith("?lang=en") for u in links.values())
        assert all("Three short questions" in m["subject"] for m in surveys)
        server = web.start_server(ws, "", tmp_path / "serve.log", port=port)
        try:
            c = web.Client(server.url)
            path = links["a@example.com"][len(server.url):]
            r = c.get(path)
            assert r.status == 200 and "How likely are you to recommend us to a friend" in r.text
            cid = re.search(r'name="customer" value="([^"]*)"', r.text).group(1)
            assert cid == "C000"  # the link is bound to the recipient
            assert c.post(path, {"score": "9", "reason": "メールが丁寧", "improve": "", "customer": cid}).status == 200
            assert web.Client(server.url).get(path).status == 409  # used once
        finally:
            web.stop(server)
        rep = json.loads(cli(ws, "nps", "report", "--json").stdout)
        assert (rep["n"], rep["promoters"], rep["nps"]) == (1, 1, 100.0)
        texts = cli(ws, "nps", "texts", "--search", "丁寧").stdout
        assert "C000" in texts
    finally:
        smtp.stop()


def test_survey_url_belongs_to_survey_steps_only(tmp_path):
    from horetsu.errors import TemplateError
    from horetsu.mail.sequences import parse_sequence
    from horetsu.mail.survey import check_steps

    folder = tmp_path
    (folder / "ask.ja.txt").write_text("Subject: x\n\n{{ survey_url }}\n{{ footer }}\n", encoding="utf-8")
    (folder / "plain.ja.txt").write_text("Subject: x\n\nこんにちは\n{{ footer }}\n", encoding="utf-8")

    def seq(tactic, template):
        data = {"trigger": "first_purchase", "steps": [{"tactic": tactic, "template": template, "delay_days": 1}]}
        return {"s": parse_sequence(data, "s.toml")}

    check_steps(seq("nps_survey", "ask"), folder, "ja")  # the right pairing passes
    with pytest.raises(TemplateError, match="must place"):
        check_steps(seq("nps_survey", "plain"), folder, "ja")
    with pytest.raises(TemplateError, match="only defined in an nps_survey step"):
        check_steps(seq("thank_you", "ask"), folder, "ja")
