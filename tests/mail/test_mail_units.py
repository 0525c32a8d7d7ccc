"""Sequences, lint, the planner's time axis and holdout, tokens, templates, LINE push."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pyarrow as pa
import pytest

import horetsu
from horetsu.errors import SequenceError, TemplateError
from horetsu.mail.clock import in_quiet_hours, parse_now
from horetsu.mail.lint import lint
from horetsu.mail.sequences import install_defaults, load_sequences
from horetsu.stages.facts import to_day


@pytest.fixture
def mws(tmp_path):
    ws = horetsu.init_workspace(tmp_path / "ws")
    install_defaults(ws)
    return ws


def test_a_bad_sequence_file_names_the_file_and_the_key(mws):
    bad = mws.path / "sequences" / "zz_bad.toml"
    bad.write_text('trigger = "first_purchase"\n[[steps]]\ntactic = "thank_you"\ntemplate = "x"\n', encoding="utf-8")
    with pytest.raises(SequenceError, match=r"zz_bad.toml: \[steps.0\].*delay_days"):
        load_sequences(mws)
    bad.write_text('trigger = "bought"\n[[steps]]\ntactic = "thank_you"\ntemplate = "x"\ndelay_days = 1\n', encoding="utf-8")
    with pytest.raises(SequenceError, match=r"zz_bad.toml: \[trigger\]"):
        load_sequences(mws)
    bad.write_text('trigger = "signup"\n[[steps]]\ntactic = "thank_you"\ntemplate = "../../etc/passwd"\ndelay_days = 1\n', encoding="utf-8")
    with pytest.raises(SequenceError, match=r"zz_bad.toml: \[steps.0.template\]"):
        load_sequences(mws)
    bad.write_text('trigger = "signup"\n[[steps]]\ntactic = "free_lunch"\ntemplate = "x"\ndelay_days = 1\n', encoding="utf-8")
    with pytest.raises(SequenceError, match=r"zz_bad.toml: \[steps.0.tactic\] unknown tactic 'free_lunch'"):
        load_sequences(mws)


def test_the_shipped_sequences_pass_lint_and_a_bad_one_fails_naming_step_and_rule(mws):
    assert set(load_sequences(mws)) == {"first_purchase", "second_purchase", "subscription_start", "cooling", "lead"}
    assert lint(mws) == []
    (mws.path / "sequences" / "pushy.toml").write_text(
        'trigger = "signup"\nstop_when = ["purchased"]\n'
        '[[steps]]\ntactic = "thank_you"\ntemplate = "lead_welcome"\ndelay_days = 0\n'
        '[[steps]]\ntactic = "discount_coupon"\ntemplate = "lead_welcome"\ndelay_days = 3\n', encoding="utf-8")
    found = {(f.sequence, f.step, f.rule) for f in lint(mws)}
    # an observer may be reached (no purchase yet): offers are forbidden there; and 3 < 14 days after sign-up
    assert ("pushy", 2, "stage.observer.offer") in found
    assert ("pushy", 2, "timing.discount_after_signup") in found
    assert not any(f[1] == 1 for f in found)


def test_expected_repurchase_follows_each_customers_category_interval(mws):
    from horetsu.mail.planner import plan
    from horetsu.mail.sequences import parse_sequence

    seq = parse_sequence({"trigger": "first_purchase", "holdout": 0.0, "steps": [
        {"tactic": "follow_up_email", "template": "fp_reminder", "at": "expected_repurchase", "offset_days": -5}]}, "r.toml")
    first = to_day(dt.date(2026, 6, 1))
    cust = pa.table({
        "customer_id": ["tea", "cream", "own"], "stage": ["landing"] * 3, "temperature": ["active"] * 3,
        "expected_interval_days": pa.array([None, None, 45.0], pa.float64()),
        "first_day": [first] * 3, "last_day": [first] * 3, "n_days": [1] * 3, "sub_day": pa.nulls(3, pa.int64()),
        "reg_day": [first] * 3, "first_category": ["tea", "cream", "tea"], "name": ["a", "b", "c"],
        "email": ["a@x.jp", "b@x.jp", "c@x.jp"], "accepts_email": [True] * 3})
    mws.write_results({"intervals_category": pa.table({"category": ["tea", "cream"], "intervals": [9, 9], "customers": [5, 5],
                                                       "median_days": [30, 90], "p80_days": [40, 120], "mean_days": [31.0, 92.0]})})
    due = {}
    for day in range(first, first + 100):
        now = dt.datetime.combine(dt.date(1970, 1, 1) + dt.timedelta(days=day), dt.time(10), tzinfo=dt.timezone(dt.timedelta(hours=9)))
        p = plan(mws, now, sequences={"r": seq}, gate=False, customers=cust)
        for row in p.rows.to_pylist():
            due.setdefault(row["customer_id"], row["due_day"] - first)
    assert due == {"tea": 25, "cream": 85, "own": 40}  # 30−5, 90−5, the customer's own 45−5


def test_the_holdout_is_deterministic_and_near_its_share(mws):
    from horetsu.mail.planner import plan
    from horetsu.mail.sequences import parse_sequence

    seq = parse_sequence({"trigger": "first_purchase", "holdout": 0.2, "steps": [
        {"tactic": "thank_you", "template": "fp_thanks", "delay_days": 0}]}, "h.toml")
    n = 20000
    day = to_day(dt.date(2026, 9, 30))
    cust = pa.table({
        "customer_id": [f"C{i}" for i in range(n)], "stage": ["landing"] * n, "temperature": ["active"] * n,
        "expected_interval_days": pa.nulls(n, pa.float64()), "first_day": [day] * n, "last_day": [day] * n,
        "n_days": [1] * n, "sub_day": pa.nulls(n, pa.int64()), "reg_day": [day] * n,
        "first_category": pa.nulls(n, pa.string()), "name": ["x"] * n, "email": ["x"] * n, "accepts_email": [True] * n})
    now = parse_now("2026-09-30T10:00")
    a = plan(mws, now, sequences={"h": seq}, gate=False, customers=cust).rows
    b = plan(mws, now, sequences={"h": seq}, gate=False, customers=cust.take(list(range(n - 1, -1, -1)))).rows
    held = lambda t: {c for c, s in zip(t.column("customer_id").to_pylist(), t.column("status").to_pylist()) if s == "holdout"}  # noqa: E731
    assert held(a) == held(b)
    assert abs(len(held(a)) / n - 0.2) < 4 * (0.2 * 0.8 / n) ** 0.5  # within 4 standard errors


def test_quiet_hours_wrap_midnight_in_tokyo():
    assert in_quiet_hours(parse_now("2026-10-01T21:00"), "21:00", "09:00")
    assert in_quiet_hours(parse_now("2026-10-01T03:00"), "21:00", "09:00")
    assert not in_quiet_hours(parse_now("2026-10-01T09:00"), "21:00", "09:00")
    assert in_quiet_hours(parse_now("2026-10-01T12:30:00+00:00"), "21:00", "09:00")  # 21:30 in Tokyo


def test_unsubscribe_tokens_are_opaque_and_keyed():
    import base64
    import hashlib
    import hmac

    from horetsu.mail.tokens import make_token

    addr = "hanako.yamada@example.com"
    tok = make_token(b"k" * 32, "email", addr)
    # 24 bytes of HMAC-SHA256 over a fixed label, the channel and the address, base64url without padding
    want = base64.urlsafe_b64encode(hmac.new(b"k" * 32, b"unsubscribe-v2\nemail\n" + addr.encode(), hashlib.sha256)
                                    .digest()[:24]).rstrip(b"=").decode()
    assert tok == want and len(tok) == 32
    readable = {addr, "hanako", "example.com"}
    b64 = {base64.urlsafe_b64encode(f"email\n{addr}".encode()).decode().rstrip("=")[:16],
           base64.urlsafe_b64encode(addr.encode()).decode().rstrip("=")[:16],
           base64.b64encode(addr.encode()).decode().rstrip("=")[:16]}
    assert not any(x in tok for x in readable | b64)
    assert make_token(b"j" * 32, "email", addr) != tok  # another secret, another token
    assert make_token(b"k" * 32, "email", "b@example.com") != tok


def test_a_template_with_an_undefined_variable_or_without_footer_is_refused(tmp_path):
    from types import SimpleNamespace

    from horetsu.mail.render import check_settings, load_template

    (tmp_path / "a.ja.txt").write_text("Subject: x\n\n{{ nmae }}\n{{ footer }}\n", encoding="utf-8")
    (tmp_path / "b.ja.txt").write_text("Subject: x\n\n{{ name }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="nmae"):
        load_template(tmp_path, "a", "ja")
    with pytest.raises(TemplateError, match="footer"):
        load_template(tmp_path, "b", "ja")
    cfg = SimpleNamespace(from_address="a@b.jp", sender_name="s", postal_address="p", contact="c", public_url="http://shop.example.jp")
    from horetsu.errors import MailSettingsError

    with pytest.raises(MailSettingsError, match="https"):
        check_settings(cfg)


class _Line(BaseHTTPRequestHandler):
    accepted: dict[str, str] = {}
    calls: list[dict] = []
    limit_next = [False]

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers["X-Line-Retry-Key"]
        self.calls.append({"key": key, "auth": self.headers["Authorization"], "body": body, "path": self.path})
        if self.limit_next[0]:
            self.limit_next[0] = False
            self.send_response(429)
            self.end_headers()
            return
        if key in self.accepted:
            self.send_response(409)
            self.send_header("X-Line-Accepted-Request-Id", self.accepted[key])
            self.end_headers()
            return
        self.accepted[key] = f"req-{len(self.accepted)}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *a):
        pass


def test_line_push_is_idempotent_by_retry_key_and_backs_off_on_429():
    from horetsu.mail.transport import LineTransport, retry_key

    server = HTTPServer(("127.0.0.1", 0), _Line)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        line = LineTransport("tok", f"http://127.0.0.1:{server.server_port}")
        _Line.limit_next[0] = True
        assert line.push("U1", "hello", "<m1@x>").kind == "temp"  # 429: retry later
        first = line.push("U1", "hello", "<m1@x>")
        again = line.push("U1", "hello", "<m1@x>")  # a resend after a crash: same key, no second message
        assert (first.kind, first.code) == ("sent", 200)
        assert (again.kind, again.code, again.detail) == ("sent", 409, "req-0")
        assert len(_Line.accepted) == 1
        assert {c["key"] for c in _Line.calls} == {retry_key("<m1@x>")}
        assert _Line.calls[0]["auth"] == "Bearer tok" and _Line.calls[0]["path"] == "/v2/bot/message/push"
        assert _Line.calls[0]["body"] == {"to": "U1", "messages": [{"type": "text", "text": "hello"}]}
    finally:
        server.shutdown()


def test_the_uplift_interval_matches_a_hand_computation():
    from horetsu.mail.measure import diff_ci

    d, lo, hi = diff_ci(30, 100, 10, 50)  # 0.30 − 0.20; se = sqrt(.0021 + .0032) = 0.0728011
    assert d == pytest.approx(0.10)
    assert lo == pytest.approx(0.10 - 1.959964 * 0.0728011, abs=1e-6)
    assert hi == pytest.approx(0.10 + 1.959964 * 0.0728011, abs=1e-6)


def test_init_installs_the_default_sequences(tmp_path):
    from horetsu.cli.app import main

    assert main(["init", "--workspace", str(tmp_path / "w")]) == 0
    assert sorted(p.name for p in (tmp_path / "w" / "sequences").glob("*.toml")) == [
        "cooling.toml", "first_purchase.toml", "lead.toml", "second_purchase.toml", "subscription_start.toml"]
    assert (tmp_path / "w" / "sequences" / "templates" / "fp_thanks.ja.txt").exists()


