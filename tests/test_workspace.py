from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import horetsu
from horetsu import schema
from horetsu.errors import WorkspaceError


def test_new_workspace_has_every_canonical_table_empty(ws):
    for name in schema.TABLES:
        assert ws.table(name).count().execute() == 0
    assert (ws.path / "horetsu.toml").exists()


def test_open_missing_workspace_is_a_clear_error(tmp_path):
    with pytest.raises(WorkspaceError, match="horetsu init"):
        horetsu.open_workspace(tmp_path / "nope")


def test_write_tables_switches_generation_atomically(ws):
    first = os.readlink(ws.path / "tables")
    orders = pa.table({"order_id": ["A1"], "customer_id": ["C1"], "total_jpy": [1280]})
    ws.write_tables({"orders": orders})
    second = os.readlink(ws.path / "tables")
    assert first != second
    assert (ws.path / first).is_dir()  # the previous generation is kept for `horetsu rollback`
    assert [g["name"] for g in ws.generations()] == [os.path.basename(first), os.path.basename(second)]
    again = horetsu.open_workspace(ws.path)
    assert again.table("orders").total_jpy.sum().execute() == 1280
    # untouched tables are carried over into the new generation
    assert again.read_arrow("customers").schema == schema.CUSTOMERS


def test_only_the_newest_generations_are_kept(ws):
    for k in range(4):
        ws.write_tables({"orders": pa.table({"order_id": [f"A{k}"]})}, keep=2)
    assert [g["seq"] for g in ws.generations()] == [3, 4, 5]
    assert sorted(p.name for p in (ws.path / ".gen").iterdir() if p.is_dir()) == [
        "tables-000003", "tables-000004", "tables-000005"]  # fmt: skip


def test_a_replaced_file_never_changes_the_older_generation_through_a_hard_link(ws):
    ws.write_tables({}, extra={"import_log.json": "[1]"})
    old = ws.current_generation()
    ws.write_tables({}, extra={"import_log.json": "[1, 2]"})
    assert ws.generation_file(old, "import_log.json").read_text() == "[1]"
    assert ws.generation_file(ws.current_generation(), "import_log.json").read_text() == "[1, 2]"


def test_opening_removes_what_a_killed_write_left_behind(ws):
    orphan = ws.path / ".gen" / "tables-000009"
    orphan.mkdir()
    (orphan / "orders.parquet").write_bytes(b"half")
    stale_link = ws.path / ".tables.deadbeef.lnk"
    os.symlink(".gen/tables-000009", stale_link)
    kept = ws.current_generation()
    again = horetsu.open_workspace(ws.path)
    assert not orphan.exists() and not os.path.lexists(stale_link)
    assert again.current_generation() == kept and (ws.path / ".gen" / kept).is_dir()


def test_engine_memory_limit_caps_the_embedded_duckdb_and_spills_to_its_own_temp_dir(tmp_path):
    """``[workspace] engine_memory_limit``: DuckDB gets the limit and a spill directory of
    its own under the system's temporary directory; unset, DuckDB keeps its default; a
    value that is not a size is a friendly config error naming the key."""
    import tempfile

    from horetsu.errors import ConfigError

    def settings(ws):
        return ws.con.raw_sql("select current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]

    path = tmp_path / "ws"
    plain_limit, _ = settings(horetsu.init_workspace(path))
    toml = path / "horetsu.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("[workspace]", '[workspace]\nengine_memory_limit = "64MB"', 1), encoding="utf-8")
    limit, spill = settings(horetsu.open_workspace(path))
    assert limit == "61.0 MiB" and plain_limit != limit  # DuckDB's rendering of 64 MB
    assert spill.startswith(os.path.join(tempfile.gettempdir(), "horetsu-duckdb-"))
    toml.write_text(text.replace("[workspace]", '[workspace]\nengine_memory_limit = "lots"', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[workspace.engine_memory_limit\]"):
        horetsu.open_workspace(path)


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:"))


def test_a_kept_table_is_stored_compressed_equals_its_expression_and_is_dropped_when_forgotten(ws):
    """``Workspace.keep``: on the embedded DuckDB the table lives compressed in an in-memory
    database of its own (repetitive columns take a fraction of their plain size), reads the
    same rows as the expression, and :meth:`forget` drops it."""
    import ibis

    from horetsu.workspace import KEEP_DATABASE

    n = 300_000
    expr = ibis.memtable(pa.table({"customer_id": [f"C{i % 5000:07d}" for i in range(n)],
                                   "day": pa.array([i % 365 for i in range(n)], pa.int64())}))
    expr = expr.mutate(spend=expr.day * 100)
    kept = ws.keep(expr)
    assert kept.order_by(["customer_id", "day"]).to_pyarrow().equals(
        expr.order_by(["customer_id", "day"]).to_pyarrow())
    name = kept.op().name
    info = ws.con.raw_sql(f"select column_name, compression from pragma_storage_info('{KEEP_DATABASE}.main.{name}')"
                          " where segment_type <> 'VALIDITY'").fetchall()
    methods = {col: {c for k, c in info if k == col} for col, _ in info}
    assert set(methods) == {"customer_id", "day", "spend"}
    assert all("Uncompressed" not in m for m in methods.values()), methods  # plain: 8 bytes a number
    used = ws.con.raw_sql("select sum(memory_usage_bytes) from duckdb_memory() where tag = 'IN_MEMORY_TABLE'").fetchone()[0]
    assert used < n * (16 + 8 + 8) / 2  # well under half of the uncompressed columns
    ws.forget(kept)
    tables = ws.con.raw_sql(f"select table_name from duckdb_tables() where database_name = '{KEEP_DATABASE}'").fetchall()
    assert (name,) not in tables


def test_a_parked_table_is_read_back_from_a_mapped_file_and_leaves_nothing_behind(ws):
    """``Workspace.park``: the same rows, held by a memory mapping of an unlinked file in the
    workspace (not by Arrow's allocator); pages read can be let go of and are read again when
    needed; the mapping goes with the last column using it."""
    import gc

    n = 400_000
    table = pa.table({"customer_id": pa.array([f"C{i:07d}" for i in range(n)]),
                      "spend": pa.array(range(n), pa.int64()),
                      "day": pa.array([i % 365 for i in range(n)], pa.date32())})

    def mapped() -> list[str]:
        with open("/proc/self/maps", encoding="utf-8") as fh:
            return [line for line in fh if ".parked-" in line]

    allocated = pa.total_allocated_bytes()
    parked = ws.park(table)
    assert pa.total_allocated_bytes() - allocated < 1 << 20  # no copy in Arrow's memory: 10 MB of data
    assert parked.equals(table) and parked.schema == table.schema
    assert not list(ws.path.glob(".parked-*"))  # unlinked at once
    assert mapped() and all("(deleted)" in line for line in mapped())

    def rss_file_kib() -> int:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("RssFile:"))

    # read whole (its pages are mapped in), then let go of the pages: it still reads the same
    assert pc.sum(pc.utf8_length(parked["customer_id"])).as_py() == 8 * n and pc.sum(parked["spend"]).as_py() > 0
    held = rss_file_kib()
    ws.drop_parked_pages()
    assert held - rss_file_kib() > 5_000  # ~8 MB of the file were mapped in
    assert parked.equals(table)
    ids = parked["customer_id"]
    del parked
    gc.collect()
    assert mapped() and ids[n - 1].as_py() == "C0399999"  # a column still reads the mapping
    del ids
    gc.collect()
    assert not mapped()


def test_giving_back_memory_returns_what_duckdb_freed_and_keeps_its_limit(tmp_path):
    """After DuckDB dropped a large table its allocator still holds the pages; giving them back
    shrinks the process by most of the table's size, and a configured memory limit stays."""
    path = tmp_path / "ws"
    horetsu.init_workspace(path)
    toml = path / "horetsu.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[workspace]", '[workspace]\nengine_memory_limit = "3GB"', 1),
                    encoding="utf-8")
    ws = horetsu.open_workspace(path)
    con = ws.con
    before = con.raw_sql("select current_setting('memory_limit')").fetchone()[0]
    con.raw_sql("create table big as select range as i, range::varchar as s from range(12000000)")
    con.raw_sql("create table agg as select s, count(*) as n from big group by s")
    con.raw_sql("drop table agg")
    con.raw_sql("drop table big")
    held = _rss_mib()
    ws.give_back_memory()
    assert held - _rss_mib() > 200  # the table alone was ~300 MB
    ws.give_back_memory()
    assert con.raw_sql("select current_setting('memory_limit')").fetchone()[0] == before  # no drift
    # unset, DuckDB's default is kept as DuckDB shows it (rounded to 0.1 GiB once, then stable)
    plain = horetsu.init_workspace(tmp_path / "plain")

    def gib() -> float:
        value, unit = plain.con.raw_sql("select current_setting('memory_limit')").fetchone()[0].split()
        return float(value) * {"GiB": 1.0, "MiB": 1 / 1024}[unit]

    default = gib()
    plain.give_back_memory()
    first = gib()
    assert default - 0.1 <= first <= default
    for _ in range(3):
        plain.give_back_memory()
        assert gib() == first
