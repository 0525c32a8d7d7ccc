"""Docs that cannot drift: every setting declared in the code is in docs/configuration.md
(with its real default), the file `horetsu init` writes points there, and every command is
in README's command table."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import typing
from pathlib import Path

from pydantic import BaseModel

from horetsu.analytics.settings import AnalysisSettings
from horetsu.config import MailSettings, ServerSettings, WorkspaceSettings
from horetsu.io.presets.mapping import Mapping
from horetsu.io.settings import ImportSettings
from horetsu.nps.settings import NpsSettings
from horetsu.playbook.policy import ObserverRules, Policy
from horetsu.stages.policy import StageBase, default_policy_path

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "configuration.md"

#: the sections of horetsu.toml and the models that declare them
SECTIONS: dict[str, type[BaseModel]] = {
    "workspace": WorkspaceSettings,
    "analysis": AnalysisSettings,
    "import": ImportSettings,
    "import.mappings.NAME": Mapping,
    "server": ServerSettings,
    "mail": MailSettings,
    "nps": NpsSettings,
    "policy": Policy,
}


def _model_of(annotation):
    """The model class of a field: ``M``, ``dict[str, M]`` (→ "NAME" tables), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    if origin is dict:
        _key, value = typing.get_args(annotation)
        if isinstance(value, type) and issubclass(value, BaseModel):
            return value, True
    return None, False


def declared(prefix: str, model: type[BaseModel], out: dict[str, dict[str, object]]) -> dict:
    """{section: {key: default}} for a model and its nested tables."""
    for name, field in model.model_fields.items():
        sub, keyed = _model_of(field.annotation)
        if sub is None:
            if issubclass(model, StageBase) and name in ObserverRules.model_fields:
                section = prefix.rsplit(".", 1)[0] + ".STAGE"  # keys every stage has
            else:
                section = prefix
            out.setdefault(section, {})[name] = field.get_default(call_default_factory=True)
        else:
            placeholder = {"traits": "NAME", "tactics": "NAME"}.get(name, "ID") if keyed else None
            declared(f"{prefix}.{name}" + (f".{placeholder}" if placeholder else ""), sub, out)
    return out


def documented() -> dict[str, dict[str, str]]:
    """{section: {key: default cell}} from the headings ``[section]`` and their tables."""
    out: dict[str, dict[str, str]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        head = re.match(r"^#+ `\[(.+)\]`", line)
        if head:
            section = head.group(1)
            out.setdefault(section, {})
            continue
        row = re.match(r"^\| `([a-z_0-9]+)` \| (.*?) \|", line)
        if row and section is not None:
            out[section][row.group(1)] = row.group(2)
    return out


def toml_text(value) -> str | None:
    """A default as TOML text, as the page writes it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()  # a TOML local date
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_text(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def test_every_declared_setting_is_documented_with_its_default():
    decl: dict[str, dict[str, object]] = {}
    for prefix, model in SECTIONS.items():
        declared(prefix, model, decl)
    docs = documented()
    with open(default_policy_path(), "rb") as fh:
        shipped = tomllib.load(fh)
    missing = [f"[{s}] {k}" for s, keys in decl.items() for k in keys if k not in docs.get(s, {})]
    assert missing == [], f"settings missing from docs/configuration.md: {missing}"
    extra = [f"[{s}] {k}" for s, keys in docs.items() for k in keys if k not in decl.get(s, {})]
    assert extra == [], f"docs/configuration.md documents settings the code does not declare: {extra}"
    checked = 0
    for section, keys in decl.items():
        for key, default in keys.items():
            cell = docs[section][key]
            if not re.fullmatch(r"`[^`]*`", cell):
                continue  # "per stage", "(detected)": no single default to compare
            if section.startswith("policy.") and "STAGE" not in section and not section.endswith((".NAME", ".ID")):
                node = shipped  # the shipped policy's value wins over the model's default
                for part in section.split(".")[1:]:
                    node = node.get(part, {})
                default = node.get(key, default)
            assert cell == f"`{toml_text(default)}`", (section, key, cell, default)
            checked += 1
    assert checked >= 40


def test_every_section_the_code_reads_has_a_heading():
    """A new ``ws.section("x", Model)`` or ``config.get("x")`` must come with documentation."""
    read: set[str] = set()
    for path in (ROOT / "src" / "horetsu").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"\.section\(\s*f?\"([a-z_.]+)", text))
        read |= set(re.findall(r"config\.get\(\"([a-z_]+)\"\)", text))
    read.discard("import.mappings.")
    headings = set(documented())
    assert read, "the scan found no settings at all"
    for key in read:
        assert any(h == key or h.startswith(key + ".") for h in headings), key


def test_the_file_init_writes_points_to_the_configuration_doc(tmp_path):
    from horetsu.cli.app import main

    assert main(["init", "-w", str(tmp_path / "ws")]) == 0
    text = (tmp_path / "ws" / "horetsu.toml").read_text(encoding="utf-8")
    for ref in re.findall(r"docs/[a-z_]+\.md", text):
        assert (ROOT / ref).exists(), ref
    assert "docs/configuration.md" in text


def test_every_command_is_in_the_readme_command_table():
    from horetsu.cli.app import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Commands"):]
    table = table[: table.index("\n## ", 5)]
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert "todo" in names
    for name in names:
        assert f"`horetsu {name}" in table, name

