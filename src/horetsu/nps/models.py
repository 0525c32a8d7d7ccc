"""The survey store: answers given on the web app's survey page (Django model in the ops DB).

One row per survey token (``token_id`` is unique, so two submissions of one link store one
answer whatever the timing).  Each row is also written to the workspace's events as an
``nps_response`` event (``recorded`` turns true then); :func:`horetsu.nps.answers.load_answers`
reads both and keeps one answer per token.
"""

from __future__ import annotations

from django.db import models


class SurveyAnswer(models.Model):
    token_id = models.CharField(max_length=64, unique=True)
    customer_id = models.CharField(max_length=200)
    wave_id = models.CharField(max_length=100)
    score = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True, default="")
    improve = models.TextField(blank=True, default="")
    lang = models.CharField(max_length=2, default="ja")
    answered_at = models.DateTimeField()
    recorded = models.BooleanField(default=False, db_index=True)  # written to the events table
