"""Split each generic order into product lines for the platform layouts.

An order row carries its main SKU, a quantity and the paid amount.  Platform exports
list product lines with catalogue unit prices, so: orders with two or more items
get a second line (another product of the same category); the difference between
the lines' subtotal and the paid amount is shown as shipping (when the basket cost
more) or as an extra discount (when it cost less).  ``Total`` stays the paid amount.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.sample import catalogue
from horetsu.sample._arrays import pick_in_groups
from horetsu.sample.purchases import products_by_category


def split(orders: pa.Table, seed: int) -> dict[str, np.ndarray]:
    """Line arrays (``order`` = row number in ``orders``) plus per-order money columns."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    cat = catalogue.arrays()
    sku_list = pa.array(list(cat["sku"]) + list(cat["trial_sku"]))
    idx = pc.index_in(orders["sku"], value_set=sku_list).to_numpy(zero_copy_only=False)
    n_prod = len(cat["sku"])
    is_trial = idx >= n_prod
    price_all = np.concatenate([cat["price"], cat["trial_price"]])
    name_all = np.concatenate([cat["name"], cat["trial_name"]])
    qty = orders["quantity"].to_numpy()
    amount = orders["amount"].to_numpy()
    discount = orders["discount"].to_numpy()
    is_sub = orders["subscription_id"].is_valid().to_numpy(zero_copy_only=False)

    # Second line: one unit of another product of the same category.
    category = np.where(is_trial, 0, cat["category"][np.where(is_trial, 0, idx)])
    other = pick_in_groups(rng, category, products_by_category())
    two = (qty >= 2) & ~is_trial & ~is_sub & (other != idx)
    first_qty = np.where(two, qty - 1, qty)
    n = len(qty)
    line_order = np.concatenate([np.arange(n), np.flatnonzero(two)])
    line_prod = np.concatenate([idx, other[two]])
    line_qty = np.concatenate([first_qty, np.ones(two.sum(), np.int64)])
    line_price = price_all[line_prod]
    # Subscription deliveries and trial sets are billed at their own price: one line, exact.
    line_price[:n] = np.where(is_sub | is_trial, amount + discount, line_price[:n])
    line_qty[:n] = np.where(is_sub | is_trial, 1, line_qty[:n])
    order = np.argsort(line_order, kind="stable")
    line_order, line_prod, line_qty, line_price = (a[order] for a in (line_order, line_prod, line_qty, line_price))

    subtotal = np.bincount(line_order, weights=line_qty * line_price, minlength=n).astype(np.int64)
    gap = amount + discount - subtotal
    first_line = np.ones(len(line_order), bool)
    first_line[1:] = line_order[1:] != line_order[:-1]
    return {
        "line_order": line_order,
        "line_sku": np.concatenate([cat["sku"], cat["trial_sku"]])[line_prod],
        "line_name": name_all[line_prod],
        "line_qty": line_qty,
        "line_price": line_price,
        "first_line": first_line,
        "subtotal": subtotal,
        "shipping": np.maximum(gap, 0),
        "discount": discount + np.maximum(-gap, 0),
        "total": amount,
    }
