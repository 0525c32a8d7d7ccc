"""The campaign checker: a tactic, an audience and a send date through the library's gate."""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from django import forms
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from horetsu.errors import HoretsuError
from horetsu.web.core.access import audit, needs
from horetsu.web.core.models import CampaignCheck
from horetsu.web.downloads import csv_download
from horetsu.web.i18n import text
from horetsu.web.results import Filters
from horetsu.web.views.common import error_text, page, results, workspace
from horetsu.web.views.customers import filter_choices, tactic_names

FORMATS = ("csv", "shopify", "klaviyo", "line")
LISTS = ("allowed", "blocked")


def run_gate(ws: Any, tactic: str, ids: list[str] | None, day: dt.date, override: str | None = None,
             who: str | None = None) -> Any:
    """``horetsu.gate`` (the public API: stored results, refreshed when stale; overrides logged)."""
    import horetsu

    return horetsu.gate(ws, tactic, audience=ids, as_of=day, override=override, who=who)


_results: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()


def _gate_for(check: CampaignCheck, *, override: bool = False, who: str | None = None) -> Any:
    """The gate's answer for a saved check (kept for a few checks so downloads need no second run)."""
    res = results()
    import os

    try:
        tables = os.readlink(res.workspace / "tables")
    except OSError:
        tables = ""
    key = (check.pk, bool(override and check.override_reason), res.generation(), tables)
    with _lock:
        if key in _results:
            _results.move_to_end(key)
            return _results[key]
    ids = check.ids if check.source == "upload" else (
        None if Filters.from_query(check.filters).empty() else res.customer_ids(Filters.from_query(check.filters)))
    reason = check.override_reason if override and check.override_reason else None
    out = run_gate(workspace(), check.tactic, ids, check.send_date, override=reason, who=who)
    with _lock:
        _results[key] = out
        while len(_results) > 8:
            _results.popitem(last=False)
    return out


class CheckForm(forms.Form):
    tactic = forms.CharField(max_length=64)
    send_date = forms.DateField(required=False)
    audience = forms.ChoiceField(choices=[("filter", "filter"), ("upload", "upload")], required=False)
    file = forms.FileField(required=False)


@require_http_methods(["GET", "POST"])
@needs("personal")
def campaign(request: Any) -> Any:
    lang = request.lang
    res = results()
    tnames = tactic_names(lang)
    error = ""
    selected = Filters.from_query(request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        form = CheckForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                check = _create(request, data, selected, res)
            except HoretsuError as exc:
                error = error_text(request, exc)
            else:
                if check is not None:
                    return HttpResponseRedirect(f"/campaign/{check.pk}")
                error = text(lang, "campaign.no_csv")
        else:
            error = text(lang, "error.400")
    as_of = res.as_of() if res.available() else None
    return page(request, "horetsu/campaign.html", {
        "tactics": sorted(((k, v) for k, v in tnames.items() if k != "wait"), key=lambda kv: kv[1]),
        "chosen": request.GET.get("tactic", ""), "send_date": as_of.isoformat() if as_of else "",
        "choices": filter_choices(lang, selected.as_query()), "selected": selected.as_query(), "error": error,
        "categories": res.first_categories() if res.available() else [],
    }, status=400 if error else 200)


def _create(request: Any, data: dict[str, Any], selected: Filters, res: Any) -> CampaignCheck | None:
    from horetsu.playbook.gate import read_audience
    from horetsu.playbook.rules import get_tactic
    from horetsu.playbook.policy import load_policy

    ws = workspace()
    get_tactic(load_policy(ws), data["tactic"])  # an unknown tactic is the library's error
    day = data.get("send_date") or res.as_of() or dt.date.today()
    ids: list[str] = []
    source = "filter"
    if data.get("audience") == "upload":
        upload = data.get("file")
        if upload is None:
            return None
        with tempfile.TemporaryDirectory(prefix="horetsu-audience-") as tmp:
            path = Path(tmp) / "audience.csv"
            with open(path, "wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            ids = read_audience(path)
        source = "upload"
    check = CampaignCheck.objects.create(created_by=request.user.get_username(), tactic=data["tactic"],
                                         send_date=day, filters=selected.as_query(), ids=ids, source=source)
    try:
        _gate_for(check)
    except HoretsuError:
        check.delete()
        raise
    return check


@require_GET
@needs("personal")
def campaign_result(request: Any, pk: int) -> Any:
    lang = request.lang
    check = get_object_or_404(CampaignCheck, pk=pk)
    try:
        result = _gate_for(check)
    except HoretsuError as exc:
        return page(request, "horetsu/campaign_result.html", {"check": check, "error": error_text(request, exc)},
                    status=400)
    blocked = result.blocked.to_pandas()
    groups = []
    if len(blocked):
        reason_col = "reason_ja" if lang == "ja" else "reason"
        for rule, sub in blocked.groupby("rule", sort=False):
            groups.append({"rule": rule, "n": f"{len(sub):,}",
                           "samples": list(dict.fromkeys(sub[reason_col].astype(str)))[:3]})
        groups.sort(key=lambda g: -int(g["n"].replace(",", "")))
    tnames = tactic_names(lang)
    return page(request, "horetsu/campaign_result.html", {
        "check": check, "tactic_name": tnames.get(check.tactic, check.tactic),
        "n_allowed": f"{result.n_allowed:,}", "n_blocked": f"{result.n_blocked:,}", "groups": groups,
        "formats": FORMATS, "filters": check.filters,
    })


@require_GET
@needs("personal")
def campaign_download(request: Any, pk: int) -> Any:
    check = get_object_or_404(CampaignCheck, pk=pk)
    which = request.GET.get("list", "allowed")
    fmt = request.GET.get("format", "csv")
    if which not in LISTS or fmt not in FORMATS or (which == "blocked" and fmt != "csv"):
        raise Http404
    who = request.user.get_username()
    try:
        result = _gate_for(check, override=True, who=who)
    except HoretsuError as exc:
        return HttpResponse(error_text(request, exc), status=400, content_type="text/plain; charset=utf-8")
    name = f"{check.tactic}-{check.send_date.isoformat()}-{which}"
    with tempfile.TemporaryDirectory(prefix="horetsu-dl-") as tmp:
        if fmt == "csv":
            from horetsu.playbook.gate import write_gate_csv

            a, b = Path(tmp) / "allowed.csv", Path(tmp) / "blocked.csv"
            write_gate_csv(result, a, b, lang=request.lang)
            path = a if which == "allowed" else b
        else:
            from horetsu.playbook.exports import export_audience

            path = Path(tmp) / f"{name}.csv"
            export_audience(workspace(), result, fmt, path, tactic=check.tactic,
                            encoding="utf-8-sig" if fmt == "line" else "utf-8")
        response = csv_download(path, f"{name}-{fmt}.csv")
    rows = response["X-Rows"]
    audit(request, "download", f"campaign {check.pk} tactic={check.tactic} list={which} format={fmt} rows={rows}")
    return response


@require_POST
@needs("owner")
def campaign_override(request: Any, pk: int) -> Any:
    check = get_object_or_404(CampaignCheck, pk=pk)
    reason = str(request.POST.get("reason", "")).strip()[:2000]
    if not reason:
        return page(request, "horetsu/campaign_result.html",
                    {"check": check, "error": text(request.lang, "campaign.need_reason")}, status=400)
    check.override_reason = reason
    check.override_by = request.user.get_username()
    check.save(update_fields=["override_reason", "override_by"])
    result = _gate_for(check, override=True, who=check.override_by)
    audit(request, "override", f"campaign {check.pk} tactic={check.tactic} send_date={check.send_date} "
                               f"let_through={result.n_blocked} reason={reason}")
    return HttpResponseRedirect(f"/campaign/{check.pk}")
