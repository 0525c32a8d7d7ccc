"""``[nps]`` in horetsu.toml: survey link lifetime and the timing of follow-ups."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from horetsu.config import MailSettings, StrictModel


class NpsSettings(StrictModel):
    token_days: int = Field(30, ge=1, le=366)  # a survey link expires this many days after the wave
    detractor_reply_hours: int = Field(48, ge=1, le=24 * 14)  # reply personally to a detractor within this time
    detractor_window_days: int = Field(14, ge=1)  # detractors answering longer ago than this leave the list
    cooling_off_days: int = Field(14, ge=0)  # after thanking a promoter, wait this long before any request


def nps_settings(ws: Any) -> NpsSettings:
    return ws.section("nps", NpsSettings) if ws is not None else NpsSettings()


def mail_settings(ws: Any) -> MailSettings:
    return ws.section("mail", MailSettings) if ws is not None else MailSettings()
