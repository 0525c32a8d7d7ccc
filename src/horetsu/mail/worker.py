"""``horetsu mail run``: enqueue what is due, then send, every decision on one clock.

Order of a run: check the settings and every template (refused before anything is sent),
import consent, record earlier sends for the gate's caps, plan and enqueue, then claim and
send batches.  At send each row is checked again: expiry, consent and suppression, the
stop conditions, the per-channel rolling cap and the gate.  ``sending`` is committed
before SMTP DATA and ``sent`` after the 250 reply.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from horetsu.mail.clock import in_quiet_hours, parse_now, tokyo_day
from horetsu.mail.render import (build_email, check_settings, load_template, open_url, render, sample_context,
                                 unsubscribe_url)


def checkpoint(name: str) -> None:
    """A named point of the send path (``claimed``, ``data``, ``reply``, ``commit``); crash tests patch it."""


@dataclass
class RunResult:
    now: dt.datetime
    planned: dict[tuple[str, int, str], int] = field(default_factory=dict)
    enqueued: int = 0
    outcomes: Counter = field(default_factory=Counter)
    quiet: bool = False
    dry_run: bool = False
    send_seconds: float = 0.0
    send_cpu_seconds: float = 0.0


def mail_settings(ws: Any) -> Any:
    from horetsu.config import MailSettings

    return ws.section("mail", MailSettings)


def shop_lang(ws: Any) -> str:
    return ws.settings.lang if ws.settings.lang in ("ja", "en") else "ja"


def load_templates(ws: Any, sequences: dict[str, Any], cfg: Any, lang: str) -> dict[str, Any]:
    """Every template a sequence uses, rendered once with sample values (fails before sending)."""
    from horetsu.mail.sequences import sequences_dir

    folder = sequences_dir(ws) / "templates"
    from horetsu.mail.survey import check_steps

    check_steps(sequences, folder, lang)
    out = {}
    for seq in sequences.values():
        for step in seq.steps:
            if step.template not in out:
                tpl = load_template(folder, step.template, lang)
                render(tpl, cfg, sample_context(lang), cfg.public_url.rstrip("/") + "/u/x")
                out[step.template] = tpl
    return out


def record_sent(ws: Any, now: dt.datetime) -> int:
    """Write sent rows not yet recorded as ``message_sent`` events (note = tactic) for the gate's caps."""
    from horetsu.mail.clock import TOKYO
    from horetsu.mail.models import Message
    from horetsu.playbook.exports import record_sends

    rows = list(Message.objects.filter(state="sent", recorded=False).values_list("id", "customer_id", "tactic", "sent_at"))
    if not rows:
        return 0
    groups: dict[tuple[str, dt.date], list[str]] = {}
    for _, cid, tactic, sent_at in rows:
        groups.setdefault((tactic, sent_at.astimezone(TOKYO).date()), []).append(cid)
    for (tactic, day), ids in groups.items():
        record_sends(ws, ids, tactic, day)
    Message.objects.filter(id__in=[r[0] for r in rows]).update(recorded=True)
    return len(rows)


def run(ws: Any, now: Any = None, *, dry_run: bool = False, limit: int | None = None) -> RunResult:
    """One pass: enqueue what is due at ``now`` and send what may go out (see module doc)."""
    from horetsu.mail.consent import import_consent, import_line_links
    from horetsu.mail.db import open_db
    from horetsu.mail.facts import customer_table
    from horetsu.mail.outbox import enqueue
    from horetsu.mail.planner import plan
    from horetsu.mail.sequences import load_sequences
    from horetsu.playbook.policy import load_policy

    now = parse_now(now)
    cfg = mail_settings(ws)
    check_settings(cfg)
    policy = load_policy(ws)
    sequences = load_sequences(ws, policy=policy)
    lang = shop_lang(ws)
    templates = load_templates(ws, sequences, cfg, lang)
    if not dry_run and not cfg.smtp_url and any(s.channel == "email" for q in sequences.values() for s in q.steps):
        from horetsu.errors import MailSettingsError

        raise MailSettingsError("[mail] smtp_url is not set", ja="[mail] smtp_url が設定されていません")
    open_db(ws)
    result = RunResult(now=now, dry_run=dry_run)
    today = tokyo_day(now)
    customers = customer_table(ws, today)
    p = plan(ws, now, sequences=sequences, quiet_end=cfg.quiet_end, customers=customers)
    result.planned = p.counts
    if dry_run:
        return result
    import_consent(ws, now)
    import_line_links(ws, now)
    record_sent(ws, now)
    import pyarrow.compute as pc

    emails = pc.utf8_lower(pc.utf8_trim_whitespace(customers.column("email")))  # as the consent records hold them
    addresses = {"email": dict(zip(customers.column("customer_id").to_pylist(), emails.to_pylist())),
                 "line": _line_links()}
    result.enqueued = enqueue(p.rows, now, cfg, lang=lang, addresses=addresses)["inserted"]
    if in_quiet_hours(now, cfg.quiet_start, cfg.quiet_end):
        result.quiet = True
        return result
    sender = Sender(ws, cfg, now, sequences, templates, customers, policy)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        sent_total = 0
        while limit is None or sent_total < limit:
            n = sender.batch(cfg.batch_size if limit is None else min(cfg.batch_size, limit - sent_total))
            if n == 0:
                break
            sent_total += n
    finally:
        sender.close()
    result.send_seconds = time.perf_counter() - started
    result.send_cpu_seconds = time.process_time() - cpu
    result.outcomes = sender.outcomes
    record_sent(ws, now)
    return result


def _line_links() -> dict[str, str]:
    from horetsu.mail.models import LineLink

    return dict(LineLink.objects.values_list("customer_id", "line_user_id"))


class Sender:
    """Claims batches and sends them; every check reads the run's one clock.

    Per batch: one claim transaction, the checks over the whole batch (consent and
    suppression, stop conditions, the rolling cap, the gate once on the batch's customers),
    every message rendered, then one transaction recording the skips and moving the rows
    to send to ``sending`` (committed before any DATA); each message then goes out over a
    reused SMTP connection and its ``sent`` is committed after its own 250 reply.
    """

    def __init__(self, ws: Any, cfg: Any, now: dt.datetime, sequences: dict[str, Any], templates: dict[str, Any],
                 customers: Any, policy: Any) -> None:
        from horetsu.mail.tokens import mail_secret

        self.ws, self.cfg, self.now, self.sequences, self.templates, self.policy = ws, cfg, now, sequences, templates, policy
        self.secret = mail_secret(ws, cfg.secret)
        df = customers.select(["customer_id", "stage", "last_day", "name", "first_category", "email"]).to_pandas()
        self.facts = df.set_index("customer_id")
        self.outcomes: Counter = Counter()
        self._smtp: list[Any] = []  # one SMTP connection per sending thread, reused batch after batch
        self._lock = threading.Lock()  # one writer at a time: no SQLite busy waits between threads
        self._line: Any = None
        self._gate: Any = None  # the gate's per-customer state, read once per run (see _gate_split)
        self._skips: list[tuple[int, str, str, str]] = []

    def close(self) -> None:
        for t in (*self._smtp, self._line):
            if t is not None:
                t.close()

    def transport(self, channel: str, slot: int = 0) -> Any:
        from horetsu.mail.transport import LineTransport, SmtpTransport

        if channel == "line":
            self._line = self._line or LineTransport(self.cfg.line_channel_access_token, self.cfg.line_api_url)
            return self._line
        while len(self._smtp) <= slot:
            self._smtp.append(SmtpTransport(self.cfg.smtp_url))
        return self._smtp[slot]

    def skip(self, row: Any, reason: str, rule: str = "", detail: str = "") -> None:
        """Note a skip; the batch's skips are committed together before anything is sent."""
        self._skips.append((row.id, reason, rule, detail))
        self.outcomes[f"skipped:{reason}"] += 1

    def batch(self, size: int) -> int:
        """Claim and process one batch; the number of rows claimed (0 = nothing left)."""
        from django.db import transaction
        from django.db.models import F

        from horetsu.mail.models import Message
        from horetsu.mail.outbox import claim, mark_many

        self._skips = []
        ids = claim(self.now, self.cfg.lease_seconds, size)
        if not ids:
            return 0
        checkpoint("claimed")
        rows = list(Message.objects.filter(id__in=ids).order_by("due_at", "id"))
        facts = self._facts({r.customer_id for r in rows})
        go = self._checks(rows, facts)
        if go:  # the opaque unsubscribe links of this batch resolve before any of its mails leave
            from horetsu.mail.tokens import register

            register(self.secret, ((r.channel, r.address) for r in go), self.now)
        tracked: set[int] = set()
        ready = [(r, *self._render(r, facts.get(r.customer_id), tracked)) for r in go]
        with transaction.atomic():  # the batch's skips, and 'sending' committed before any DATA
            groups: dict[tuple[str, str, str], list[int]] = {}
            for mid, reason, rule, detail in self._skips:
                groups.setdefault((reason, rule, detail), []).append(mid)
            for (reason, rule, detail), mids in groups.items():
                mark_many(mids, self.now, "skipped", reason=reason, rule=rule, detail=detail, lease_until=None)
            for flag in (True, False):
                mids = [r.id for r in go if (r.id in tracked) == flag]
                if mids:
                    mark_many(mids, self.now, "sending", attempts=F("attempts") + 1, sent_at=self.now, tracked=flag)
        self._skips = []
        slots = max(1, min(self.cfg.connections, len(ready)))
        if slots == 1:
            for item in ready:
                self.deliver(*item)
        else:  # a few SMTP connections in parallel; each row still walks its own state machine
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=slots) as pool:
                list(pool.map(self._deliver_share, [(ready[i::slots], i) for i in range(slots)]))
        return len(ids)

    def _facts(self, customer_ids: set[str]) -> dict[str, dict[str, Any]]:
        """{customer id: facts} for a batch's customers (one lookup per batch, not per row)."""
        sub = self.facts.reindex(sorted(customer_ids)).dropna(how="all")
        return sub.to_dict("index")

    def _checks(self, rows: list[Any], facts: dict[str, dict[str, Any]]) -> list[Any]:
        """The rows that may go out now; every other row is noted as a skip with its reason."""
        from horetsu.mail.consent import reachable

        live = []
        for row in rows:
            if self.now > row.expires_at:
                self.skip(row, "expired", detail=f"due {row.due_at.isoformat()}")
            elif not row.address:  # no e-mail address; on LINE: no linked LINE user id (the consent)
                self.skip(row, "no_line_link" if row.channel == "line" else "no_address")
            else:
                live.append(row)
        # consent and suppression, per channel, for the whole batch
        ok = []
        for channel in {r.channel for r in live}:
            addrs = [r.address for r in live if r.channel == channel]
            consented, suppressed = reachable(channel, addrs)
            if channel == "line":
                consented = set(addrs)  # a linked LINE user id is the consent
            for r in (r for r in live if r.channel == channel):
                if r.address in suppressed:
                    self.skip(r, "unsubscribed")
                elif r.address not in consented:
                    self.skip(r, "no_consent")
                else:
                    ok.append(r)
        # stop conditions
        live = []
        for r in ok:
            seq = self.sequences.get(r.sequence)
            fact = facts.get(r.customer_id)
            if seq is None:
                self.skip(r, "sequence_removed")
            elif fact is not None and "purchased" in seq.stop_when and _purchased_since(fact, r.occurrence, seq):
                self.skip(r, "stopped:purchased")
            elif fact is not None and "stage_changed" in seq.stop_when and fact["stage"] != r.stage_at_enqueue:
                self.skip(r, "stopped:stage_changed", detail=f"{r.stage_at_enqueue} -> {fact['stage']}")
            else:
                live.append(r)
        # the per-channel rolling cap (sent rows in the outbox, this batch included)
        live = self._cap(live)
        # the gate at send time, once on the batch's customers, per tactic
        by_tactic: dict[str, list[str]] = {}
        for r in live:
            by_tactic.setdefault(r.tactic, []).append(r.customer_id)
        blocked = self._gate_split(by_tactic) if by_tactic else {}
        go = []
        for r in live:
            rule = blocked.get(r.tactic, {}).get(r.customer_id)
            if rule:
                self.skip(r, "gate", rule=rule)
            else:
                go.append(r)
        return go

    def _gate_split(self, ids_by_tactic: dict[str, list[str]]) -> dict[str, dict[str, str]]:
        """The gate on the batch's customers.  Their state (stage, windows, the caps counted from
        the recorded sends) is read from the results once per run: ``record_sent`` writes the
        events the caps count only before and after the send loop, and the rolling cap of
        this run's own sends is :meth:`_cap`'s."""
        from horetsu.mail.planner import gate_split

        if self._gate is None:
            from horetsu.mail.models import Message
            from horetsu.mail.outbox import CLAIMABLE, IN_FLIGHT

            waiting = set(Message.objects.filter(state__in=CLAIMABLE + IN_FLIGHT).values_list("customer_id", flat=True))
            self._gate = _GateState(self.ws, self.policy, tokyo_day(self.now), waiting)
        return gate_split(self.ws, ids_by_tactic, tokyo_day(self.now), self.policy, frame=self._gate.frame(ids_by_tactic))

    def _render(self, row: Any, fact: Any, tracked: set[int]) -> tuple[Any]:
        """What goes on the wire for one message (the e-mail's bytes, or the LINE text), rendered
        before anything of its batch is sent."""
        from horetsu.mail.transport import wire_bytes

        url = unsubscribe_url(self.cfg, self.secret, row.channel, row.address)
        ctx = _context(self.ws, fact, row)
        seq = self.sequences.get(row.sequence)
        step = seq.steps[row.step - 1] if seq is not None and row.step <= len(seq.steps) else None
        if step is not None and step.at == "expected_repurchase":  # the day itself, not the reminder's day
            ctx["expected_date"] = (row.due_at.date() - dt.timedelta(days=step.offset_days)).isoformat()
        if step is not None and step.tactic == "nps_survey":  # the recipient's signed survey link
            from horetsu.mail.survey import survey_link

            ctx["survey_url"] = survey_link(self.ws, self.cfg.public_url, customer_id=row.customer_id, sequence=row.sequence,
                                            message_id=row.message_id, due_at=row.due_at, lang=row.lang)  # fmt: skip
        subject, body = render(self.templates[row.template], self.cfg, ctx, url)
        if row.channel == "line":
            return (f"{subject}\n\n{body}",)
        if self.cfg.track_opens:  # the HTML alternative with the open-tracking image
            tracked.add(row.id)
            pixel = open_url(self.cfg, self.secret, row.id, row.message_id)
            return (build_email(self.cfg, to=row.address, subject=subject, body=body, message_id=row.message_id, url=url,
                                pixel_url=pixel),)
        if not row.address.isascii():  # an internationalised address: smtplib's SMTPUTF8 path
            return (build_email(self.cfg, to=row.address, subject=subject, body=body, message_id=row.message_id, url=url),)
        return (wire_bytes(self.cfg, to=row.address, subject=subject, body=body, message_id=row.message_id, url=url),)

    def _deliver_share(self, share: tuple[list[Any], int]) -> None:
        from django.db import connection

        items, slot = share
        try:
            for item in items:
                self.deliver(*item, slot=slot)
        finally:
            connection.close()  # Django opens one connection per thread

    def _cap(self, rows: list[Any]) -> list[Any]:
        from django.db.models import Count

        from horetsu.mail.models import Message

        if not rows:
            return rows
        since = self.now - dt.timedelta(days=self.cfg.cap_days)
        counts = Counter({(c, ch): n for c, ch, n in Message.objects.filter(
            state__in=("sent", "sending"), sent_at__gt=since, customer_id__in={r.customer_id for r in rows})
            .values_list("customer_id", "channel").annotate(n=Count("id")).values_list("customer_id", "channel", "n")})
        out = []
        for r in rows:
            key = (r.customer_id, r.channel)
            if counts[key] >= self.cfg.cap_max:
                self.skip(r, "cap", rule=f"mail.cap_{r.channel}",
                          detail=f"{counts[key]} sent within {self.cfg.cap_days} days")
            else:
                counts[key] += 1
                out.append(r)
        return out

    def _mark(self, mid: int, state: str, **fields: Any) -> None:
        from horetsu.mail.outbox import mark

        with self._lock:
            mark(mid, self.now, state, **fields)

    def deliver(self, row: Any, payload: Any, slot: int = 0) -> None:
        """Send one message already committed as ``sending``; commit its outcome."""
        from horetsu.mail.consent import suppress

        checkpoint("data")
        if row.channel == "line":
            out = self.transport("line").push(row.address, payload, row.message_id)
        else:
            out = self.transport("email", slot).send(payload, row.address, sender=self.cfg.from_address)
        if out.kind == "sent":
            checkpoint("reply")
            self._mark(row.id, "sent", sent_at=self.now, lease_until=None, reason="", detail="")
            checkpoint("commit")
            with self._lock:
                self.outcomes["sent"] += 1
        elif out.kind == "perm":
            self._mark(row.id, "failed_perm", reason=f"smtp_{out.code}" if row.channel == "email" else f"line_{out.code}",
                       detail=out.detail[:500], lease_until=None, sent_at=None)
            if row.channel == "email":
                with self._lock:
                    suppress(self.ws, row.address, reason="bounce", source=f"SMTP {out.code}", now=self.now)
            with self._lock:
                self.outcomes["failed_perm"] += 1
        else:
            attempts = row.attempts + 1
            if attempts >= self.cfg.max_attempts:
                self._mark(row.id, "skipped", reason="retries_exhausted", detail=out.detail[:500], lease_until=None, sent_at=None)
                with self._lock:
                    self.outcomes["skipped:retries_exhausted"] += 1
                return
            wait = dt.timedelta(seconds=self.cfg.retry_base_seconds * 2 ** (attempts - 1))
            self._mark(row.id, "failed_temp", reason=f"temp_{out.code}", detail=out.detail[:500],
                       next_attempt_at=self.now + wait, lease_until=None, sent_at=None)
            with self._lock:
                self.outcomes["failed_temp"] += 1


class _GateState:
    """The gate's per-customer state for one run: read for the customers waiting in the outbox
    when the first batch is claimed, and for any later arrival the first time it is needed."""

    def __init__(self, ws: Any, policy: Any, day: dt.date, customer_ids: set[str]) -> None:
        self.ws, self.policy, self.day = ws, policy, day
        self.loaded: set[str] = set()
        self.frames: list[Any] = []
        self._load(customer_ids)

    def _load(self, customer_ids: set[str]) -> None:
        from horetsu.mail.facts import ensure_results
        from horetsu.playbook.state import customer_state

        ensure_results(self.ws, self.day)
        frame, _ = customer_state(self.ws, self.policy, self.day, customer_ids=sorted(customer_ids))
        self.frames.append(frame)
        self.loaded |= customer_ids

    def frame(self, ids_by_tactic: dict[str, list[str]]) -> Any:
        import pandas as pd

        wanted = {c for ids in ids_by_tactic.values() for c in ids}
        missing = wanted - self.loaded
        if missing:
            self._load(missing)
        if len(self.frames) > 1:
            self.frames = [pd.concat(self.frames, ignore_index=True)]
        frame = self.frames[0]
        return frame[frame["customer_id"].isin(wanted)].reset_index(drop=True)


def _purchased_since(fact: Any, occurrence: str, seq: Any) -> bool:
    from horetsu.core.dates import to_day

    last = fact["last_day"]
    if last is None or (isinstance(last, float) and np.isnan(last)):
        return False
    anchor = to_day(dt.date.fromisoformat(occurrence))
    return int(last) >= anchor if seq.trigger_kind == "signup" else int(last) > anchor


def _context(ws: Any, fact: Any, row: Any) -> dict[str, Any]:
    ja = row.lang == "ja"
    name = (fact["name"] if fact is not None and isinstance(fact["name"], str) and fact["name"] else None)
    cat = (fact["first_category"] if fact is not None and isinstance(fact["first_category"], str) else None)
    return {
        "name": name or ("お客" if ja else "customer"),
        "shop_name": ws.settings.shop_name or ("当店" if ja else "our shop"),
        "category": cat or ("商品" if ja else "product"),
        "expected_date": row.due_at.date().isoformat(),
    }


def run_loop(ws: Any, *, every_seconds: float = 300.0, limit: int | None = None, stop_after: int | None = None) -> None:
    """Run every ``every_seconds`` on the real clock (``horetsu mail run --loop``)."""
    n = 0
    while stop_after is None or n < stop_after:
        run(ws, None, limit=limit)
        n += 1
        time.sleep(every_seconds)


__all__ = ["run", "run_loop", "RunResult"]
