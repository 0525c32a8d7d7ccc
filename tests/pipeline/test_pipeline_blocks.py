"""results/customers is worded and written in blocks of customers: the file is the same
table whatever the block size, and every row's sentences are that row's own."""

from __future__ import annotations


import pyarrow.parquet as pq

from horetsu import pipeline
from horetsu.pipeline import analyze
from horetsu.stages.policy import load_stage_policy
from horetsu_tests_pipeline_property import AS_OF, POLICIES, random_shop


def test_blocks_of_seven_write_the_table_one_block_writes(shop, make_ws, monkeypatch):
    ws = make_ws(random_shop(shop, 11, n=40), POLICIES[1])
    monkeypatch.setattr(pipeline, "CUSTOMER_BLOCK_ROWS", 1_000_000)
    analyze(ws, AS_OF)
    whole = pq.read_table(ws.result_path("customers"))
    monkeypatch.setattr(pipeline, "CUSTOMER_BLOCK_ROWS", 7)
    res = analyze(ws, AS_OF)
    stored = pq.ParquetFile(ws.result_path("customers"))
    n = whole.num_rows
    assert n > 21 and stored.metadata.num_row_groups == -(-n // 7)  # ceil(n / 7) blocks
    blocks = stored.read()
    assert blocks.schema == whole.schema and blocks.schema.metadata == whole.schema.metadata
    assert blocks.equals(whole)
    # the result handed back reads the same file: every customer, headline from three columns
    assert res.customers.equals(blocks)
    assert res.headline()["customers"] == n and "customers" in res.tables
    # each sentence belongs to its own row: it opens with that row's stage name (en and ja)
    policy = load_stage_policy(ws)
    for row in blocks.select(["stage", "stage_evidence", "stage_evidence_ja"]).to_pylist():
        assert row["stage_evidence"].startswith(policy.stage(row["stage"]).en + " (")
        assert row["stage_evidence_ja"].startswith(policy.stage(row["stage"]).ja + "(")
