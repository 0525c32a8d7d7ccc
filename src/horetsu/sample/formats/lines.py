"""Split each generic order into product lines for the platform layouts.

An order row carries its main SKU, a quantity, the paid amount and the coupon
discount.  Platform exports list product lines, so: orders of two or more items get
a second line (one unit of another product of the same category, at its catalogue
price) and the main line carries the rest of the basket.  The lines always add up
to amount + discount, shipping is free, and ``Total`` stays the paid amount, so the
Gamma-Gamma spend process survives the change of layout.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.sample import catalogue
from horetsu.sample._arrays import pick_in_groups
from horetsu.sample.formats._table import choose
from horetsu.sample.purchases import products_by_category


def split(orders: pa.Table, seed: int) -> dict[str, np.ndarray]:
    """Line arrays (``order`` = row number in ``orders``) plus per-order money columns."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    cat = catalogue.arrays()
    sku_list = pa.array([*cat["sku"].tolist(), *cat["trial_sku"].tolist()])
    idx = pc.index_in(orders["sku"], value_set=sku_list).to_numpy(zero_copy_only=False)
    n_prod = len(cat["sku"])
    is_trial = idx >= n_prod
    price_all = np.concatenate([cat["price"], cat["trial_price"]])
    name_all = np.concatenate([cat["name"], cat["trial_name"]])
    sku_all = np.concatenate([cat["sku"], cat["trial_sku"]])
    qty = orders["quantity"].to_numpy()
    amount = orders["amount"].to_numpy()
    discount = orders["discount"].to_numpy()
    is_sub = orders["subscription_id"].is_valid().to_numpy(zero_copy_only=False)

    # The basket's list value is the paid amount plus the coupon discount; lines add up to it.
    base = amount + discount
    # Orders of two or more items get a second line: one unit of another product of the category.
    category = cat["category"][np.where(is_trial, 0, idx)]
    other = pick_in_groups(rng, category, products_by_category())
    p_other = price_all[other]
    two = (qty >= 2) & ~is_trial & ~is_sub & (other != idx) & (p_other <= base - 100)
    rest = np.where(two, base - p_other, base)
    units = np.where(two, qty - 1, qty)
    # Keep the quantity when the rest divides evenly into unit prices, else one line of one.
    even = (units > 0) & (rest % np.maximum(units, 1) == 0) & ~is_sub & ~is_trial
    first_qty = np.where(even, units, 1)
    first_price = rest // first_qty
    n = len(qty)
    line_order = np.concatenate([np.arange(n), np.flatnonzero(two)])
    line_prod = np.concatenate([idx, other[two]])
    line_qty = np.concatenate([first_qty, np.ones(two.sum(), np.int64)])
    line_price = np.concatenate([first_price, p_other[two]])
    order = np.argsort(line_order, kind="stable")
    line_order, line_prod, line_qty, line_price = (a[order] for a in (line_order, line_prod, line_qty, line_price))

    subtotal = np.bincount(line_order, weights=line_qty * line_price, minlength=n).astype(np.int64)
    first_line = np.ones(len(line_order), bool)
    first_line[1:] = line_order[1:] != line_order[:-1]
    return {
        "line_order": line_order,
        "line_sku": choose(sku_all.tolist(), line_prod),
        "line_sku_lower": choose([x.lower() for x in sku_all.tolist()], line_prod),
        "line_name": choose(name_all.tolist(), line_prod),
        "line_qty": line_qty,
        "line_price": line_price,
        "first_line": first_line,
        "subtotal": subtotal,
        "shipping": np.zeros(n, np.int64),
        "discount": discount,
        "total": amount,
    }
