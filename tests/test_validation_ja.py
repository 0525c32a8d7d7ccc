"""Errors in horetsu.toml are wholly Japanese in Japanese (issue 14, item 6): no pydantic English."""

from __future__ import annotations

import re

import pytest

import horetsu
from horetsu.core.settings import load
from horetsu.errors import HoretsuError
from horetsu.playbook.policy import build_policy

ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def _words_outside_file_and_key(message: str) -> list[str]:
    text = re.sub(r"^\S*horetsu\.toml: ", "", message)  # the file
    text = re.sub(r"\[?[a-z_.0-9]+\]?", "", text)  # the key (policy.temperature.cooling_ratio, [analysis.x])
    return ENGLISH_WORD.findall(text)


def test_a_policy_value_out_of_range_is_explained_in_japanese():
    with pytest.raises(HoretsuError) as err:
        build_policy({"temperature": {"cooling_ratio": -1}})
    ja = err.value.message("ja")
    assert "0.0より大きい値" in ja and _words_outside_file_and_key(ja) == []
    assert "greater than 0" in err.value.message("en")


def test_a_setting_of_the_wrong_type_is_explained_in_japanese(tmp_path):
    ws = horetsu.init_workspace(tmp_path / "w")
    ws.config_path.write_text('[analysis]\nlapse_days = "x"\n', encoding="utf-8")
    with pytest.raises(HoretsuError) as err:
        load(horetsu.open_workspace(ws.path))
    ja = err.value.message("ja")
    assert ja.endswith("[analysis.lapse_days] 整数で指定してください") and _words_outside_file_and_key(ja) == []
