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
