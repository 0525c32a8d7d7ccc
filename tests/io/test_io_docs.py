"""docs/import.md documents every preset and every generic column (docs cannot drift)."""

from __future__ import annotations

from pathlib import Path

from horetsu.io.presets import BUILTIN
from horetsu.io.presets.generic import ALIASES, REQUIRED

DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"


def test_every_preset_has_a_section_with_an_example():
    text = DOC.read_text(encoding="utf-8")
    for name in BUILTIN:
        assert f"### `{name}`" in text
        assert f"--preset {name}" in text
    assert "[import.mappings." in text


def test_every_generic_column_is_documented():
    import re

    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (\w+) \| `([^`]*)` \| `([^`]*)` \|$", line)
        if m:
            rows[m.group(1)] = ({c.strip() for c in m.group(2).split(",")}, {c.strip() for c in m.group(3).split(",")})
    assert set(rows) == set(REQUIRED)
    for table, (required, optional) in rows.items():
        assert required == set(REQUIRED[table]), table
        assert optional == set(ALIASES[table]) - set(REQUIRED[table]), table


README = DOC.parents[1] / "README.md"


def test_undo_commands_and_import_settings_are_documented():
    readme, doc = README.read_text(encoding="utf-8"), DOC.read_text(encoding="utf-8")
    for text in (readme, doc):
        for phrase in ("horetsu import --undo", "horetsu history", "horetsu rollback GEN", "earliest_order_date",
                       "keep_generations", "--preset amazon"):  # fmt: skip
            assert phrase in text, phrase
    from horetsu.io.settings import ImportSettings

    for key in ImportSettings.model_fields:
        assert key in doc, key
    for kind in ("date_in_future", "date_too_early", "negative_total", "unfinished_order"):
        assert kind in doc, kind
