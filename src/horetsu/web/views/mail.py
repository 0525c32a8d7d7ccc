"""Step-mail screens: the sequences with their per-step results and the holdout comparison
(every role: aggregates only), a preview per step and the queue (personal roles), and
suppressing an address (owner, marketer; a POST with the CSRF token).

The numbers come from :func:`horetsu.mail.measure.status` (no statistics here) and the
preview from :func:`horetsu.mail.preview.preview_message` (the renderer ``horetsu mail
preview`` and the worker use).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_POST

from horetsu.mail.labels import REASON_LABELS
from horetsu.web.core.access import audit, needs
from horetsu.web.i18n import text
from horetsu.web.views.common import error_text, page, workspace

QUEUE_PAGE = 50
STATES = ("queued", "claimed", "sending", "sent", "skipped", "holdout", "failed_temp", "failed_perm")
REASONS = tuple(REASON_LABELS)  # the codes with words (horetsu.mail.labels)


def state_name(lang: str, state: str) -> str:
    return text(lang, f"mail.state.{state}") if state in STATES else state


def reason_name(lang: str, reason: str) -> str:
    if reason in REASONS:
        return text(lang, "mail.reason." + reason.replace(":", "_"))
    return reason  # smtp_550, temp_451, line_400: the code speaks for itself


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x * 100:+.1f}%"


def _rate(x: int, n: int) -> str:
    return f"{x / n * 100:.1f}%" if n else "–"


def _timing(lang: str, step: Any) -> str:
    if step.at == "expected_repurchase":
        return text(lang, "mail.at_expected", days=f"{step.offset_days:+d}")
    return text(lang, "mail.after_days", days=step.delay_days or 0)


@require_GET
@needs("aggregate")
def mail_overview(request: Any) -> Any:
    """Every sequence: its steps with sent / skipped by reason / opened / purchased, and the uplift."""
    from horetsu.mail.measure import status
    from horetsu.mail.sequences import load_sequences
    from horetsu.web.views.customers import tactic_names

    lang = request.lang
    ws = workspace()
    try:
        seqs = load_sequences(ws, only_enabled=False)
        st = status(ws)
    except Exception as exc:  # an invalid sequence file or no data yet: one friendly sentence
        return page(request, "horetsu/mail.html", {"error": error_text(request, exc)})
    tnames = tactic_names(lang)
    skipped: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for r in st["steps"].to_pylist():
        if r["state"] in ("skipped", "failed_perm"):
            skipped.setdefault((r["sequence"], r["step"]), []).append((r["reason"] or r["state"], r["n"]))
    results = {(r["sequence"], r["step"]): r for r in st["step_results"]}
    uplift = {r["sequence"]: r for r in st["sequences"]}
    out = []
    for name in sorted(set(seqs) | {s for s, _ in results}):
        seq = seqs.get(name)
        steps = []
        n_steps = len(seq.steps) if seq else max(k for s, k in results if s == name)
        for i in range(1, n_steps + 1):
            step = seq.steps[i - 1] if seq and i <= len(seq.steps) else None
            r = results.get((name, i), {"sent": 0, "tracked": 0, "opened": None, "purchased": 0})
            steps.append({
                "n": i, "tactic": tnames.get(step.tactic, step.tactic) if step else "–",
                "template": step.template if step else "–", "timing": _timing(lang, step) if step else "–",
                "channel": step.channel if step else "–", "sent": f"{r['sent']:,}",
                "skipped": [{"reason": reason_name(lang, k), "n": f"{n:,}"} for k, n in skipped.get((name, i), [])],
                "opened": (text(lang, "mail.unknown") if r["opened"] is None
                           else f"{r['opened']:,} / {r['tracked']:,} ({_rate(r['opened'], r['tracked'])})"),
                "purchased": f"{r['purchased']:,} ({_rate(r['purchased'], r['sent'])})",
                "preview_url": f"/mail/preview/{name}/{i}" if step else "",
                "queue_url": "/mail/queue?" + urlencode({"sequence": name, "step": i}),
            })
        u = uplift.get(name)
        effect = None
        if u:
            effect = {"reached": f"{u['reached']:,}", "reached_rate": _rate(u["reached_bought"], u["reached"]),
                      "holdout": f"{u['holdout']:,}", "holdout_rate": _rate(u["holdout_bought"], u["holdout"]),
                      "uplift": _pct(u["uplift"]),
                      "ci": ("–" if math.isnan(u["uplift"]) else f"[{_pct(u['ci_low'])}, {_pct(u['ci_high'])}]"),
                      "incremental": "–" if math.isnan(u["incremental"]) else f"{u['incremental']:+.1f}"}
        out.append({"name": name, "description": seq.description if seq else "", "trigger": seq.trigger if seq else "–",
                    "holdout": f"{seq.holdout * 100:.0f}%" if seq else "–", "enabled": seq.enabled if seq else False,
                    "steps": steps, "effect": effect})
    return page(request, "horetsu/mail.html", {"sequences": out, "days": st["days"],
                                               "purchased_title": text(lang, "mail.purchased", days=st["days"]),
                                               "effect_title": text(lang, "mail.effect", days=st["days"])})


def _default_customer(ws: Any, sequence: str, step: int) -> str:
    from horetsu.mail.models import Message

    cid = (Message.objects.filter(sequence=sequence, step=step).order_by("id").values_list("customer_id", flat=True)
           .first())
    if cid:
        return cid
    from horetsu.web.views.common import results

    res = results()
    if not res.has("customers"):
        return ""
    rows = res.query("SELECT customer_id FROM read_parquet(?) ORDER BY customer_id LIMIT 1", [res._file("customers")])
    return rows[0][0] if rows else ""


@require_GET
@needs("personal")
def mail_preview(request: Any, sequence: str, step: int) -> Any:
    """One step rendered for one customer (``?customer=``; default: the first one it was queued for)."""
    from horetsu.mail.preview import preview_message

    ws = workspace()
    customer = (request.GET.get("customer") or "").strip()[:200]
    error, head, body = "", [], ""
    try:
        customer = customer or _default_customer(ws, sequence, step)
        msg = preview_message(ws, sequence, step, customer)
        head = [(k, v) for k, v in msg.items() if k not in ("Content-Type", "Content-Transfer-Encoding", "MIME-Version")]
        part = msg.get_body(("plain",))
        body = part.get_content() if part is not None else ""
    except Exception as exc:
        error = error_text(request, exc)
    title = text(request.lang, "mail.preview_title", sequence=sequence, step=step)
    return page(request, "horetsu/mail_preview.html", {"title": title, "sequence": sequence, "step": step, "customer": customer,
                                                        "error": error, "head": head, "body": body})


@require_GET
@needs("personal")
def mail_queue(request: Any) -> Any:
    """The outbox, newest first, filtered by state / sequence / step / reason, 50 rows a page (server side)."""
    from horetsu.mail.db import open_db
    from horetsu.mail.models import Message

    lang = request.lang
    open_db(workspace())
    qs = Message.objects.all()
    base: dict[str, Any] = {}
    for key in ("state", "sequence", "reason"):
        value = (request.GET.get(key) or "").strip()[:200]
        if value:
            qs = qs.filter(**{key: value})
            base[key] = value
    try:
        step = int(request.GET.get("step") or 0)
    except ValueError:
        step = 0
    if step > 0:
        qs, base["step"] = qs.filter(step=step), step
    try:
        page_no = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        page_no = 1
    total = qs.count()
    pages = max((total + QUEUE_PAGE - 1) // QUEUE_PAGE, 1)
    page_no = min(page_no, pages)
    rows = []
    for m in qs.order_by("-updated_at", "-id")[(page_no - 1) * QUEUE_PAGE: page_no * QUEUE_PAGE]:
        rows.append({"customer_id": m.customer_id, "address": m.address, "sequence": m.sequence, "step": m.step,
                     "channel": m.channel, "state": state_name(lang, m.state), "state_key": m.state,
                     "reason": reason_name(lang, m.reason) if m.reason else "", "rule": m.rule,
                     "due": m.due_at, "sent": m.sent_at if m.state == "sent" else None,
                     "opened": m.opened_at if m.tracked else None, "tracked": m.tracked, "attempts": m.attempts})
    sequences = sorted(set(Message.objects.values_list("sequence", flat=True).distinct()))
    return page(request, "horetsu/mail_queue.html", {
        "rows": rows, "total": f"{total:,}", "page_no": page_no, "pages": pages,
        "prev_url": "?" + urlencode({**base, "page": page_no - 1}) if page_no > 1 else "",
        "next_url": "?" + urlencode({**base, "page": page_no + 1}) if page_no < pages else "",
        "states": [(s, state_name(lang, s)) for s in STATES], "sequences": sequences, "f": base,
        "done": request.GET.get("done") == "1",
    })


@require_POST
@needs("operate")
def mail_suppress(request: Any) -> Any:
    """Suppress an address (field ``email``; ``channel`` email or line): no further step mail to it."""
    from horetsu.mail.consent import suppress

    address = (request.POST.get("email") or "").strip()
    channel = request.POST.get("channel") or "email"
    if not address or channel not in ("email", "line") or len(address) > 320:
        raise Http404
    new = suppress(workspace(), address, channel=channel, reason="manual", source="web app")
    audit(request, "mail_suppress", f"channel={channel} new={new}")  # never the address itself
    return HttpResponseRedirect("/mail/queue?done=1")
