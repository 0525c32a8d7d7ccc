"""English evidence and gate reasons say "1 day", never "1 days" (issue 14, item 7)."""

from __future__ import annotations

from horetsu import gate
from horetsu.stages import classify

AS_OF = "2025-06-30"


def test_one_day_is_singular_in_evidence_and_reasons(shop, make_ws):
    shop.customer("one", registered=1)                                  # signed up yesterday
    shop.customer("buy", registered=200).order("buy", 1)                 # bought yesterday
    shop.customer("many", registered=21).order("many", 11)
    ws = make_ws(shop)
    ev = {r["customer_id"]: r["stage_evidence"] for r in classify(ws, AS_OF).to_pylist()}
    assert "signed up 1 day ago" in ev["one"] and "1 days" not in ev["one"]
    assert "1 purchase, 1 day ago" in ev["buy"] and "1 days" not in ev["buy"]
    assert "1 purchase, 11 days ago" in ev["many"]  # plurals stay

    blocked = gate(ws, "discount_coupon", as_of=AS_OF).blocked.to_pylist()
    reason = {r["customer_id"]: r["reason"] for r in blocked}
    assert reason["one"].startswith("signed up 1 day ago; ")
