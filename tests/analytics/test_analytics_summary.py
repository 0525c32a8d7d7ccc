"""customer_summary, RFM, CPM and deciles on the hand-worked shop (tests/analytics/conftest.py).

Every expected number below was worked out by hand from the order table; day counts
use the 2024 leap year (Feb has 29 days).
"""

from __future__ import annotations

import datetime as dt

import pytest

from horetsu import analytics as A
from horetsu.errors import AnalysisError, ConfigError

D = dt.date
AS_OF = D(2024, 12, 31)


def by(expr, key="customer_id"):
    table = expr.to_pyarrow() if hasattr(expr, "to_pyarrow") else expr
    return {r[key]: r for r in table.to_pylist()}


def test_summary_columns_and_hand_values(hand_ws):
    rows = by(A.customer_summary(hand_ws, AS_OF))
    assert list(A.customer_summary(hand_ws, AS_OF).columns) == [
        "customer_id", "first_purchase", "last_purchase", "frequency", "orders", "recency_days",
        "tenure_days", "age_days", "monetary_total", "monetary_mean", "categories", "subscription_active",
    ]
    # I (first order after the as-of day, not in customers) and G (registered later) do not exist yet.
    assert set(rows) == {"A", "B", "C", "D", "E", "F", "H", "J", "L"}
    a = rows["A"]
    assert (a["first_purchase"], a["last_purchase"]) == (D(2024, 1, 10), D(2024, 9, 10))
    # two orders on 01-10 are one purchase day
    assert (a["frequency"], a["orders"], a["monetary_total"]) == (3, 4, 75000)
    assert (a["recency_days"], a["tenure_days"], a["age_days"]) == (112, 244, 356)
    assert a["monetary_mean"] == 18750.0
    assert a["categories"] == 2  # skin, body
    b = rows["B"]  # the cancelled 2024-02-15 order is not a purchase
    assert (b["frequency"], b["orders"], b["monetary_total"], b["recency_days"], b["tenure_days"]) == (1, 1, 3000, 426, 0)
    e = rows["E"]  # two orders the same day, one with no status (= completed)
    assert (e["frequency"], e["orders"], e["monetary_total"], e["monetary_mean"], e["recency_days"]) == (1, 2, 3000, 1500.0, 240)
    assert e["categories"] == 0
    h = rows["H"]  # body only on an order line; the shipping line's category does not count
    assert (h["frequency"], h["recency_days"], h["tenure_days"], h["categories"]) == (3, 0, 335, 2)
    assert rows["F"]["subscription_active"] is True
    assert rows["B"]["subscription_active"] is False  # cancelled 2024-06-01
    for lead in ("C", "J", "L"):  # only a cancelled order / first order later / no order
        r = rows[lead]
        assert (r["frequency"], r["orders"], r["monetary_total"], r["categories"]) == (0, 0, 0, 0)
        assert r["first_purchase"] is None and r["recency_days"] is None and r["monetary_mean"] is None


def test_summary_earlier_as_of_and_subscription_history(hand_ws):
    rows = by(A.customer_summary(hand_ws, "2024-05-01"))
    assert rows["B"]["subscription_active"] is True  # started 2023-11-01, cancelled 2024-06-01
    assert "F" not in rows  # not in customers and no order yet on 2024-05-01
    assert rows["A"]["frequency"] == 2 and rows["A"]["recency_days"] == 52


def test_default_as_of_is_last_paid_order_day(hand_ws):
    rows = by(A.customer_summary(hand_ws))
    assert rows["J"]["last_purchase"] == D(2025, 2, 1) and rows["J"]["recency_days"] == 0
    assert rows["I"]["recency_days"] == 17


def test_exclude_statuses_argument_and_setting(hand_ws):
    rows = by(A.customer_summary(hand_ws, AS_OF, exclude_statuses=()))
    assert rows["C"]["frequency"] == 1 and rows["C"]["monetary_total"] == 9000
    assert rows["B"]["frequency"] == 2 and rows["B"]["monetary_total"] == 11000
    hand_ws.config_path.write_text('[analysis]\nexclude_statuses = ["returned"]\n', encoding="utf-8")
    hand_ws.config = __import__("horetsu.config", fromlist=["load_toml"]).load_toml(hand_ws.config_path)
    assert by(A.customer_summary(hand_ws, AS_OF))["C"]["monetary_total"] == 9000


def test_bad_setting_names_file_and_key(hand_ws):
    from horetsu.config import load_toml

    hand_ws.config_path.write_text('[analysis.rfm]\nmethod = "fancy"\n', encoding="utf-8")
    hand_ws.config = load_toml(hand_ws.config_path)
    with pytest.raises(ConfigError) as err:
        A.rfm(hand_ws, AS_OF)
    assert "horetsu.toml" in str(err.value) and "analysis.rfm.method" in str(err.value)


def test_no_orders_is_a_friendly_error(ws):
    with pytest.raises(AnalysisError):
        A.customer_summary(ws)
    from horetsu.core.dates import InvalidDateError

    with pytest.raises(InvalidDateError):
        A.customer_summary(ws, "2024-02-30")


def test_cpm_segments_at_the_thresholds(hand_ws):
    rows = by(A.cpm(hand_ws, AS_OF))
    got = {k: (r["cpm_segment"], r["cpm_active"]) for k, r in rows.items()}
    assert got == {
        "A": ("loyal", True),  # tenure 244 >= 210, spend 75,000
        "B": ("first_time", False),  # lapse 426
        "D": ("trend", False),  # tenure exactly 90, spend exactly 70,000; lapse 275
        "E": ("first_time", False),  # lapse exactly 240 -> lapsed
        "F": ("budding", True),  # two days, tenure 30
        "H": ("steady", True),  # tenure 335, spend 3,000
        "C": (None, None),
        "J": (None, None),
        "L": (None, None),
    }
    cells = {(r["cpm_segment"], r["cpm_active"]): (r["customers"], r["revenue"]) for r in A.cpm_cells(hand_ws, AS_OF).to_pyarrow().to_pylist()}
    assert cells == {
        ("loyal", True): (1, 75000),
        ("first_time", False): (2, 6000),
        ("trend", False): (1, 70000),
        ("budding", True): (1, 8000),
        ("steady", True): (1, 3000),
    }


def test_cpm_scaled_by_average_order_value(hand_ws):
    from horetsu.config import load_toml

    hand_ws.config_path.write_text("[analysis.cpm]\nscale_by_aov = true\n", encoding="utf-8")
    hand_ws.config = load_toml(hand_ws.config_path)
    # 14 paid orders worth 162,000 yen: AOV 11,571.43; threshold 70,000 x 11,571.43 / 7,000 = 115,714
    from horetsu.analytics.base import make_ctx
    from horetsu.analytics.cpm import spend_threshold

    assert spend_threshold(make_ctx(hand_ws, AS_OF)) == 115714
    rows = by(A.cpm(hand_ws, AS_OF))
    assert rows["A"]["cpm_segment"] == "steady" and rows["D"]["cpm_segment"] == "steady"


def test_cpm_transitions_over_a_year(hand_ws):
    t = A.cpm_transitions(hand_ws, "2023-12-31", AS_OF).to_pyarrow().to_pylist()
    got = {(r["from_segment"], r["from_active"], r["to_segment"], r["to_active"]): r["customers"] for r in t}
    assert got == {
        ("first_time", True, "first_time", False): 1,  # B
        (None, None, "loyal", True): 1,
        (None, None, "trend", False): 1,
        (None, None, "first_time", False): 1,
        (None, None, "budding", True): 1,
        (None, None, "steady", True): 1,
    }
    with pytest.raises(AnalysisError):
        A.cpm_transitions(hand_ws, AS_OF, "2024-01-01")


def test_rfm_quintiles(hand_ws):
    rows = by(A.rfm(hand_ws, AS_OF))
    got = {k: (r["rfm_r"], r["rfm_f"], r["rfm_m"], r["rfm_segment"]) for k, r in rows.items()}
    # recency cuts 30/112/240/275, frequency cuts 1/2/2/3, monetary cuts 3000/3000/8000/70000
    assert got == {
        "A": (4, 4, 5, "champions"),
        "B": (1, 1, 1, "lost"),
        "D": (2, 2, 4, "hibernating"),
        "E": (3, 1, 1, "potential"),
        "F": (5, 2, 3, "potential"),
        "H": (5, 4, 1, "champions"),
        "C": (None, None, None, None),
        "J": (None, None, None, None),
        "L": (None, None, None, None),
    }
    m = {(r["rfm_r"], r["rfm_f"]): (r["customers"], r["revenue"]) for r in A.rfm_matrix(hand_ws, AS_OF).to_pyarrow().to_pylist()}
    assert m == {(4, 4): (1, 75000), (1, 1): (1, 3000), (2, 2): (1, 70000), (3, 1): (1, 3000), (5, 2): (1, 8000), (5, 4): (1, 3000)}
    seg = {r["rfm_segment"]: (r["customers"], r["revenue"]) for r in A.rfm_segments(hand_ws, AS_OF).to_pyarrow().to_pylist()}
    assert seg == {"champions": (2, 78000), "lost": (1, 3000), "hibernating": (1, 70000), "potential": (2, 11000)}


def test_rfm_japanese_grid(hand_ws):
    from horetsu.config import load_toml

    hand_ws.config_path.write_text('[analysis.rfm]\nmethod = "grid"\n', encoding="utf-8")
    hand_ws.config = load_toml(hand_ws.config_path)
    rows = by(A.rfm(hand_ws, AS_OF))
    got = {k: (r["rfm_r"], r["rfm_f"], r["rfm_m"], r["rfm_segment"]) for k, r in rows.items() if r["rfm_r"]}
    assert got == {
        "A": (3, 3, 4, "loyal"),  # 112 days, 3 days, 75,000
        "B": (1, 1, 1, "lost"),
        "D": (2, 2, 4, "hibernating"),  # 70,000 >= 50,000
        "E": (2, 1, 1, "hibernating"),  # 240 days <= 365
        "F": (5, 2, 1, "potential"),  # 30 days -> 5
        "H": (5, 3, 1, "loyal"),
    }


def test_deciles(hand_ws):
    d = A.deciles(hand_ws, AS_OF).to_pyarrow().to_pylist()
    # ranks 0..5 by spend (ties by id): A, D, F, B, E, H -> deciles 1, 2, 4, 6, 7, 9
    assert [(r["decile"], r["customers"], r["revenue"]) for r in d] == [
        (1, 1, 75000), (2, 1, 70000), (4, 1, 8000), (6, 1, 3000), (7, 1, 3000), (9, 1, 3000),
    ]
    assert d[0]["revenue_share"] == pytest.approx(75000 / 162000, rel=1e-12)
    assert d[1]["cum_revenue_share"] == pytest.approx(145000 / 162000, rel=1e-12)
    assert d[-1]["cum_revenue_share"] == pytest.approx(1.0, rel=1e-12)


def test_cpm_tenure_and_spend_boundaries(make_ws):
    rows = [
        # tenure exactly 210 (2024-01-01 + 210 days = 07-29) and spend exactly 70,000 -> loyal
        ("p1", "P", D(2024, 1, 1), "completed", 35000, None, None, None),
        ("p2", "P", D(2024, 7, 29), "completed", 35000, None, None, None),
        # tenure 209 -> trend
        ("q1", "Q", D(2024, 1, 1), "completed", 35000, None, None, None),
        ("q2", "Q", D(2024, 7, 28), "completed", 35000, None, None, None),
        # two purchase days, tenure 89 -> budding
        ("r1", "R", D(2024, 1, 1), "completed", 1000, None, None, None),
        ("r2", "R", D(2024, 3, 30), "completed", 1000, None, None, None),
        # spend 69,999 with tenure 335 -> steady
        ("s1", "S", D(2024, 1, 1), "completed", 34999, None, None, None),
        ("s2", "S", D(2024, 12, 1), "completed", 35000, None, None, None),
    ]
    ws = make_ws("cpm-bounds", rows)
    got = {k: (r["tenure_days"], r["cpm_segment"]) for k, r in by(A.cpm(ws, AS_OF)).items()}
    assert got == {"P": (210, "loyal"), "Q": (209, "trend"), "R": (89, "budding"), "S": (335, "steady")}


def test_every_label_is_bilingual():
    from horetsu.analytics.labels import ALL_LABELS, as_json

    for group, labels in ALL_LABELS.items():
        for key, (ja, en) in labels.items():
            assert ja and en and ja != en, (group, key)
            assert any(ord(ch) > 0x3000 for ch in ja), (group, key)  # Japanese text
    assert as_json()["cpm_segment"]["steady"] == {"ja": "コツコツ", "en": "Steady"}
    assert set(ALL_LABELS["cpm_segment"]) == {"first_time", "budding", "steady", "trend", "loyal"}
