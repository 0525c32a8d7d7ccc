"""The ``nps_survey`` tactic as a step of a sequence: the recipient's signed survey link.

A template of an ``nps_survey`` step places ``{{ survey_url }}``: ``[mail] public_url`` +
``/s/<token>`` + ``?lang=`` (the message's language), the same signed, single-use, expiring
link ``horetsu nps wave`` writes (:mod:`horetsu.nps.tokens`), so it opens the web app's
survey page.  The link is fixed by the message: the token id is derived from its
Message-ID and the expiry from its due day (+ ``[nps] token_days``), so a resend after a
crash carries the same link.  Answers count under the wave ``sequence-<name>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from horetsu.errors import TemplateError

TACTIC = "nps_survey"
VARIABLE = "survey_url"
JST = dt.timezone(dt.timedelta(hours=9))


def wave_id(sequence: str) -> str:
    return f"sequence-{sequence}"


def survey_link(ws: Any, public_url: str, *, customer_id: str, sequence: str, message_id: str, due_at: dt.datetime,
                lang: str, key: bytes | None = None) -> str:  # fmt: skip
    """The recipient's survey URL for one message (the same for every attempt of that message)."""
    from horetsu.nps.settings import nps_settings
    from horetsu.nps.tokens import make_token, secret

    key = key if key is not None else secret(ws)
    tid = base64.urlsafe_b64encode(hmac.new(key, b"survey-link|" + message_id.encode("utf-8"), hashlib.sha256)
                                   .digest()[:9]).decode("ascii")  # fmt: skip
    day = due_at.astimezone(JST).date() + dt.timedelta(days=nps_settings(ws).token_days)
    expires = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=JST)
    token, _ = make_token(ws, customer_id, wave_id(sequence), expires, key=key, token_id=tid)
    return f"{public_url.rstrip('/')}/s/{token}?lang={lang if lang in ('ja', 'en') else 'ja'}"


def check_steps(sequences: dict[str, Any], folder: Any, lang: str) -> None:
    """An ``nps_survey`` step's template must place ``{{ survey_url }}``; no other step may use it."""
    import jinja2
    import jinja2.meta

    for seq in sequences.values():
        for i, step in enumerate(seq.steps):
            path = folder / f"{step.template}.{lang}.txt"
            if not path.exists():
                continue  # load_template says so
            used = VARIABLE in jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(path.read_text(encoding="utf-8")))
            if step.tactic == TACTIC and not used:
                raise TemplateError(f"{path}: an nps_survey step ({seq.name} step {i + 1}) must place {{{{ survey_url }}}}",
                                    ja=f"{path}: nps_survey のステップ（{seq.name} の {i + 1} 通目）には {{{{ survey_url }}}} が必要です")  # fmt: skip
            if used and step.tactic != TACTIC:
                raise TemplateError(f"{path}: {{{{ survey_url }}}} is only defined in an nps_survey step ({seq.name} step {i + 1} is {step.tactic})",
                                    ja=f"{path}: {{{{ survey_url }}}} は nps_survey のステップでだけ使えます（{seq.name} の {i + 1} 通目は {step.tactic}）")  # fmt: skip
