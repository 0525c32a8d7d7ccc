"""Every number in the overview equals the analysis results it came from.

Two ways: on a four-customer shop whose numbers are derived by hand below, and on the
sample shop, where each KPI is recomputed here from ``results/*.parquet`` with
pyarrow.compute (not with the report's own code).
"""

from __future__ import annotations

import re

import pyarrow.compute as pc
import pytest
import pyarrow.parquet as pq

KPI_RE = re.compile(r'data-kpi="([^"]+)"><div class="kpi-label">[^<]*</div><div class="kpi-value">([^<]*)<')


def overview_values(html: str) -> dict[str, str]:
    section = html.split('data-section="overview"', 1)[1].split("</section>", 1)[0]
    return dict(KPI_RE.findall(section))


def test_overview_matches_hand_computed_shop(hand_reports):
    hand_ws, pages = hand_reports
    html = pages["ja"]
    kpi = overview_values(html)
    # Purchase days: A 2, B 1, C 3 (C1+C2 share a day, C4 is cancelled), D 1.
    assert kpi["customers"] == "4人"
    assert kpi["active"] == "3人"  # D's last purchase is 334 days before 2026-03-31 (lapse: 240 days)
    assert kpi["f2_rate"] == "50.0%"  # A and C of four
    assert kpi["repeat_rate"] == "42.9%"  # (7 purchase days - 4 first days) / 7
    assert kpi["revenue_total"] == "33,000円"  # 8,000 + 4,000 + 11,000 + 10,000
    assert kpi["revenue_new"] == "20,000円"  # first days: A 3,000, B 4,000, C 3,000, D 10,000
    assert kpi["revenue_repeat"] == "13,000円"  # A 5,000, C 6,000 + 2,000
    assert kpi["revenue_subscription"] == "0円"
    clv = pc.sum(pq.read_table(hand_ws.result_path("customers"), columns=["clv_12m"])["clv_12m"]).as_py()
    assert kpi["clv_12m"] == f"{round(clv):,}円"
    # the takeaway is computed from the same data: two of four buyers bought once
    assert "購入者の50.0%は1回きりです。現役顧客は4人中3人です。" in html

    kpi_en = overview_values(pages["en"])
    assert kpi_en["customers"] == "4" and kpi_en["revenue_total"] == "¥33,000" and kpi_en["f2_rate"] == "50.0%"


def test_overview_matches_results_of_sample_shop(shop_ws, shop_reports):
    html = shop_reports["ja"].read_text(encoding="utf-8")
    kpi = overview_values(html)
    cust = pq.read_table(shop_ws.result_path("customers"))
    buyers = cust.filter(pc.greater_equal(cust["frequency"], 1))
    n = buyers.num_rows
    freq_sum = pc.sum(buyers["frequency"]).as_py()
    active = pc.sum(pc.cast(pc.fill_null(buyers["cpm_active"], False), "int64")).as_py()
    repeaters = pc.sum(pc.cast(pc.greater_equal(buyers["frequency"], 2), "int64")).as_py()
    timeline = pq.read_table(shop_ws.result_path("timeline"))

    def revenue(mask):
        return pc.sum(timeline.filter(mask)["revenue"]).as_py() or 0

    kind = timeline["kind"]
    new = revenue(pc.equal(kind, "new"))
    sub = revenue(pc.equal(kind, "subscription"))
    rep = revenue(pc.starts_with(kind, "repeat"))
    total = pc.sum(cust["monetary_total"]).as_py()

    assert kpi["customers"] == f"{n:,}人"
    assert kpi["active"] == f"{active:,}人"
    assert kpi["f2_rate"] == f"{repeaters / n * 100:.1f}%"
    assert kpi["repeat_rate"] == f"{(freq_sum - n) / freq_sum * 100:.1f}%"
    assert kpi["revenue_total"] == f"{total:,}円"
    assert kpi["revenue_new"] == f"{new:,}円"
    assert kpi["revenue_repeat"] == f"{rep:,}円"
    assert kpi["revenue_subscription"] == f"{sub:,}円"
    assert new + rep + sub == total  # the split covers all revenue, nothing twice
    assert kpi["clv_12m"] == f"{round(pc.sum(cust['clv_12m']).as_py()):,}円"
    assert sub > 0 and rep > 0 and new > 0


def test_overview_as_of_an_earlier_day(hand_ws, tmp_path):
    """``as_of`` re-runs the analysis for that day: later orders do not exist yet."""
    from horetsu.report import build_report

    html = build_report(hand_ws, lang="en", out=tmp_path / "feb.html", as_of="2026-02-28").read_text(encoding="utf-8")
    kpi = overview_values(html)
    # On 2026-02-28 C5 (2026-03-31) has not happened: purchase days A 2, B 1, C 2, D 1.
    assert kpi["customers"] == "4"
    assert kpi["active"] == "3"  # D: 303 days since 2025-05-01
    assert kpi["f2_rate"] == "50.0%"
    assert kpi["repeat_rate"] == "33.3%"  # (6 - 4) / 6
    assert kpi["revenue_total"] == "¥31,000"
    assert kpi["revenue_repeat"] == "¥11,000"  # A 5,000 + C 6,000
    assert "As of 2026-02-28" in html


def test_invalid_as_of_is_a_clear_error(hand_ws, tmp_path):
    from horetsu.errors import ConfigError
    from horetsu.report import build_report

    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        build_report(hand_ws, lang="en", out=tmp_path / "x.html", as_of="2026-13-45")
    assert not (tmp_path / "x.html").exists()


def test_takeaways_of_the_hand_computed_shop(hand_reports):
    """Takeaway sentences carry numbers derived by hand from the four customers."""
    html = hand_reports[1]["ja"]
    # B and D bought once; second purchases came after 30 (A) and 45 (C) days: the lower median is 30.
    assert "初回購入者の50.0%がまだ2回目を買っていません。2回目を買った人の半数は30日以内に戻っています。" in html
    # tea intervals 30 (A), 45 and 75 (C): median 45, 80th percentile 75
    assert "「tea」は再購入の半分が45日以内、8割が75日以内です。" in html
    # all revenue is within the last 12 months: repeat 13,000 of 33,000; D lapsed (240 days) in 2025-12
    assert "直近12か月の売上のうち39.4%がリピートと定期購入からです。この期間に1人が離脱しました。" in html
    assert "売上が新規頼みです。" in html
