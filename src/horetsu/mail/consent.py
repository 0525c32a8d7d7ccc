"""Consent records and suppressions (特定電子メール法): imported, kept, honoured before every send.

Consent is imported from the exports' ``accepts_email`` flag (method ``import:accepts_email``,
source = the import).  A later import never deletes a record: a flag that turns false
withdraws the consent (``withdrawn_at``), and a suppression (unsubscribe, hard bounce,
by hand) wins over any consent.  Records are kept at least three years (never purged here).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

CHANNELS = ("email", "line")


def normalise_email(address: str) -> str:
    return address.strip().lower()


def import_consent(ws: Any, now: dt.datetime) -> dict[str, int]:
    """Sync consent records from the customers table (set-based reads, bulk writes)."""
    from django.db import transaction

    from horetsu.mail.models import Consent

    cust = ws.read_arrow("customers").select(["customer_id", "email_norm", "accepts_email"])
    cust = cust.filter(pc.and_(pc.is_valid(cust.column("email_norm")), pc.is_valid(cust.column("accepts_email"))))
    emails = pc.utf8_lower(pc.utf8_trim_whitespace(cust.column("email_norm")))
    yes = cust.column("accepts_email")
    granted = pa.table({"address": emails, "customer_id": cust.column("customer_id")}).filter(yes)
    refused = set(emails.filter(pc.invert(yes)).to_pylist()) - set(granted.column("address").to_pylist())
    source = (ws.read_meta("import_log.json") or {}) if hasattr(ws, "read_meta") else {}
    src = f"customers table import ({source.get('at', '')})" if isinstance(source, dict) and source.get("at") else "customers table import"
    with transaction.atomic():
        known = set(Consent.objects.filter(channel="email").values_list("address", flat=True))
        new = [Consent(channel="email", address=a, customer_id=c, granted_at=now, method="import:accepts_email",
                       source=src, created_at=now)
               for a, c in zip(granted.column("address").to_pylist(), granted.column("customer_id").to_pylist())
               if a not in known]
        Consent.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
        withdrawn = Consent.objects.filter(channel="email", address__in=list(refused), withdrawn_at__isnull=True)\
            .update(withdrawn_at=now)
        renewed = Consent.objects.filter(channel="email", withdrawn_at__isnull=False,
                                         address__in=granted.column("address").to_pylist()).update(withdrawn_at=None, granted_at=now)
    return {"granted": len(new), "withdrawn": withdrawn, "renewed": renewed}


def suppress(ws: Any, address: str, *, channel: str = "email", reason: str = "manual", source: str = "",
             now: dt.datetime | None = None) -> bool:
    """Suppress ``address`` (no further promotional mail); True when it was not yet suppressed."""
    from horetsu.mail.clock import parse_now
    from horetsu.mail.db import open_db

    open_db(ws)
    from horetsu.mail.models import Suppression

    now = now or parse_now(None)
    addr = normalise_email(address) if channel == "email" else address.strip()
    _, created = Suppression.objects.get_or_create(channel=channel, address=addr,
                                                   defaults={"reason": reason, "source": source, "created_at": now})
    return created


def reachable(channel: str, addresses: list[str]) -> tuple[set[str], set[str]]:
    """(addresses with a live consent, addresses suppressed) among ``addresses``."""
    from horetsu.mail.models import Consent, Suppression

    if not addresses:
        return set(), set()
    consented = set(Consent.objects.filter(channel=channel, address__in=addresses, withdrawn_at__isnull=True)
                    .values_list("address", flat=True))
    suppressed = set(Suppression.objects.filter(channel=channel, address__in=addresses).values_list("address", flat=True))
    return consented, suppressed


def import_line_links(ws: Any, now: dt.datetime) -> dict[str, int]:
    """Sync ``LineLink`` rows from the customers' ``line_user_id`` (the export of the shop's account link).

    A LINE user id exists only for a person who added the shop's account as a friend and
    whose account was linked to the customer, so the link is the consent of the ``line``
    channel; a blocked account or an unsubscribe is a ``Suppression`` on that channel.
    """
    from django.db import transaction

    from horetsu.mail.models import LineLink

    cust = ws.read_arrow("customers")
    if "line_user_id" not in cust.column_names:
        return {"linked": 0, "changed": 0}
    cust = cust.select(["customer_id", "line_user_id"])
    ids = pc.utf8_trim_whitespace(cust.column("line_user_id"))
    keep = pc.and_(pc.is_valid(ids), pc.not_equal(pc.fill_null(ids, ""), ""))
    links = dict(zip(cust.column("customer_id").filter(keep).to_pylist(), ids.filter(keep).to_pylist()))
    with transaction.atomic():
        known = dict(LineLink.objects.values_list("customer_id", "line_user_id"))
        new = [LineLink(customer_id=c, line_user_id=u, linked_at=now, source="import:line_user_id")
               for c, u in links.items() if c not in known]
        LineLink.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
        changed = [c for c, u in links.items() if c in known and known[c] != u]
        for c in changed:  # rare: a customer re-linked another LINE account
            LineLink.objects.filter(customer_id=c).update(line_user_id=links[c], linked_at=now)
    return {"linked": len(new), "changed": len(changed)}
