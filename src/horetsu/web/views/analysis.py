"""Analysis: run ``analyze`` (and the report) in the background, job progress, the HTML report."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from horetsu.web import jobs
from horetsu.web.core.access import audit, needs
from horetsu.web.core.middleware import CSP
from horetsu.web.core.models import Job
from horetsu.web.i18n import text
from horetsu.web.views.common import page, results, workspace


def _report_path(lang: str) -> Path:
    from horetsu.report.build import default_path

    return default_path(workspace(), lang)


@require_GET
@needs("aggregate")
def analysis_page(request: Any) -> Any:
    res = results()
    meta = res.meta() if res.available() else {}
    last = Job.objects.filter(kind="analyze").order_by("-pk").first()
    return page(request, "horetsu/analysis.html", {
        "meta": meta, "last_job": last, "report": _report_path(request.lang).exists(),
    })


@require_POST
@needs("operate")
def analysis_run(request: Any) -> Any:
    def work(job: Job, progress: Any) -> dict[str, Any]:
        from horetsu.pipeline import analyze
        from horetsu.report import build_report

        ws = workspace()
        progress.span = (0.0, 0.6)
        result = analyze(ws, progress=progress)
        for i, lang in enumerate(("ja", "en")):
            progress.span = (0.6 + 0.2 * i, 0.8 + 0.2 * i)
            progress.total, progress.done = 1.0, 0.0
            build_report(ws, lang=lang, progress=progress)
        return {"as_of": result.as_of.isoformat()}

    job = jobs.start("analyze", request.user.get_username(), {}, work)
    if job is None:
        return page(request, "horetsu/analysis.html", {"error": text(request.lang, "job.busy"), "meta": {}},
                    status=409)
    audit(request, "analyze", "")
    return HttpResponseRedirect(f"/jobs/{job.pk}")


@require_GET
@needs("aggregate")
def job_status(request: Any, pk: int) -> Any:
    job = get_object_or_404(Job, pk=pk, kind__in=("import", "analyze"))
    from horetsu.web.core.access import allowed

    if job.kind == "import" and not allowed(request.user, "operate"):
        raise Http404
    ctx = {"job": job, "percent": round(job.progress * 100), "running": job.state in ("queued", "running"),
           "message": job.message_ja if request.lang == "ja" else job.message}
    if request.htmx:
        return page(request, "horetsu/_job.html", ctx)
    return page(request, "horetsu/job.html", ctx)


_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


def report_csp(html: bytes) -> str:
    """The app's CSP with the report's own inline scripts allowed by their SHA-256 hashes only."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in _SCRIPT.finditer(html))
    return CSP.replace("script-src 'self'", f"script-src 'self' {hashes}")


@require_GET
@needs("aggregate")
def report_view(request: Any) -> Any:
    lang = request.GET.get("lang", request.lang)
    path = _report_path(lang if lang in ("ja", "en") else "ja")
    if not path.exists():
        raise Http404
    body = path.read_bytes()
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = report_csp(body)
    return response


@require_GET
@needs("aggregate")
def report_download(request: Any) -> Any:
    lang = request.GET.get("lang", request.lang)
    lang = lang if lang in ("ja", "en") else "ja"
    path = _report_path(lang)
    if not path.exists():
        raise Http404
    audit(request, "download", f"report lang={lang}")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"horetsu-report-{lang}.html",
                        content_type="text/html; charset=utf-8")
