"""Customer satisfaction (NPS): the score with its 95% interval, by stage and by month, the
response rate of each wave and the latest free texts beside score and stage."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from horetsu.i18n import Labels
from horetsu.report import theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import STAGES, Tr
from horetsu.report.model import Section, esc, kpi_cards, table

L: Labels = {
    "nps": ("NPS", "NPS"),
    "nps.def": ("推奨者(9〜10点)の割合 − 批判者(0〜6点)の割合。括弧内は95%信頼区間", "% promoters (9–10) − % detractors (0–6); 95% interval in brackets"),
    "answers": ("回答数", "Answers"),
    "answers.def": ("nps_response として記録された回答（取り込んだ直後から数えます）", "answers stored as nps_response events (counted as soon as stored)"),
    "mix": ("推奨者・中立・批判者", "Promoters · passives · detractors"),
    "mix.def": ("回答に占める割合", "share of the answers"),
    "fig.stage": ("段階別のNPS（縦線は95%信頼区間）", "NPS by stage (bars: 95% interval)"),
    "fig.month": ("回答月別のNPS（縦線は95%信頼区間）", "NPS by month of answer (bars: 95% interval)"),
    "ax.nps": ("NPS（−100〜100）", "NPS (−100 to 100)"),
    "ax.stage": ("段階", "Stage"),
    "ax.month": ("回答月", "Month"),
    "t.segment": ("段階", "Stage"),
    "t.ci": ("95%信頼区間", "95% interval"),
    "t.differs": ("他の段階との差", "Differs from the rest"),
    "t.yes": ("誤差を超える差", "beyond noise"),
    "t.no": ("誤差の範囲", "within noise"),
    "t.waves": ("配信回ごとの回収率", "Response rate per wave"),
    "t.wave": ("配信回", "Wave"), "t.date": ("日付", "Date"), "t.sent": ("送付", "Recipients"),
    "t.resp": ("回答", "Responded"), "t.rate": ("回収率", "Rate"),
    "t.texts": ("最近の自由回答", "Latest free texts"),
    "t.when": ("日時", "Answered"), "t.score": ("点", "Score"), "t.reason": ("理由", "Reason"),
    "t.improve": ("もっと良くできること", "Could do better"),
    "unclassified": ("未分析", "not analysed yet"),
    "empty": ("まだ NPS の回答がありません。", "No NPS answers yet."),
    "empty.act": ("`horetsu nps wave` でアンケートのリンクを作るか、フォームの回答を `horetsu import FILE --preset nps` で取り込んでください。",
                  "Create survey links with `horetsu nps wave`, or import form answers with `horetsu import FILE --preset nps`."),
    "tk": ("NPS は {nps}（95%信頼区間 {low}〜{high}、回答 {n} 件）。段階別では {best} が最も高く {worst} が最も低い。",
           "NPS is {nps} (95% interval {low} to {high}, {n} answers). By stage, {best} is highest and {worst} lowest."),
    "tk.noise": ("段階間の差はまだ誤差の範囲です。まず自店の推移と段階の比較で見てください（国内の公表値は多くがマイナスです）。",
                 "Differences between stages are still within noise; compare the shop with itself over time first (published Japanese benchmarks are mostly negative)."),
    "tk.differs": ("{stages} は他の段階と誤差を超えて違います。", "{stages} differ from the other stages beyond noise."),
    "act": ("批判者には48時間以内に定型文でなく個別に返信し、推奨者にはまずお礼を伝えてください（`horetsu nps act`）。",
            "Reply personally (never a template) to detractors within 48 hours and thank promoters first (`horetsu nps act`)."),
    "note": ("回答は nps_response の記録から直接数え、段階などは最新の分析結果から読みます。同じ人の複数回答はそれぞれ数えます。",
             "Answers are counted straight from the nps_response records; stages and other attributes come from the latest analysis. Each answer counts, also a customer's second one."),
}  # fmt: skip


def _l(tr: Tr, key: str, **values: Any) -> str:
    return tr.text(L, key, **values)


def _signed(x: Any) -> str:
    return "–" if x is None else f"{x:+.1f}"


def _bars(names: list[str], rows: list[dict[str, Any]], title: str, x_title: str, tr: Tr, colours: list[str]) -> go.Figure:
    nps = [r["nps"] for r in rows]
    up = [None if r["ci_high"] is None else r["ci_high"] - r["nps"] for r in rows]
    down = [None if r["ci_low"] is None else r["nps"] - r["ci_low"] for r in rows]
    trace = go.Bar(x=names, y=nps, marker_color=colours, showlegend=False,
                   error_y={"type": "data", "symmetric": False, "array": up, "arrayminus": down, "color": theme.GREY},
                   customdata=[[r["n"]] for r in rows],
                   hovertemplate="%{x}<br>NPS %{y:+.1f}<br>n=%{customdata[0]:,}<extra></extra>")  # fmt: skip
    layout = theme.base_layout(title, height=360)
    layout["xaxis"] = {**layout.get("xaxis", {}), "title": {"text": x_title}}
    layout["yaxis"] = {**layout.get("yaxis", {}), "title": {"text": _l(tr, "ax.nps")}, "range": [-100, 100], "zeroline": True}
    return go.Figure(data=[trace], layout=layout)


def build(data: ReportData, tr: Tr) -> Section:
    from horetsu.nps.reading import nps_report, search_texts

    sec = Section("nps", "")
    rep = nps_report(data.ws)
    if not rep["n"]:
        sec.blocks.append(f"<p>{esc(_l(tr, 'empty'))}</p>")
        sec.takeaway = _l(tr, "empty")
        sec.action = _l(tr, "empty.act")
        return sec
    n = rep["n"]
    sec.blocks.append(kpi_cards([
        ("nps", _l(tr, "nps"), f"{_signed(rep['nps'])} ({_signed(rep['ci_low'])}〜{_signed(rep['ci_high'])})", _l(tr, "nps.def")),
        ("nps_answers", _l(tr, "answers"), tr.num(n), _l(tr, "answers.def")),
        ("nps_mix", _l(tr, "mix"), " · ".join(tr.pct(rep[k] / n, 0) for k in ("promoters", "passives", "detractors")),
         _l(tr, "mix.def")),
    ]))  # fmt: skip
    by_stage = rep["by_stage"]
    order = [s for s in STAGES if s in by_stage] + [s for s in by_stage if s not in STAGES]

    def stage_name(s: str) -> str:
        return _l(tr, "unclassified") if s == "unclassified" else tr.stage(s)

    if by_stage:
        rows = [by_stage[s] for s in order]
        colours = [theme.STAGE_COLOURS.get(s, theme.GREY) for s in order]
        sec.chart("stage", _bars([stage_name(s) for s in order], rows, _l(tr, "fig.stage"), _l(tr, "ax.stage"), tr, colours))
        sec.blocks.append(table(
            [_l(tr, "t.segment"), "n", "NPS", _l(tr, "t.ci"), _l(tr, "t.differs")],
            [(stage_name(s), tr.num(r["n"]), _signed(r["nps"]), f"{_signed(r['ci_low'])}〜{_signed(r['ci_high'])}",
              _l(tr, "t.yes") if r["differs_from_rest"] else _l(tr, "t.no")) for s, r in zip(order, rows, strict=True)],
            numeric=(1, 2)))  # fmt: skip
    months = sorted(rep["by_month"])
    if months:
        rows = [rep["by_month"][m] for m in months]
        sec.chart("month", _bars(months, rows, _l(tr, "fig.month"), _l(tr, "ax.month"), tr, [theme.BLUE] * len(months)))
    if rep["waves"]:
        sec.blocks.append(f"<h3>{esc(_l(tr, 't.waves'))}</h3>" + table(
            [_l(tr, "t.wave"), _l(tr, "t.date"), _l(tr, "t.sent"), _l(tr, "t.resp"), _l(tr, "t.rate")],
            [(w["wave_id"], w["date"], tr.num(w["recipients"]), tr.num(w["responded"]),
              tr.pct(w["response_rate"]) if w["response_rate"] is not None else "–") for w in rep["waves"]],
            numeric=(2, 3, 4)))  # fmt: skip
    texts = search_texts(data.ws, "", limit=10).to_pylist()
    if texts:
        sec.blocks.append(f"<h3>{esc(_l(tr, 't.texts'))}</h3>" + table(
            [_l(tr, "t.when"), _l(tr, "t.score"), _l(tr, "t.segment"), _l(tr, "t.reason"), _l(tr, "t.improve")],
            [(r["answered_at"].strftime("%Y-%m-%d"), f"{r['score']:.0f}", stage_name(r["stage"]), r["reason"] or "",
              r["improve"] or "") for r in texts],
            numeric=(1,)))  # fmt: skip
    ranked = [s for s in order if s != "unclassified" and by_stage[s]["nps"] is not None]
    if ranked:
        best = max(ranked, key=lambda s: by_stage[s]["nps"])
        worst = min(ranked, key=lambda s: by_stage[s]["nps"])
        sec.takeaway = _l(tr, "tk", nps=_signed(rep["nps"]), low=_signed(rep["ci_low"]), high=_signed(rep["ci_high"]),
                          n=tr.num(n), best=stage_name(best), worst=stage_name(worst))  # fmt: skip
        differ = [stage_name(s) for s in ranked if by_stage[s]["differs_from_rest"]]
        sec.takeaway += " " + (_l(tr, "tk.differs", stages="、".join(differ) if tr.ja else ", ".join(differ))
                               if differ else _l(tr, "tk.noise"))  # fmt: skip
    else:
        sec.takeaway = _l(tr, "tk", nps=_signed(rep["nps"]), low=_signed(rep["ci_low"]), high=_signed(rep["ci_high"]),
                          n=tr.num(n), best="–", worst="–")  # fmt: skip
    sec.action = _l(tr, "act")
    sec.note = _l(tr, "note")
    return sec
