from __future__ import annotations

import pytest

import horetsu
from horetsu.errors import WorkspaceError


def test_gate_accepts_a_workspace_path(shop, make_ws):
    shop.customer("new", registered=3)  # observer, signed up 3 days before the date
    shop.customer("one", registered=100).order("one", 80)
    ws = make_ws(shop)
    res = horetsu.gate(str(ws.path), "discount_coupon", as_of="2025-06-30")
    assert res.blocked.column("customer_id").to_pylist() == ["new"]
    assert res.n_allowed == 1


def test_gate_on_a_folder_that_is_no_workspace_is_a_clear_error(tmp_path):
    with pytest.raises(WorkspaceError, match="horetsu init"):
        horetsu.gate(tmp_path / "nothing", "discount_coupon")
