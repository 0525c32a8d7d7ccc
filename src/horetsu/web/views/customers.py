"""Personal-data pages (owner, marketer, analyst): the customers list and one customer."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_GET

from horetsu.web.core.access import needs
from horetsu.web.i18n import name, names
from horetsu.web.customer_index import PAGE_SIZE, SORT_COLUMNS
from horetsu.web.results import Filters
from horetsu.web.views.common import page, results, workspace


@lru_cache(maxsize=4)
def _catalogue_names(path: str, mtime: float) -> dict[str, tuple[str, str]]:
    from horetsu.playbook.catalogue import catalogue
    from horetsu.workspace import open_workspace

    cat = catalogue(open_workspace(path)).to_pylist()
    names_ = {row["tactic"]: (row["name_ja"], row["name_en"]) for row in cat}
    names_["wait"] = ("今はそっとしておく", "Leave alone for now")
    return names_


def tactic_names(lang: str) -> dict[str, str]:
    """tactic id → display name in ``lang`` (the catalogue's own names)."""
    from pathlib import Path

    toml = Path(settings.HORETSU_WORKSPACE) / "horetsu.toml"
    mtime = toml.stat().st_mtime if toml.exists() else 0.0
    i = 0 if lang == "ja" else 1
    return {k: v[i] for k, v in _catalogue_names(str(settings.HORETSU_WORKSPACE), mtime).items()}


def filter_choices(lang: str, selected: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The list's select filters; each option is (value, name, whether it is selected)."""
    chosen = selected or {}
    groups = (("stage", "common.stage", "stage"), ("temperature", "common.temperature", "temperature"),
              ("journey_step", "common.journey", "journey_step"), ("cpm", "common.cpm", "cpm_segment"),
              ("rfm", "common.rfm", "rfm_segment"))
    return [{"key": key, "label": label,
             "options": [(k, n, chosen.get(key) == k) for k, n in names(lang, group)]}
            for key, label, group in groups]


def _int(value: Any, default: int) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return default


@require_GET
@needs("personal")
def customer_list(request: Any) -> Any:
    lang = request.lang
    res = results()
    if not res.available():
        return page(request, "horetsu/customers.html", {"empty": True})
    f = Filters.from_query(request.GET)
    sort = request.GET.get("sort", "customer_id")
    sort = sort if sort in SORT_COLUMNS else "customer_id"
    desc = request.GET.get("dir") == "desc"
    page_no = _int(request.GET.get("page"), 1)
    rows, total = res.customers_page(f, sort, desc, page_no)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    tnames = tactic_names(lang)
    for r in rows:  # name and e-mail come with the page
        r["name"] = r.get("name") or ""
        r["email"] = r.get("email") or ""
        r["stage_name"] = name(lang, "stage", r["stage"])
        r["temperature_name"] = name(lang, "temperature", r["temperature"])
        r["journey_name"] = name(lang, "journey_step", r["journey_step"])
        r["next_action_name"] = tnames.get(r["next_action"] or "", r["next_action"] or "–")
        r["url"] = "/customers/" + str(r["customer_id"])
    base = {**f.as_query(), "sort": sort, "dir": "desc" if desc else "asc"}
    ctx = {
        "rows": rows, "total": f"{total:,}", "total_n": total, "page_no": page_no, "pages": pages,
        "prev_url": "?" + urlencode({**base, "page": page_no - 1}) if page_no > 1 else "",
        "next_url": "?" + urlencode({**base, "page": page_no + 1}) if page_no < pages else "",
        "filters": f, "selected": f.as_query(), "choices": filter_choices(lang, f.as_query()), "sort": sort, "desc": desc,
        "sort_options": [(c, f"col.{c}") for c in SORT_COLUMNS],
        "categories": res.first_categories(),
        "check_url": "/campaign?" + urlencode(f.as_query()),
    }
    if request.htmx and request.htmx.target == "list":
        return page(request, "horetsu/_customer_rows.html", ctx)
    return page(request, "horetsu/customers.html", ctx)


@require_GET
@needs("personal")
def customer_detail(request: Any, customer_id: str) -> Any:
    from horetsu.web.timeline import customer_profile, customer_timeline

    lang = request.lang
    res = results()
    row = res.customer(customer_id) if res.available() else None
    profile = customer_profile(settings.HORETSU_WORKSPACE, customer_id)
    if row is None and profile is None:
        raise Http404
    row = row or {}
    tnames = tactic_names(lang)
    items = customer_timeline(settings.HORETSU_WORKSPACE, customer_id)
    return page(request, "horetsu/customer.html", {
        "cid": customer_id, "row": row, "profile": profile or {},
        "stage_name": name(lang, "stage", row.get("stage")),
        "temperature_name": name(lang, "temperature", row.get("temperature")),
        "journey_name": name(lang, "journey_step", row.get("journey_step")),
        "evidence": row.get("stage_evidence_ja" if lang == "ja" else "stage_evidence") or "",
        "next_action_name": tnames.get(row.get("next_action") or "", row.get("next_action") or "–"),
        "next_reason": row.get("next_action_reason_ja" if lang == "ja" else "next_action_reason") or "",
        "items": items,
        "tactics_url": f"/customers/{customer_id}/tactics",
    })


@require_GET
@needs("personal")
def customer_tactics(request: Any, customer_id: str) -> Any:
    """The htmx partial: every tactic of the catalogue, allowed or blocked on the as-of day."""
    from horetsu.web.tactics import tactics_for

    lang = request.lang
    day, rows = tactics_for(workspace(), customer_id)
    if not rows:
        raise Http404
    tnames = tactic_names(lang)
    for r in rows:
        r["name"] = tnames.get(r["tactic"], r["tactic"])
        r["why"] = r["reason_ja"] if lang == "ja" else r["reason"]
    from horetsu.web.i18n import text

    return page(request, "horetsu/_customer_tactics.html",
                {"tactics": rows, "heading": text(lang, "customer.tactics", day=day.isoformat())})
