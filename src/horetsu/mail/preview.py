"""``horetsu mail preview``: one step rendered for one customer (headers and body).

The CLI and the web app's preview page both call :func:`preview_message` (the worker's own
renderer and message builder) and show it with :func:`readable` (headers decoded, the text
part as text, not its transfer encoding).
"""

from __future__ import annotations

from typing import Any

from horetsu.errors import SequenceError, UnknownCustomerError


def preview(workspace: Any, sequence: str, step: int, customer: str, now: Any = None) -> str:
    """The rendered mail as readable text (decoded headers, a blank line, the body)."""
    return readable(preview_message(workspace, sequence, step, customer, now))


def readable(msg: Any) -> str:
    """Headers decoded (``Name: value``), a blank line, the plain-text body."""
    head = "\n".join(f"{k}: {v}" for k, v in msg.items() if k not in ("Content-Type", "Content-Transfer-Encoding",
                                                                      "MIME-Version"))
    body = msg.get_body(("plain",))
    return head + "\n\n" + (body.get_content() if body is not None else "")


def preview_message(workspace: Any, sequence: str, step: int, customer: str, now: Any = None) -> Any:
    """The :class:`email.message.EmailMessage` the worker would build for this step and customer."""
    from types import SimpleNamespace

    from horetsu.mail.clock import parse_now, tokyo_day
    from horetsu.mail.facts import customer_table
    from horetsu.mail.render import build_email, check_settings, load_template, render, unsubscribe_url
    from horetsu.mail.sequences import load_sequences, sequences_dir
    from horetsu.mail.tokens import mail_secret
    from horetsu.mail.worker import _context, mail_settings, shop_lang
    from horetsu.workspace import open_workspace

    ws = workspace if hasattr(workspace, "read_arrow") else open_workspace(workspace)
    cfg = mail_settings(ws)
    check_settings(cfg)
    seqs = load_sequences(ws, only_enabled=False)
    if sequence not in seqs or not 1 <= step <= len(seqs[sequence].steps):
        raise SequenceError(f"no step {step} in sequence {sequence!r} (sequences: {', '.join(seqs)})",
                            ja=f"シーケンス {sequence!r} にステップ {step} はありません")
    st = seqs[sequence].steps[step - 1]
    now = parse_now(now)
    facts = customer_table(ws, tokyo_day(now)).to_pandas().set_index("customer_id")
    if customer not in facts.index:
        raise UnknownCustomerError(f"customer {customer!r} is not in the results", ja=f"顧客 {customer!r} は分析結果にありません")
    fact = facts.loc[customer]
    lang = shop_lang(ws)
    tpl = load_template(sequences_dir(ws) / "templates", st.template, lang)
    address = fact["email"] if isinstance(fact["email"], str) else ""
    secret = mail_secret(ws, cfg.secret)
    url = unsubscribe_url(cfg, secret, st.channel, address)
    if address:  # the previewed link works like a sent one
        from horetsu.mail.db import open_db
        from horetsu.mail.tokens import register

        open_db(ws)
        register(secret, [(st.channel, address)], now)
    row = SimpleNamespace(lang=lang, due_at=now)
    subject, body = render(tpl, cfg, _context(ws, fact, row), url)
    return build_email(cfg, to=address, subject=subject, body=body, message_id="<preview@horetsu.invalid>", url=url)
