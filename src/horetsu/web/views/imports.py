"""Import: upload an export, see what was detected, import it in the background, the quarantine."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from horetsu.errors import HoretsuError
from horetsu.web import jobs
from horetsu.web.core.access import audit, needs
from horetsu.web.core.models import Job
from horetsu.web.i18n import text
from horetsu.web.views.common import error_text, page, workspace

AUTO_ORDER = ("shopify", "rakuten", "eccube", "cdnow", "generic")
UPLOADS = "uploads"


def _upload_dir() -> Path:
    d = Path(settings.HORETSU_WORKSPACE) / UPLOADS
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def presets() -> list[str]:
    from horetsu.io.presets import BUILTIN
    from horetsu.io.presets.registry import user_mappings

    return [*BUILTIN, *user_mappings(workspace())]


def detect(path: Path, preset: str) -> dict[str, Any]:
    """Read and parse the file with ``preset`` ('auto': the first built-in that accepts the most rows)."""
    from horetsu.io.presets.registry import get_preset

    ws = workspace()
    tried = AUTO_ORDER if preset == "auto" else (preset,)
    best: dict[str, Any] | None = None
    last_error: HoretsuError | None = None
    for name in tried:
        p = get_preset(name, ws)
        try:
            source = p.read(path)
            parsed = p.parse(source, None)
        except HoretsuError as exc:
            last_error = exc
            continue
        rejected = int(parsed.rejects.mask.sum()) + len(source.invalid)
        found = {"preset": name, "table": parsed.entity, "encoding": source.encoding,
                 "format": source.format, "delimiter": source.detected()["delimiter"],
                 "columns": list(source.headers), "rows": source.read, "rejected": rejected}
        if best is None or rejected < best["rejected"]:
            best = found
        if rejected == 0:
            break
    if best is None:
        assert last_error is not None
        raise last_error
    return best


@require_http_methods(["GET", "POST"])
@needs("operate")
def import_page(request: Any) -> Any:
    lang = request.lang
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        preset = str(request.POST.get("preset", "auto"))
        if upload is None:
            error = text(lang, "import.no_file")
        elif preset != "auto" and preset not in presets():
            error = text(lang, "error.400")
        else:
            suffix = Path(upload.name or "upload.csv").suffix.lower()[:10] or ".csv"
            dest = _upload_dir() / f"{uuid.uuid4().hex}{suffix}"
            with open(dest, "wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            try:
                found = detect(dest, preset)
            except HoretsuError as exc:
                dest.unlink(missing_ok=True)
                error = error_text(request, exc).replace(str(dest), upload.name or "")
            else:
                job = Job.objects.create(kind="import_preview", state="preview", created_by=request.user.get_username(),
                                         params={"file": dest.name, "name": (upload.name or "")[:200], **found})
                return HttpResponseRedirect(f"/import/{job.pk}")
    return page(request, "horetsu/import.html", {"presets": presets(), "error": error, "quarantine": _quarantine_files()},
                status=400 if error else 200)


@require_GET
@needs("operate")
def import_preview(request: Any, pk: int) -> Any:
    job = get_object_or_404(Job, pk=pk, kind__in=("import_preview", "import"))
    return page(request, "horetsu/import_preview.html", {"job": job, "p": job.params})


@require_POST
@needs("operate")
def import_run(request: Any, pk: int) -> Any:
    preview = get_object_or_404(Job, pk=pk, kind="import_preview")
    path = _upload_dir() / Path(preview.params["file"]).name
    if not path.exists():
        raise Http404
    preset = preview.params["preset"]

    def work(job: Job, progress: Any) -> dict[str, Any]:
        from horetsu.io import import_files

        try:
            result = import_files(workspace(), [path], preset, progress=progress)
        finally:
            path.unlink(missing_ok=True)
        return {"read": result.read, "accepted": result.accepted, "quarantined": result.quarantined,
                "duplicates": result.duplicates}

    job = jobs.start("import", request.user.get_username(), {"preset": preset, "name": preview.params.get("name")},
                     work)
    if job is None:
        return page(request, "horetsu/import_preview.html",
                    {"job": preview, "p": preview.params, "error": text(request.lang, "job.busy")}, status=409)
    audit(request, "import", f"preset={preset} table={preview.params.get('table')} rows={preview.params.get('rows')}")
    preview.delete()
    return HttpResponseRedirect(f"/jobs/{job.pk}")


def _quarantine_files() -> list[Path]:
    qdir = Path(settings.HORETSU_WORKSPACE) / "quarantine"
    return sorted(qdir.glob("*.csv"), key=lambda p: p.stat().st_mtime, reverse=True) if qdir.exists() else []


@require_GET
@needs("personal")
def quarantine_download(request: Any) -> Any:
    """Every quarantined row with its reason, in one CSV (rows may hold personal data: audited)."""
    import csv
    import io

    from horetsu.web.downloads import neutralise

    out = io.StringIO()
    writer = csv.writer(out)
    header_done = False
    n = 0
    for path in _quarantine_files():
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            head = next(reader, None)
            if head is None:
                continue
            if not header_done:
                writer.writerow(["quarantine_file", *head])
                header_done = True
            for row in reader:
                writer.writerow([path.name, *[neutralise(c) for c in row]])
                n += 1
    audit(request, "download", f"quarantine rows={n}")
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quarantine.csv"'
    return response


def remove_uploads(workspace_path: Path) -> None:
    shutil.rmtree(Path(workspace_path) / UPLOADS, ignore_errors=True)
