"""Fixtures for the model tests: the CDNOW sample of Fader, Hardie & Lee (2005)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow"
CALIBRATION_END = "1997-09-30"  # end of week 39 from 1997-01-01
OBSERVATION_END = "1998-06-30"  # end of week 78


def read_cdnow_sample() -> pd.DataFrame:
    df = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "dollars"],
        dtype={"date": str, "customer": str},
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d").dt.date
    return df


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    return read_cdnow_sample()


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_transactions) -> pd.DataFrame:
    from horetsu.models import rfm_summary

    return rfm_summary(
        cdnow_transactions, "customer", "date", "dollars",
        calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END,
    )
