"""Step mails: is each sequence working?  Per sequence the customers reached against its
holdout (repurchase rates, the difference with its 95% interval, beyond noise or not, the
incremental repurchases); per step sent, skipped by reason, opened where known and
purchased within N days; a chart of the differences.

Every number comes from :func:`horetsu.mail.measure.status` (the same reading as
``horetsu mail status`` and the web app's ``/mail``); nothing is computed again here. The
outbox lives in the operational database, reached as the NPS section reaches its survey
store: only when the workspace has one (:func:`horetsu.mail.db.ops_db_exists`).
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from horetsu.i18n import Labels
from horetsu.mail.labels import reason_label
from horetsu.report import theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, esc, kpi_cards, table

L: Labels = {
    "empty": ("まだステップメールは送られていません。送り始めると、ここに送信数と対照群との比較が表示されます。",
              "No step mail has been sent yet; once mails go out, this section shows what was sent and how it compares with the holdout."),
    "empty.act": ("シーケンス（WORKSPACE/sequences）を確かめ、`horetsu mail run` を定期的に実行してください（docs/mail.md）。",
                  "Check the sequences (WORKSPACE/sequences) and run `horetsu mail run` on a schedule (docs/mail.md)."),
    "ops": ("運用データベース（ステップメールの送信記録）", "operational database (the step-mail outbox)"),
    "k.sent": ("送信したメール", "Mails sent"),
    "k.sent.def": ("すべてのシーケンスとステップの合計", "all sequences and steps together"),
    "k.skipped": ("見送ったメール", "Mails skipped"),
    "k.skipped.def": ("同意なし・配信停止・上限などの理由で送らなかったもの（対照群は含みません）",
                      "not sent for a reason such as no consent, unsubscribed or the frequency cap (holdout not included)"),
    "k.beyond": ("効果が誤差を超えたシーケンス", "Sequences beyond noise"),
    "k.beyond.def": ("対照群と比べられるシーケンスのうち、95%信頼区間が0を含まないもの",
                     "of the sequences with a holdout to compare, those whose 95% interval excludes 0"),
    "h.effect": ("シーケンスごとの効果（対照群との比較、きっかけから{days}以内の購入）",
                 "Effect of each sequence against its holdout (purchase within {days} of the trigger)"),
    "h.steps": ("ステップごとの結果", "Results per step"),
    "t.sequence": ("シーケンス", "Sequence"),
    "t.step": ("ステップ", "Step"),
    "t.reached": ("届いた顧客", "Reached"),
    "t.reached_bought": ("うち購入", "Of them bought"),
    "t.holdout": ("対照群（送らない）", "Holdout (sent nothing)"),
    "t.holdout_bought": ("うち購入", "Of them bought"),
    "t.diff": ("購入率の差", "Difference"),
    "t.ci": ("95%信頼区間", "95% interval"),
    "t.incremental": ("増えた購入（人）", "Incremental repurchases"),
    "t.verdict": ("判定", "Verdict"),
    "t.sent": ("送信", "Sent"),
    "t.held": ("対照群", "Held out"),
    "t.skipped": ("見送り（理由別）", "Skipped by reason"),
    "t.opened": ("開封", "Opened"),
    "t.purchased": ("送信後{days}以内の購入", "Purchased within {days}"),
    "unknown": ("—（計測していません）", "— (unknown: not tracked)"),
    "none": ("なし", "none"),
    "pt": ("{value}ポイント", "{value} pt"),
    "range": ("{low}〜{high}", "{low} to {high}"),
    "v.up": ("誤差を超えて増加", "more purchases, beyond noise"),
    "v.down": ("誤差を超えて減少", "fewer purchases, beyond noise"),
    "v.noise": ("誤差の範囲", "within noise"),
    "v.nothing": ("まだ比べられません（対照群がないか未送信）", "nothing to compare yet (no holdout or nothing sent)"),
    "fig.uplift": ("シーケンス別 対照群との購入率の差（縦線は95%信頼区間）",
                   "Difference in purchase rate against the holdout, per sequence (bars: 95% interval)"),
    "ax.sequence": ("シーケンス", "Sequence"),
    "ax.diff": ("購入率の差（ポイント）", "Difference in purchase rate (points)"),
    "tk": ("ステップメールを{sent}通送りました。対照群と比べられる{n}本のシーケンスのうち、誤差を超えて購入を増やしたのは{k}本です。",
           "Step mails sent: {sent}. Sequences that raised purchases beyond noise: {k} of the {n} with a holdout to compare."),
    "tk.best": ("差が最も大きいのは「{name}」で、届いた顧客の{rate1}、対照群の{rate0}が{days}以内に購入しました（差 {diff}、95%信頼区間 {low}〜{high}）。",
                "The largest difference is {name}'s: {rate1} of those reached and {rate0} of the holdout bought within {days} (difference {diff}, 95% interval {low} to {high})."),
    "tk.nocompare": ("ステップメールを{sent}通送りましたが、対照群と比べられるシーケンスはまだありません。",
                     "Step mails sent: {sent}, but no sequence has a holdout to compare with yet."),
    "act.keep": ("誤差を超えて効いているシーケンスは続け、誤差の範囲のものは対照群を残したまま人数が増えるのを待つか内容を見直してください。開封ではなく購入の差で判断します。",
                 "Keep the sequences that work beyond noise; for the others keep the holdout and wait for more customers, or rework them. Judge by purchases, not opens."),
    "act.noise": ("まだ誤差の範囲です。対照群を残したまま配信を続け、人数が増えてから判断してください。開封ではなく購入の差で判断します。",
                  "Still within noise: keep sending with the holdout in place and judge once more customers have been reached. Judge by purchases, not opens."),
    "act.holdout": ("効果を測るため、各シーケンスに対照群（holdout = 0.1 など）を設定してください。",
                    "Give each sequence a holdout (e.g. holdout = 0.1) so that its effect can be measured."),
    "note": ("届いた顧客：きっかけ1回につき1ステップ以上送った顧客。対照群：そのきっかけで何も送らなかった顧客。購入率：きっかけの翌日から{days}以内に購入した割合。"
             "差の95%信頼区間は Wald 法で、0を含まなければ誤差を超えた差とみなします。増えた購入 = 差 × 届いた顧客。"
             "ステップの購入は、その送信の翌日から{days}以内の購入です。開封は [mail] track_opens を有効にして送ったメールだけ分かり、それ以外は不明と表示します。",
             "Reached: customers sent at least one step for a trigger; holdout: customers sent nothing for it. Rate: share who bought from the day after the trigger to {days} later. "
             "The 95% interval of the difference is Wald's; an interval that excludes 0 is beyond noise. Incremental repurchases = difference × reached. "
             "A step's purchases are those from the day after its send to {days} later. Opens are known only for mails sent with [mail] track_opens on; otherwise they show as unknown."),
}  # fmt: skip

SKIPPED_STATES = ("skipped", "failed_perm")


def _l(tr: Tr, key: str, **values: Any) -> str:
    return tr.text(L, key, **values)


def _status(ws: Any) -> dict[str, Any] | None:
    """The measured outbox, or None when the workspace has no operational database (no mail yet)."""
    from horetsu.mail.db import ops_db_exists

    if not ops_db_exists(ws):
        return None
    from horetsu.mail.measure import status

    return status(ws)


def _finite(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _points(tr: Tr, x: float) -> str:
    """A difference of two rates in percentage points, signed (0.289 → +28.9)."""
    return _l(tr, "pt", value=f"{x * 100:+.1f}") if _finite(x) else "–"


def _interval(tr: Tr, low: float, high: float) -> str:
    return _l(tr, "range", low=f"{low * 100:+.1f}", high=f"{high * 100:+.1f}") if _finite(low) else "–"


def _share(tr: Tr, x: int, n: int) -> str:
    """``8 (40.0%)``; only the count when there is nothing to divide by."""
    return f"{tr.num(x)} ({tr.pct(x / n)})" if n else tr.num(x)


def verdict(s: dict[str, Any]) -> str:
    """'up', 'down', 'noise' or 'nothing', read off the interval measure.status computed."""
    if not _finite(s["uplift"]):
        return "nothing"
    if s["ci_low"] > 0:
        return "up"
    return "down" if s["ci_high"] < 0 else "noise"


def _effect_table(seqs: list[dict[str, Any]], tr: Tr) -> str:
    heads = ["t.sequence", "t.reached", "t.reached_bought", "t.holdout", "t.holdout_bought", "t.diff", "t.ci",
             "t.incremental", "t.verdict"]
    rows = [(s["sequence"], tr.num(s["reached"]), _share(tr, s["reached_bought"], s["reached"]), tr.num(s["holdout"]),
             _share(tr, s["holdout_bought"], s["holdout"]), _points(tr, s["uplift"]),
             _interval(tr, s["ci_low"], s["ci_high"]),
             f"{s['incremental']:+.1f}" if _finite(s["incremental"]) else "–", _l(tr, "v." + verdict(s)))
            for s in seqs]  # fmt: skip
    return table([_l(tr, h) for h in heads], rows, numeric=(1, 2, 3, 4, 5, 7))


def _skipped(steps: list[dict[str, Any]]) -> dict[tuple[str, int], list[tuple[str, int]]]:
    """{(sequence, step): [(reason, n), ...]} of the rows not sent for a reason, most frequent first."""
    out: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for r in steps:  # one row per sequence, step, state and reason: a handful
        if r["state"] in SKIPPED_STATES:
            out.setdefault((r["sequence"], r["step"]), []).append((r["reason"] or r["state"], r["n"]))
    return {k: sorted(v, key=lambda kv: (-kv[1], kv[0])) for k, v in out.items()}


def _held(steps: list[dict[str, Any]]) -> dict[tuple[str, int], int]:
    out: dict[tuple[str, int], int] = {}
    for r in steps:
        if r["state"] == "holdout":
            out[(r["sequence"], r["step"])] = out.get((r["sequence"], r["step"]), 0) + r["n"]
    return out


def _steps_table(st: dict[str, Any], days: str, tr: Tr) -> str:
    steps = st["steps"].to_pylist()
    skipped, held = _skipped(steps), _held(steps)
    sep = "、" if tr.ja else "; "
    rows = []
    for r in st["step_results"]:  # one row per sequence and step
        key = (r["sequence"], r["step"])
        why = sep.join(f"{reason_label(k, tr.ja)} {tr.num(n)}" for k, n in skipped.get(key, [])) or _l(tr, "none")
        opened = (_l(tr, "unknown") if r["opened"] is None  # never 0 for a step whose mails were not tracked
                  else f"{tr.num(r['opened'])} / {tr.num(r['tracked'])} ({tr.pct(r['opened'] / r['tracked'])})")
        rows.append((r["sequence"], str(r["step"]), tr.num(r["sent"]), tr.num(held.get(key, 0)), why, opened,
                     _share(tr, r["purchased"], r["sent"])))
    heads = [_l(tr, "t.sequence"), _l(tr, "t.step"), _l(tr, "t.sent"), _l(tr, "t.held"), _l(tr, "t.skipped"),
             _l(tr, "t.opened"), _l(tr, "t.purchased", days=days)]
    return table(heads, rows, numeric=(1, 2, 3, 6))


def _uplift_figure(seqs: list[dict[str, Any]], tr: Tr) -> go.Figure:
    colours = {"up": theme.GREEN, "down": theme.VERMILLION, "noise": theme.GREY}
    trace = go.Bar(
        x=[s["sequence"] for s in seqs], y=[s["uplift"] * 100 for s in seqs], showlegend=False,
        marker_color=[colours[verdict(s)] for s in seqs],
        error_y={"type": "data", "symmetric": False, "color": theme.BLACK,
                 "array": [(s["ci_high"] - s["uplift"]) * 100 for s in seqs],
                 "arrayminus": [(s["uplift"] - s["ci_low"]) * 100 for s in seqs]},
        customdata=[[s["reached"], s["holdout"], s["ci_low"] * 100, s["ci_high"] * 100] for s in seqs],
        hovertemplate=("%{x}<br>%{y:+.1f} pt [%{customdata[2]:+.1f}, %{customdata[3]:+.1f}]"
                       "<br>n=%{customdata[0]:,} / %{customdata[1]:,}<extra></extra>"),
    )  # fmt: skip
    layout = theme.base_layout(_l(tr, "fig.uplift"), height=360)
    layout["bargap"] = 0.6 if len(seqs) < 3 else 0.3  # one or two sequences: no wall-to-wall bar
    layout["xaxis"] = {**layout["xaxis"], "title": {"text": _l(tr, "ax.sequence")}, "type": "category"}
    layout["yaxis"] = {**layout["yaxis"], "title": {"text": _l(tr, "ax.diff")}, "zeroline": True,
                       "zerolinecolor": theme.GREY}
    return go.Figure(data=[trace], layout=layout)


def _empty(sec: Section, tr: Tr) -> Section:
    sec.blocks.append(f"<p>{esc(_l(tr, 'empty'))}</p>")
    sec.takeaway = _l(tr, "empty")
    sec.action = _l(tr, "empty.act")
    return sec


def _takeaway(sec: Section, seqs: list[dict[str, Any]], sent: int, days: str, tr: Tr) -> None:
    comparable = [s for s in seqs if verdict(s) != "nothing"]
    if not comparable:
        sec.takeaway = _l(tr, "tk.nocompare", sent=tr.num(sent))
        sec.action = _l(tr, "act.holdout")
        return
    up = [s for s in comparable if verdict(s) == "up"]
    best = max(comparable, key=lambda s: s["uplift"])
    sec.takeaway = _l(tr, "tk", sent=tr.num(sent), n=len(comparable), k=len(up)) + ("" if tr.ja else " ") + _l(
        tr, "tk.best", name=best["sequence"], rate1=tr.pct(best["reached_bought"] / best["reached"]),
        rate0=tr.pct(best["holdout_bought"] / best["holdout"]), days=days, diff=_points(tr, best["uplift"]),
        low=f"{best['ci_low'] * 100:+.1f}", high=f"{best['ci_high'] * 100:+.1f}")  # fmt: skip
    sec.action = _l(tr, "act.keep" if up else "act.noise")


def build(data: ReportData, tr: Tr) -> Section:
    from django.db import DatabaseError

    sec = Section("mail", "")
    try:
        st = _status(data.ws)
    except DatabaseError as exc:  # the database is there but cannot be read now: say so, keep the report
        sec.missing.append(f"{_l(tr, 'ops')}: {type(exc).__name__}: {exc}")
        return sec
    if st is None or not st["step_results"]:
        return _empty(sec, tr)
    days = tr.days(st["days"])
    results, seqs = st["step_results"], st["sequences"]
    sent = sum(r["sent"] for r in results)
    skipped = sum(n for v in _skipped(st["steps"].to_pylist()).values() for _, n in v)
    if not sent:  # rows exist, none went out: say so, and show why per step
        _empty(sec, tr)
        sec.blocks.append(f"<h3>{esc(_l(tr, 'h.steps'))}</h3>" + _steps_table(st, days, tr))
        return sec
    comparable = [s for s in seqs if verdict(s) != "nothing"]
    beyond = [s for s in comparable if verdict(s) in ("up", "down")]
    sec.blocks.append(kpi_cards([
        ("mail_sent", _l(tr, "k.sent"), tr.num(sent), _l(tr, "k.sent.def")),
        ("mail_skipped", _l(tr, "k.skipped"), tr.num(skipped), _l(tr, "k.skipped.def")),
        ("mail_beyond", _l(tr, "k.beyond"), f"{len(beyond)} / {len(comparable)}", _l(tr, "k.beyond.def")),
    ]))  # fmt: skip
    if comparable:
        sec.chart("uplift", _uplift_figure(comparable, tr))
    sec.blocks.append(f"<h3>{esc(_l(tr, 'h.effect', days=days))}</h3>" + _effect_table(seqs, tr))
    sec.blocks.append(f"<h3>{esc(_l(tr, 'h.steps'))}</h3>" + _steps_table(st, days, tr))
    _takeaway(sec, seqs, sent, days, tr)
    sec.note = _l(tr, "note", days=days)
    return sec
