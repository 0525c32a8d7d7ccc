"""The outbox, consent records and suppressions (Django models in the operational database).

``Message`` is one step for one customer and occurrence; its unique key makes the enqueue
exactly-once and its ``message_id`` is fixed when it is enqueued, so a resend after a
crash carries the same Message-ID.  States::

    queued → claimed (lease) → sending (committed before DATA) → sent (after the 250)
    skipped (reason) · holdout · failed_temp (4xx, retried) · failed_perm (5xx)

``Consent`` and ``Suppression`` are never deleted by an import (records are kept at least
three years; see docs/mail.md).
"""

from __future__ import annotations

from django.db import models

STATES = ("queued", "claimed", "sending", "sent", "skipped", "holdout", "failed_temp", "failed_perm")


class Message(models.Model):
    customer_id = models.CharField(max_length=200)
    sequence = models.CharField(max_length=200)
    step = models.PositiveIntegerField()  # 1-based position in the sequence
    occurrence = models.CharField(max_length=40)  # the trigger's anchor day (ISO date)
    channel = models.CharField(max_length=10, default="email")
    tactic = models.CharField(max_length=100)
    template = models.CharField(max_length=200)
    address = models.CharField(max_length=320, blank=True, default="")  # e-mail or LINE user id
    lang = models.CharField(max_length=2, default="ja")
    message_id = models.CharField(max_length=250, unique=True)
    state = models.CharField(max_length=12, default="queued")
    reason = models.CharField(max_length=100, blank=True, default="")
    rule = models.CharField(max_length=200, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    stage_at_enqueue = models.CharField(max_length=30, blank=True, default="")
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    recorded = models.BooleanField(default=False)  # written to the events the gate's caps count
    tracked = models.BooleanField(default=False)  # sent with an open-tracking image ([mail] track_opens)
    opened_at = models.DateTimeField(null=True, blank=True)  # first load of that image (only the time is kept)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer_id", "sequence", "step", "occurrence"], name="mail_message_once"),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="mail_message_due"),
            models.Index(fields=["customer_id", "channel", "sent_at"], name="mail_message_cap"),
        ]


class Consent(models.Model):
    """Proof of consent to promotional messages (特定電子メール法 3条2項): who, when, how, source."""

    channel = models.CharField(max_length=10)  # email | line
    address = models.CharField(max_length=320)  # normalised e-mail or the linked LINE user id
    customer_id = models.CharField(max_length=200, blank=True, default="")
    granted_at = models.DateTimeField()
    method = models.CharField(max_length=100)  # e.g. "import:accepts_email", "line_account_link"
    source = models.CharField(max_length=300, blank=True, default="")  # file, form or screen shown
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="mail_consent_once")]


class Suppression(models.Model):
    """An address that receives no further promotional message (unsubscribe, 5xx, by hand)."""

    channel = models.CharField(max_length=10)
    address = models.CharField(max_length=320)
    reason = models.CharField(max_length=100)  # unsubscribe | one_click | bounce | manual | import
    source = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="mail_suppression_once")]


class LineLink(models.Model):
    """A customer's linked LINE user id (from the shop's account link or LINE Login)."""

    customer_id = models.CharField(max_length=200, unique=True)
    line_user_id = models.CharField(max_length=100)
    linked_at = models.DateTimeField()
    source = models.CharField(max_length=300, blank=True, default="")


class UnsubscribeKey(models.Model):
    """Opaque unsubscribe token → (channel, address); written when a link is first put in a mail."""

    token = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10)
    address = models.CharField(max_length=320)
    created_at = models.DateTimeField()
