"""The demo pipeline: sample shop -> workspace import -> analysis -> report.

Later parts of horetsu (analytics, report) are used when they are installed; the
demo says which steps it ran.  The workspace lives in ``OUT/workspace`` and is
rebuilt on every run (only if the demo created it: a marker file proves that).
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from horetsu.errors import WorkspaceError

MARKER = ".horetsu-demo"
SAMPLE_DIR = "sample"
WORKSPACE_DIR = "workspace"
REPORT_FILE = "report.html"

# bar(step, total) -> context manager yielding a progress object (update/advance) or None;
# step is one of "sample", "import", "analyze", "report".
BarFactory = Callable[[str, float | None], AbstractContextManager[Any]]


@dataclasses.dataclass
class DemoResult:
    out_dir: Path
    sample: Any  # horetsu.sample.SampleInfo
    workspace: Path
    imported: dict[str, Any]  # ImportResult.to_dict()
    table_rows: dict[str, int]  # rows per canonical table after the import
    analyzed: bool = False
    report: Path | None = None
    skipped: list[str] = dataclasses.field(default_factory=list)  # steps whose module is absent
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)


def fresh_workspace(path: Path) -> Any:
    """A new, empty workspace at ``path``; an older demo workspace there is replaced."""
    from horetsu.workspace import init_workspace

    if path.exists():
        if not (path / MARKER).exists():
            raise WorkspaceError(
                f"{path} exists and was not made by the demo; choose another --out",
                ja=f"{path} はデモが作ったものではないため上書きしません。別の --out を指定してください",
            )
        shutil.rmtree(path)
    ws = init_workspace(path)
    (path / MARKER).write_text("made by `horetsu demo`; safe to delete\n", encoding="utf-8")
    return ws


def run_demo(
    out_dir: Any = "horetsu-demo",
    customers: int = 20000,
    seed: int = 0,
    lang: str = "ja",
    bar: BarFactory | None = None,
) -> DemoResult:
    """Run the whole pipeline into ``out_dir`` and say what was done."""
    from horetsu.sample.build import generate

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bars: BarFactory = bar or (lambda label, total=None: nullcontext(None))
    seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def timed(name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        seconds[name] = round(time.perf_counter() - start, 2)

    with timed("sample"), bars("sample", 5) as p:
        info = generate(out / SAMPLE_DIR, customers=customers, seed=seed, fmt="generic", progress=p)

    from horetsu.io import import_files

    with timed("import"):
        ws = fresh_workspace(out / WORKSPACE_DIR)
        with bars("import", None) as p:
            result = import_files(ws, info.files, "generic", progress=p)
        ws.refresh()
        rows = {name: ws.read_arrow(name).num_rows for name in ("customers", "orders", "subscriptions", "events")}

    demo = DemoResult(out, info, ws.path, result.to_dict(), rows, seconds=seconds)
    from horetsu.pipeline import analyze
    from horetsu.report import build_report

    with timed("analyze"), bars("analyze", 1) as p:
        analyze(ws, progress=p)
    demo.analyzed = True
    with timed("report"), bars("report", None) as p:
        demo.report = Path(build_report(ws, lang=lang, out=out / REPORT_FILE, progress=p))
    return demo
