"""The to-do list: per customer, the next action, why, and what not to do now.

The next action and its reason are read from the stored results
(``results/customers.parquet``, written by ``horetsu analyze``); "what not to do now" comes
from the public gate, run once per tactic of the catalogue (each run is vectorised over
every customer), never once per customer.  Rows are sorted by value: the expected spend of
the next 12 months (``clv_12m``), then the money spent so far, then the customer id.

``write_todo`` writes the table for a person to open: ``.xlsx`` (openpyxl) or ``.csv`` in
UTF-8 with a BOM, so that Excel shows Japanese text without garbling.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from horetsu.errors import ConfigError, WorkspaceError
from horetsu.i18n import Labels, label
from horetsu.playbook.policy import Policy, load_policy
from horetsu.stages.policy import STAGES, TEMPERATURE_LABELS

#: the columns of the list, in order: key → (Japanese header, English header)
COLUMNS: Labels = {
    "customer_id": ("顧客ID", "customer_id"),
    "name": ("氏名", "name"),
    "email": ("メールアドレス", "email"),
    "stage": ("ステージ", "stage"),
    "temperature": ("温度", "temperature"),
    "clv_12m": ("今後12か月の予測購入額(円)", "clv_12m_jpy"),
    "monetary": ("累計購入額(円)", "monetary_jpy"),
    "next_action": ("次の一手", "next_action"),
    "next_action_reason": ("次の一手の理由", "next_action_reason"),
    "not_now": ("今は控えること", "not_now"),
    "not_now_reason": ("控える理由(最初の施策)", "not_now_reason"),
}
WAIT_LABEL = ("様子を見る(今は何もしない)", "wait (leave them alone for now)")
FORMATS = (".xlsx", ".csv")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def results_as_of(ws: Any) -> dt.date:
    """The as-of day of the stored results (:mod:`horetsu.results`)."""
    from horetsu.results import load

    return load(ws, fresh=False).as_of


def _check_day(as_of: Any, day: dt.date) -> None:
    if as_of is None:
        return
    try:
        wanted = dt.date.fromisoformat(str(as_of))
    except ValueError:
        raise ConfigError(f"--date must be YYYY-MM-DD, not {as_of!r}",
                          ja=f"--date は YYYY-MM-DD の形で指定してください(「{as_of}」は使えません)") from None
    if wanted != day:
        raise WorkspaceError(
            f"the stored results are as of {day}; run `horetsu analyze --as-of {wanted}` first, or leave out --date",
            ja=f"保存済みの結果は {day} 時点です。先に `horetsu analyze --as-of {wanted}` を実行するか、--date を外してください",
        )


def _not_now(ws: Any, policy: Policy, ids: pd.Index, day: dt.date, lang: str,
             tactics: list[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """Per customer (aligned with ``ids``): the tactics the gate blocks on ``day`` (catalogue
    order, in ``lang``) and the reason for the first of them."""
    from horetsu import gate
    from horetsu.playbook.rules import resolve_tactic

    names = [resolve_tactic(policy, t) for t in tactics] if tactics else list(policy.tactics)
    sep = "、" if lang == "ja" else ", "
    listed = np.full(len(ids), "", dtype=object)
    first = np.full(len(ids), "", dtype=object)
    for name in names:  # a handful of tactics; each gate run is vectorised over customers
        blocked = gate(ws, name, as_of=day).blocked
        if blocked.num_rows == 0:
            continue
        pos = ids.get_indexer(pd.Index(blocked.column("customer_id").to_pylist()))
        reason = np.asarray(blocked.column("reason_ja" if lang == "ja" else "reason").to_pylist(), dtype=object)
        known = pos >= 0
        pos, reason = pos[known], reason[known]
        tac = policy.tactics[name]
        text = tac.ja if lang == "ja" else tac.en
        listed[pos] = np.where(listed[pos] == "", text, listed[pos] + sep + text)
        fresh = first[pos] == ""
        first[pos[fresh]] = reason[fresh]
    return listed, first


def todo_table(ws: Any, as_of: Any = None, *, lang: str = "en", tactics: list[str] | None = None) -> pd.DataFrame:
    """The to-do list as a DataFrame with headers in ``lang`` (see :data:`COLUMNS`).

    ``as_of`` must be the day of the stored results (None: that day); ``tactics`` limits
    "what not to do now" to some tactics (default: the whole catalogue).
    """
    policy = load_policy(ws)
    day = results_as_of(ws)
    _check_day(as_of, day)
    results = ws.read_result("customers")
    if "next_action" not in results.column_names:
        raise WorkspaceError(
            "the stored results have no stages or next actions; run `horetsu analyze` without --no-stages",
            ja="保存済みの結果に段階と次の一手がありません。`horetsu analyze` を --no-stages なしで実行してください",
        )
    wanted = ["customer_id", "stage", "temperature", "clv_12m", "monetary_total", "next_action",
              "next_action_reason", "next_action_reason_ja"]
    res = results.select([c for c in wanted if c in results.column_names]).to_pandas()
    res["customer_id"] = res["customer_id"].astype(str)
    res = res.drop_duplicates("customer_id").reset_index(drop=True)
    cust = ws.read_arrow("customers").select(["customer_id", "name", "email_norm"]).to_pandas()
    cust = cust.assign(customer_id=cust["customer_id"].astype(str)).drop_duplicates("customer_id")
    res = res.merge(cust, on="customer_id", how="left")

    clv = pd.to_numeric(res["clv_12m"], errors="coerce") if "clv_12m" in res else pd.Series(np.nan, index=res.index)
    money = pd.to_numeric(res.get("monetary_total"), errors="coerce") if "monetary_total" in res else clv * np.nan
    not_now, not_now_reason = _not_now(ws, policy, pd.Index(res["customer_id"]), day, lang, tactics)

    ja = lang == "ja"
    stage_names = {s: (policy.stage(s).ja if ja else policy.stage(s).en) for s in STAGES}
    temp_names = {k: label(TEMPERATURE_LABELS, k, lang) for k in TEMPERATURE_LABELS}
    action_names = {k: (t.ja if ja else t.en) for k, t in policy.tactics.items()}
    action_names["wait"] = WAIT_LABEL[0] if ja else WAIT_LABEL[1]
    reason_col = "next_action_reason_ja" if ja else "next_action_reason"
    out = pd.DataFrame({
        "customer_id": res["customer_id"],
        "name": res["name"].fillna(""),
        "email": res["email_norm"].fillna(""),
        "stage": res["stage"].map(stage_names).fillna(res["stage"]).fillna(""),
        "temperature": res["temperature"].map(temp_names).fillna(res["temperature"]).fillna(""),
        "clv_12m": clv.round().astype("Int64"),
        "monetary": money.round().astype("Int64"),
        "next_action": res["next_action"].map(action_names).fillna(res["next_action"]).fillna(""),
        "next_action_reason": res[reason_col].fillna("") if reason_col in res else "",
        "not_now": not_now,
        "not_now_reason": not_now_reason,
        "_clv": clv,
        "_money": money,
    })
    out = out.sort_values(["_clv", "_money", "customer_id"], ascending=[False, False, True], na_position="last",
                          kind="stable").drop(columns=["_clv", "_money"]).reset_index(drop=True)
    return out.rename(columns={k: label(COLUMNS, k, lang) for k in COLUMNS})


def _defuse(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (=, +, -, @) get a leading quote."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            s = out[col].astype(object).where(out[col].notna(), "").astype(str)
            out[col] = s.where(~s.str.startswith(_FORMULA_START), "'" + s)
    return out


def todo_path(path: Any) -> Path:
    """``path`` if it names a ``.xlsx`` or ``.csv`` file; a clear error otherwise."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise ConfigError(f"{p}: the to-do list is written as .xlsx or .csv",
                          ja=f"{p}: やることリストは .xlsx か .csv で書き出します")
    return p


def write_todo(frame: pd.DataFrame, path: Any) -> Path:
    """Write ``frame`` as ``.xlsx`` or ``.csv`` (UTF-8 with BOM), atomically; returns the path."""
    p = todo_path(path)
    suffix = p.suffix.lower()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{uuid.uuid4().hex}.tmp")
    safe = _defuse(frame)
    try:
        if suffix == ".csv":
            tmp.write_bytes(safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
        else:
            _write_xlsx(safe, tmp)
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    sheet = wb.active
    sheet.title = "todo"
    sheet.append(list(frame.columns))
    for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
        # openpyxl writes row by row (the output step only); text stays text (00123 keeps its
        # zeros) and, after _defuse, no text starts with "=", so nothing becomes a formula
        sheet.append(list(row))
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    for i, col in enumerate(frame.columns, start=1):
        longest = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200).tolist()])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, max(10, longest * 1.6))
    wb.save(path)
