"""Helpers of the mail tests: a small shop, a recording SMTP server in its own process,
and the CLI run as users run it (a subprocess: Django serves one workspace per process)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
JST = dt.timezone(dt.timedelta(hours=9))

def sequence(*steps: tuple[str, str, int], holdout: float = 0.0, stop_when: tuple[str, ...] = ("purchased", "unsubscribed"),
             trigger: str = "first_purchase", description: str = "") -> str:
    """A sequence file's text: ``steps`` are (tactic, template, delay_days)."""
    head = [f'description = "{description}"'] if description else []
    head += [f'trigger = "{trigger}"', f"holdout = {holdout}",
             "stop_when = [" + ", ".join(f'"{s}"' for s in stop_when) + "]"]
    body = [f'\n[[steps]]\ntactic = "{t}"\ntemplate = "{m}"\ndelay_days = {d}' for t, m, d in steps]
    return "\n" + "\n".join(head) + "\n" + "\n".join(body) + "\n"


FIRST_STEPS = (("thank_you", "fp_thanks", 1), ("follow_up_email", "fp_follow_up", 2))
WELCOME = sequence(*FIRST_STEPS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Smtp:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.log = tmp / "smtp.jsonl"
        ready = tmp / "smtp.ready"
        self.proc = subprocess.Popen([sys.executable, str(HERE / "smtp_server.py"), str(self.port), str(ready), str(self.log)])
        for _ in range(200):
            if ready.exists():
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("the SMTP server did not start")

    def messages(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line.strip()]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def make_shop(root: Path, emails: list[str], *, smtp_port: int, first_purchase: str = "2026-09-29",
              sequence: str = WELCOME, extra_toml: str = "") -> Path:
    """A workspace with one first purchase per customer, stored results and one sequence."""
    import horetsu
    from horetsu import schema
    from horetsu.mail.sequences import install_defaults

    ws = horetsu.init_workspace(root)
    n = len(emails)
    ids = [f"C{i:03d}" for i in range(n)]
    day = dt.date.fromisoformat(first_purchase)
    reg = dt.datetime.combine(day, dt.time(10), tzinfo=JST)
    customers = pa.table({
        "customer_id": ids, "email_norm": emails, "name": [f"顧客{i}" for i in range(n)],
        "registered_at": pa.array([reg] * n, schema.TS), "accepts_email": [True] * n,
    })
    orders = pa.table({
        "order_id": [f"O{i}" for i in range(n)], "customer_id": ids,
        "ordered_at": pa.array([reg] * n, schema.TS), "order_date": pa.array([day] * n, pa.date32()),
        "total_jpy": pa.array([3000] * n, pa.int64()),
    })
    ws.write_tables({"customers": schema.conform("customers", customers), "orders": schema.conform("orders", orders)})
    ws.write_results({"customers": pa.table({"customer_id": ids, "stage": ["landing"] * n, "temperature": ["active"] * n})})
    install_defaults(ws)
    for f in (root / "sequences").glob("*.toml"):
        f.unlink()
    (root / "sequences" / "welcome.toml").write_text(sequence, encoding="utf-8")
    (root / "horetsu.toml").write_text(f"""
[workspace]
lang = "ja"
shop_name = "テスト商店"

[mail]
from_address = "shop@example.jp"
sender_name = "テスト商店"
postal_address = "東京都千代田区1-1-1"
contact = "support@example.jp"
public_url = "http://127.0.0.1:8000"
smtp_url = "smtp://127.0.0.1:{smtp_port}"
lease_seconds = 300
retry_base_seconds = 60
{extra_toml}
""", encoding="utf-8")
    return root


def cli(ws: Path, *args: str, check: bool = True, script: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en"}
    env.pop("HORETSU_DATABASE_URL", None)
    code = script or "import sys; from horetsu.cli.app import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, *args, "--workspace", str(ws)],
                          capture_output=True, text=True, env=env, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


RUNS = """
import json, sys
import horetsu
from horetsu.mail.worker import run
ws = horetsu.open_workspace(sys.argv[1])
for now in sys.argv[2:]:
    r = run(ws, now)
    print(json.dumps({"quiet": r.quiet, **r.outcomes}))
"""


def runs(ws: Path, *nows: str) -> list[dict]:
    """``mail run`` at each ``--now`` in turn, in one process (imports and Django set up once)."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en"}
    env.pop("HORETSU_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-c", RUNS, str(ws), *nows], capture_output=True, text=True, env=env, timeout=900)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return [json.loads(line) for line in proc.stdout.splitlines()]
