"""The layers import only downwards (issue 9, item 2), read statically from the source.

core, analytics, models and stages sit below the playbook and every room that uses them;
none of them may import the playbook, the pipeline, the web app, mail, NPS, the diagnosis,
the report or the CLI: not at module level, not inside a function, not under
TYPE_CHECKING, and not by a module name handed to importlib.  The stage engine in
particular knows no tactic: the tactic, timing, cap and thanks rules live in
``horetsu.playbook.policy``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "horetsu"
LOWER = ("core", "analytics", "models", "stages")
UPPER = ("playbook", "pipeline", "web", "mail", "nps", "diagnosis", "report", "cli")


def _module_name(path: Path, root: Path) -> list[str]:
    parts = ["horetsu", *path.relative_to(root).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_modules(path: Path, root: Path = SRC) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, and every string
    constant that names a horetsu module (importlib.import_module, __import__, lazy maps)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, root)
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("horetsu."):
            found.append((node.lineno, node.value.split()[0].rstrip(",:")))
    return found


def upward_imports(layer: str, root: Path = SRC) -> list[str]:
    bad = []
    for path in sorted((root / layer).rglob("*.py")):
        for line, module in imported_modules(path, root):
            parts = module.split(".")
            if len(parts) > 1 and parts[0] == "horetsu" and parts[1] in UPPER:
                bad.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("layer", LOWER)
def test_lower_layers_import_nothing_above_them(layer):
    assert (SRC / layer).is_dir()
    assert upward_imports(layer) == []


def test_the_check_sees_every_kind_of_import(tmp_path):
    # the check itself must catch what it is meant to catch (a check that never fires proves nothing)
    fake = tmp_path / "horetsu"
    (fake / "stages").mkdir(parents=True)
    (fake / "stages" / "__init__.py").write_text("")
    (fake / "stages" / "a.py").write_text(
        "import horetsu.web.app\n"
        "from horetsu.playbook.policy import Policy\n"
        "from ..report import build\n"
        "from horetsu import pipeline\n"
        "def f():\n"
        "    import importlib\n"
        "    return importlib.import_module('horetsu.mail.worker')\n"
        "from horetsu.core import labels\n"
        "from . import facts\n"
    )
    found = upward_imports("stages", fake)
    assert sorted(f.rsplit(" imports ", 1)[1] for f in found) == [
        "horetsu.mail.worker", "horetsu.pipeline", "horetsu.playbook.policy", "horetsu.playbook.policy.Policy",
        "horetsu.report", "horetsu.report.build", "horetsu.web.app",
    ]


def test_stage_rules_name_no_tactic():
    # the stage models declare no tactic, trait, timing, cap or thanks field; the playbook's
    # policy adds them to the same file's tables
    from horetsu.playbook.policy import Policy
    from horetsu.stages.policy import STAGES, StagePolicy, build_stage_policy

    playbook_only = {"traits", "tactics", "timing", "caps", "thanks"}
    assert not playbook_only & set(StagePolicy.model_fields)
    assert playbook_only <= set(Policy.model_fields)
    stages = build_stage_policy()
    for name in STAGES:
        assert not {"forbid", "recommend", "recommend_cooling"} & set(type(stages.stage(name)).model_fields)
    assert issubclass(Policy, StagePolicy)
