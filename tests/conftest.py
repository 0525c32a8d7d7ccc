"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def ws(tmp_path):
    """A fresh, empty workspace."""
    import horetsu

    return horetsu.init_workspace(tmp_path / "ws")


# ------------------------------------------------- engines (one server per test worker)
def _pg_bin() -> str:
    """The newest installed PostgreSQL's binaries (Debian: /usr/lib/postgresql/<major>/bin)."""
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `bash scripts/setup.sh --test` (installs postgresql)")
    return found[-1].rsplit("/", 1)[0]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_url():
    """A throw-away PostgreSQL server on a free loopback port (initdb refuses root: run as `postgres`)."""
    import os
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="horetsu-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    pg_bin = _pg_bin()
    run = lambda *a: subprocess.run([*prefix, *a], check=True, capture_output=True)  # noqa: E731
    run(f"{pg_bin}/initdb", "-D", str(data), "-A", "trust", "-U", "horetsu", "-E", "UTF8", "--locale=C", "--no-sync")
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    run(f"{pg_bin}/pg_ctl", "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start")
    try:
        yield f"postgres://horetsu@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, f"{pg_bin}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def spark_con(tmp_path_factory):
    """An Ibis connection to a PySpark local[2] session (Java 17); nothing written to the checkout."""
    import ibis
    from pyspark.sql import SparkSession

    where = tmp_path_factory.mktemp("spark")
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.warehouse.dir", str(where / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={where}")
        .appName("horetsu-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")  # tiny data: fewer tasks, less scheduling
        .config("spark.default.parallelism", "2")
        .config("spark.sql.codegen.wholeStage", "false")  # skip Java code generation for small queries
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "Asia/Tokyo")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield ibis.pyspark.connect(spark)
    finally:
        spark.stop()


@pytest.fixture(scope="session")
def spark_publish():
    """A function registering a workspace's tables as cached Spark temp views (faster than saveAsTable)."""
    return _publish_views


def _publish_views(spark_con, ws) -> None:
    """Register the workspace tables as cached Spark temp views (faster than saveAsTable for tests)."""
    spark = spark_con._session
    for name in ("customers", "orders", "order_lines", "subscriptions", "events"):
        df = spark.createDataFrame(ws.read_arrow(name))
        df.cache().createOrReplaceTempView(name)
