"""The sample shop's files: deterministic bytes, importable columns, consistent links."""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from horetsu import schema
from horetsu.errors import ConfigError
from horetsu.sample import generate
from horetsu.sample.names import PREFECTURES


def read(path):
    """Read a generated CSV with empty cells as nulls (timestamps parse to UTC)."""
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


def _digests(info) -> dict[str, str]:
    files = [*info.files, info.params_file, info.truth_file]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    a = generate(tmp_path / "a", customers=2000, seed=3)
    b = generate(tmp_path / "b", customers=2000, seed=3)
    c = generate(tmp_path / "c", customers=2000, seed=4)
    assert _digests(a) == _digests(b)
    assert _digests(a)["orders.csv"] != _digests(c)["orders.csv"]
    assert _digests(a)["customers.csv"] != _digests(c)["customers.csv"]


def test_generic_files_carry_the_import_columns(sample_shop):
    header = {p.name: p.read_text(encoding="utf-8").split("\n", 1)[0].replace('"', "").split(",") for p in sample_shop.files}
    assert set(header) == {"orders.csv", "customers.csv", "events.csv", "subscriptions.csv"}
    assert {"order_id", "customer_id", "ordered_at", "amount", "status", "category", "sku", "quantity",
            "subscription_id", "channel", "coupon", "discount"} <= set(header["orders.csv"])
    assert {"customer_id", "registered_at", "email", "name", "accepts_email", "channel"} <= set(header["customers.csv"])
    assert {"customer_id", "at", "type", "value", "note"} <= set(header["events.csv"])
    assert {"subscription_id", "customer_id", "started_at", "cancelled_at", "interval_days", "sku",
            "status"} <= set(header["subscriptions.csv"])


def test_rows_reported_equal_rows_written(sample_shop):
    for name, rows in sample_shop.rows.items():
        assert read(sample_shop.out_dir / f"{name}.csv").num_rows == rows


def test_ids_are_unique_and_every_reference_exists(sample_shop):
    d = sample_shop.out_dir
    customers, orders, subs, events = (read(d / f) for f in ("customers.csv", "orders.csv", "subscriptions.csv", "events.csv"))
    ids = set(customers["customer_id"].to_pylist())
    assert len(ids) == customers.num_rows
    assert len(pc.unique(orders["order_id"])) == orders.num_rows
    assert set(pc.unique(orders["customer_id"]).to_pylist()) <= ids
    assert set(pc.unique(events["customer_id"]).to_pylist()) <= ids
    assert set(pc.unique(subs["customer_id"]).to_pylist()) <= ids
    assert set(pc.unique(orders["status"]).to_pylist()) <= set(schema.ORDER_STATUSES)
    assert set(pc.unique(events["type"]).to_pylist()) <= set(schema.EVENT_TYPES)


def test_subscription_deliveries_are_orders_numbered_one_to_n(sample_shop):
    d = sample_shop.out_dir
    subs, orders = read(d / "subscriptions.csv"), read(d / "orders.csv")
    o = orders.filter(pc.is_valid(orders["subscription_id"]))
    per_sub = Counter(o["subscription_id"].to_pylist())
    deliveries = dict(zip(subs["subscription_id"].to_pylist(), subs["deliveries"].to_pylist(), strict=True))
    assert per_sub == {k: v for k, v in deliveries.items() if v > 0}
    seq_max = o.group_by("subscription_id").aggregate([("subscription_seq", "max"), ("subscription_seq", "min")])
    mx = dict(zip(seq_max["subscription_id"].to_pylist(), seq_max["subscription_seq_max"].to_pylist(), strict=True))
    assert mx == per_sub and set(seq_max["subscription_seq_min"].to_pylist()) == {1}
    cancelled = pc.equal(subs["status"], "cancelled")
    assert pc.all(pc.equal(pc.is_valid(subs["cancelled_at"]), cancelled)).as_py()


def test_events_are_well_formed(sample_shop):
    events = read(sample_shop.out_dir / "events.csv")
    customers = read(sample_shop.out_dir / "customers.csv")
    nps = events.filter(pc.equal(events["type"], "nps_response"))["value"].to_numpy()
    assert nps.min() >= 0 and nps.max() <= 10 and np.all(nps == np.round(nps)) and len(nps) > 100
    stars = events.filter(pc.equal(events["type"], "review"))["value"].to_numpy()
    assert set(np.unique(stars)) == {1, 2, 3, 4, 5}
    made = events.filter(pc.equal(events["type"], "referral_made"))
    got = events.filter(pc.equal(events["type"], "referral_received"))
    # Each referral appears twice: the referrer's note names the referred and back.
    assert sorted(zip(made["customer_id"].to_pylist(), made["note"].to_pylist())) == sorted(
        zip(got["note"].to_pylist(), got["customer_id"].to_pylist())
    )
    referral_channel = customers.filter(pc.equal(customers["channel"], "referral"))["customer_id"]
    assert set(referral_channel.to_pylist()) == set(got["customer_id"].to_pylist())
    for kind in ("lead", "inquiry", "email_open", "email_click", "complaint", "return_request", "testimonial"):
        assert pc.sum(pc.equal(events["type"], kind)).as_py() > 0, kind


def test_nobody_orders_before_registering_and_nothing_after_the_end(sample_shop):
    d = sample_shop.out_dir
    customers, orders = read(d / "customers.csv"), read(d / "orders.csv")
    first = orders.group_by("customer_id").aggregate([("ordered_at", "min")])
    joined = first.join(customers.select(["customer_id", "registered_at"]), "customer_id")
    assert pc.all(pc.greater_equal(joined["ordered_at_min"], joined["registered_at"])).as_py()
    for table, col in ((orders, "ordered_at"), (customers, "registered_at")):
        assert pc.max(table[col]).as_py().timestamp() <= _end(sample_shop)
        assert pc.min(table[col]).as_py().timestamp() >= _start(sample_shop)


def _end(info) -> float:
    from datetime import datetime

    return datetime.fromisoformat(info.params["end"]).timestamp()


def _start(info) -> float:
    from datetime import datetime

    return datetime.fromisoformat(info.params["start"]).timestamp()


def test_prefectures_follow_the_census_weights(sample_shop):
    customers = read(sample_shop.out_dir / "customers.csv")
    n = customers.num_rows
    total = sum(p for _, p in PREFECTURES)
    counts = Counter(customers["prefecture"].to_pylist())
    for pref in ("東京都", "大阪府", "鳥取県"):
        share = dict(PREFECTURES)[pref] / total
        assert abs(counts[pref] - n * share) < 4 * np.sqrt(n * share * (1 - share)), pref
    assert len(counts) == 47


def test_names_are_japanese_with_kana(sample_shop):
    customers = read(sample_shop.out_dir / "customers.csv")
    name, kana = customers["name"][0].as_py(), customers["name_kana"][0].as_py()
    family, given = name.split(" ")
    assert all("\u4e00" <= ch <= "\u9fff" or "\u3040" <= ch <= "\u309f" for ch in family + given)
    assert all("\u30a0" <= ch <= "\u30ff" for ch in kana.replace(" ", ""))


def test_bad_arguments_raise_typed_errors(tmp_path):
    with pytest.raises(ConfigError):
        generate(tmp_path, customers=10, fmt="amazon")
    with pytest.raises(ConfigError):
        generate(tmp_path, customers=0)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_tiny_shops_are_written_whole(tmp_path, n):
    # With so few customers some tables are empty (no subscriber, no buyer at all).
    for fmt in ("generic", "shopify", "rakuten"):
        info = generate(tmp_path / fmt, customers=n, seed=n, fmt=fmt)
        assert all(p.stat().st_size > 0 for p in info.files)
    customers = read(tmp_path / "generic" / "customers.csv")
    assert customers.num_rows == n
    orders = read(tmp_path / "generic" / "orders.csv")
    assert set(orders["customer_id"].to_pylist()) <= set(customers["customer_id"].to_pylist())


def test_negative_seed_is_a_typed_error(tmp_path):
    with pytest.raises(ConfigError):
        generate(tmp_path, customers=10, seed=-1)


def test_a_failed_write_leaves_the_previous_file_and_no_part_file(tmp_path):
    from horetsu.sample.formats.generic import replacing

    target = tmp_path / "orders.csv"
    target.write_text("old export")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("killed")
    assert target.read_text() == "old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]
    info = generate(tmp_path / "shop", customers=50, seed=1, fmt="rakuten")
    assert not [p for p in info.out_dir.iterdir() if p.name.endswith(".part")]


def test_progress_reaches_the_end_as_callable_or_as_bar(tmp_path):
    calls = []
    generate(tmp_path / "a", customers=20, seed=0, progress=lambda label, done, total: calls.append((label, done, total)))
    assert calls[0] == ("customers", 0, 5) and calls[-1] == ("done", 5, 5)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)

    class Bar:
        seen: list = []

        def update(self, **kw):
            self.seen.append(kw)

    bar = Bar()
    generate(tmp_path / "b", customers=20, seed=0, progress=bar)
    assert bar.seen[-1] == {"total": 5, "completed": 5}
