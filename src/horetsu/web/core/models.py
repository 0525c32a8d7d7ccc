"""Operational tables of the web app (migrations in ``migrations/``, made by makemigrations)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

ROLES = ("owner", "marketer", "analyst", "viewer")


class Role(models.Model):
    """The one role of a user: owner, marketer, analyst or viewer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="horetsu_role")
    role = models.CharField(max_length=16, choices=[(r, r) for r in ROLES])

    def __str__(self) -> str:
        return self.role


class AuditEntry(models.Model):
    """Who did what, when: logins, failed logins, downloads of personal data, overrides, sends."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    who = models.CharField(max_length=254, blank=True)  # the account's e-mail ('' = anonymous)
    action = models.CharField(max_length=32, db_index=True)
    detail = models.TextField(blank=True)
    address = models.CharField(max_length=64, blank=True)  # the client address

    class Meta:
        ordering = ["-at", "-id"]


class LoginFailure(models.Model):
    """One failed login: the throttle counts these per account and per client address."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    email = models.CharField(max_length=254, db_index=True)
    address = models.CharField(max_length=64, db_index=True)


class Job(models.Model):
    """A background job (import, analysis) with its progress."""

    kind = models.CharField(max_length=32)
    state = models.CharField(max_length=16, default="queued")  # queued | running | done | failed
    progress = models.FloatField(default=0.0)  # 0..1
    message = models.TextField(blank=True)  # the error (one line) or the outcome
    message_ja = models.TextField(blank=True)
    params = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    created_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class CampaignCheck(models.Model):
    """One run of the campaign checker: the tactic, the audience and the send date."""

    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    tactic = models.CharField(max_length=64)
    send_date = models.DateField()
    filters = models.JSONField(default=dict)  # the customers-list filters of the audience
    ids = models.JSONField(default=list)  # or the uploaded customer ids
    source = models.CharField(max_length=16, default="filter")  # filter | upload
    override_reason = models.TextField(blank=True)
    override_by = models.CharField(max_length=254, blank=True)
