"""Fixtures of the web tests.

- ``web_ws``: the sample shop (imported and analysed), with one customer whose name and
  one event note hold ``<script>``, quotes and an SQL fragment;
- ``served``: ``horetsu serve`` started as users start it (a subprocess on a free loopback
  port), then one user per role (the owner by ``horetsu user add``); parametrised over the
  operational database (SQLite in the workspace, PostgreSQL on the throw-away server).
  Tests that need only one database use ``@pytest.mark.parametrize("served", ["sqlite"],
  indirect=True)``.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROLES = ("owner", "marketer", "analyst", "viewer")
PASSWORD = "correct horse battery staple"
HOSTILE_NAME = "<script>alert('x')</script> \"O'Neil\" '; DROP TABLE customers; --"
HOSTILE_NOTE = "<img src=x onerror=alert(1)> ' OR '1'='1"
HOSTILE_ID = "C0000003"
LAN_HOST = "shop.lan"  # a name on the shop's network: not loopback, plain http
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "web"


def make_pg_database(pg_url: str) -> str:
    import psycopg

    name = "ops_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return pg_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_database(pg_url):
    """A fresh, empty PostgreSQL database on the session's throw-away server; its URL."""
    return make_pg_database(pg_url)


def email(role: str) -> str:
    return f"{role}@example.jp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(database_url: str = "") -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env["HORETSU_LANG"] = "en"
    env.pop("HORETSU_DATABASE_URL", None)
    if database_url:
        env["HORETSU_DATABASE_URL"] = database_url
    return env


def horetsu(*args: str, env: dict[str, str], stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "horetsu.cli.app", *args], input=stdin, capture_output=True,
                         text=True, env=env, timeout=180)
    if check:
        assert out.returncode == 0, (args, out.stdout[-2000:], out.stderr[-2000:])
    return out


ADD_USERS = r"""
import sys
import horetsu
from horetsu.web.setup import setup_django
setup_django(horetsu.open_workspace(sys.argv[1]))
from django.contrib.auth import get_user_model
from horetsu.web.core.models import Role
for email, role in zip(sys.argv[3::2], sys.argv[4::2]):
    user = get_user_model().objects.create_user(username=email, email=email, password=sys.argv[2])
    Role.objects.create(user=user, role=role)
"""


def add_users(ws_path: Path, env: dict[str, str]) -> None:
    """The owner with ``horetsu user add … --password-stdin`` (as users do), the other roles in one go."""
    horetsu("user", "add", email("owner"), "--role", "owner", "--password-stdin", "-w", str(ws_path),
            env=env, stdin=PASSWORD + "\n")
    rest = [x for r in ROLES[1:] for x in (email(r), r)] + [email("locked"), "viewer"]
    out = subprocess.run([sys.executable, "-c", ADD_USERS, str(ws_path), PASSWORD, *rest], capture_output=True,
                         text=True, env=env, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]


@dataclass
class Server:
    url: str
    ws: Path
    proc: subprocess.Popen
    log: Path
    database_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(ws_path: Path, database_url: str, log: Path, port: int | None = None) -> Server:
    env = cli_env(database_url)
    port = port or free_port()
    fh = open(log, "w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "horetsu.cli.app", "serve", "-w", str(ws_path),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=fh, stderr=subprocess.STDOUT,
                            env=env)
    url = f"http://127.0.0.1:{port}"
    import urllib.request

    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("horetsu serve did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    return Server(url, ws_path, proc, log, database_url, env)


def stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()


def build_shop(root: Path, customers: int = 250, seed: int = 5, report: bool = False) -> Path:
    """Sample shop → hostile name and note → import (generic preset) → analyze."""
    import csv

    import horetsu
    from horetsu.pipeline import analyze
    from horetsu.io import import_files
    from horetsu.sample import generate

    info = generate(root / "in", customers=customers, seed=seed)
    for fname, col, value in (("customers.csv", "name", HOSTILE_NAME), ("events.csv", "note", HOSTILE_NOTE)):
        path = root / "in" / fname
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            if row["customer_id"] == HOSTILE_ID:
                row[col] = value
                if fname == "events.csv":
                    break
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    ws = horetsu.init_workspace(root / "ws")
    import_files(ws, info.files, "generic")
    analyze(ws)
    if report:
        from horetsu.report import build_report

        build_report(ws, lang="ja")
    return ws.path


@pytest.fixture(scope="session")
def web_ws(tmp_path_factory) -> Path:
    return build_shop(tmp_path_factory.mktemp("web_shop"), report=True)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def served(request, web_ws, tmp_path_factory):
    """``horetsu serve`` over the shop (started before any user exists), then one user per role.

    On SQLite (WORKSPACE/ops.sqlite3), then on PostgreSQL (HORETSU_DATABASE_URL).
    """
    url = make_pg_database(request.getfixturevalue("pg_url")) if request.param == "postgres" else ""
    server = start_server(web_ws, url, tmp_path_factory.mktemp("serve_log") / f"serve-{request.param}.log")
    server.first_output = server.output()  # type: ignore[attr-defined]
    server.db = request.param  # type: ignore[attr-defined]
    try:
        add_users(web_ws, cli_env(url))
        yield server
    finally:
        stop(server)


# ------------------------------------------------------------------ HTTP client


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Client:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.token = ""

    def request(self, method: str, path: str, data: dict | None = None, files: dict | None = None,
                headers: dict | None = None, csrf: bool = True) -> Response:
        body = None
        hdrs = {"Host": urllib.parse.urlsplit(self.base).netloc, **(headers or {})}
        if method == "POST":
            fields = dict(data or {})
            if csrf and self.token and "csrfmiddlewaretoken" not in fields:
                fields["csrfmiddlewaretoken"] = self.token
            if files:
                boundary = uuid.uuid4().hex
                parts = []
                for k, v in fields.items():
                    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
                for k, (fname, content) in files.items():
                    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{fname}"\r\n'
                                 f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
                parts.append(f"--{boundary}--\r\n".encode())
                body = b"".join(parts)
                hdrs["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            else:
                body = urllib.parse.urlencode(fields).encode()
                hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            hdrs.setdefault("Referer", self.base + "/")
            hdrs.setdefault("Origin", self.base)
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=120) as resp:
                out = Response(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as exc:
            out = Response(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())
        m = TOKEN.search(out.text) if out.headers.get("content-type", "").startswith("text/html") else None
        if m:
            self.token = m.group(1)
        return out

    def get(self, path: str, **kw) -> Response:  # noqa: ANN003
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict | None = None, **kw) -> Response:  # noqa: ANN003
        return self.request("POST", path, data, **kw)

    def login(self, email: str, password: str) -> Response:
        self.get("/login")
        return self.post("/login", {"email": email, "password": password})


@pytest.fixture(scope="session")
def client_for():
    """``client_for(server, role)``: an HTTP client logged in as that role (None: anonymous)."""

    def make(server: Server, role: str | None = None) -> Client:
        c = Client(server.url)
        if role:
            r = c.login(email(role), PASSWORD)
            assert r.status == 302, (role, r.status, r.text[:500])
        return c

    return make


@pytest.fixture(scope="session")
def web():
    """The constants of these tests (hostile texts, roles, password, artifacts folder)."""
    import types

    return types.SimpleNamespace(ROLES=ROLES, PASSWORD=PASSWORD, HOSTILE_NAME=HOSTILE_NAME, HOSTILE_NOTE=HOSTILE_NOTE,
                                 HOSTILE_ID=HOSTILE_ID, ARTIFACTS=ARTIFACTS, LAN_HOST=LAN_HOST, email=email, Client=Client,
                                 horetsu=horetsu, cli_env=cli_env, start_server=start_server, stop=stop)


URL_MAP_SCRIPT = r"""
import json, sys
import horetsu
from horetsu.web.setup import setup_django
setup_django(horetsu.init_workspace(sys.argv[1]))
from django.urls import URLResolver, get_resolver
def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):  # an included URL conf (the mail app's public pages)
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield (p.name, prefix + str(p.pattern))
print(json.dumps(sorted(walk(get_resolver().url_patterns))))
"""


@pytest.fixture(scope="session")
def url_map(tmp_path_factory) -> list[tuple[str, str]]:
    """Every (name, route) of the app's URL map, read from Django's resolver in a fresh process."""
    import json

    where = tmp_path_factory.mktemp("urlmap") / "ws"
    out = subprocess.run([sys.executable, "-c", URL_MAP_SCRIPT, str(where)], capture_output=True, text=True,
                         env=cli_env(""), timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return [tuple(x) for x in json.loads(out.stdout.strip().splitlines()[-1])]


@pytest.fixture(scope="session")
def pages_served(web_ws, tmp_path_factory):
    """``horetsu serve`` (SQLite) over a copy of the shop whose ``[mail] public_url`` is the server's
    own address, with one user per role: the survey, NPS and diagnosis pages write answers into
    it, so the shared shop of the other web tests stays as it was."""
    import shutil

    root = tmp_path_factory.mktemp("pages_shop")
    ws_path = root / "ws"
    shutil.copytree(web_ws, ws_path, symlinks=True, ignore=shutil.ignore_patterns("ops.sqlite3*", "nps", "diagnosis", ".lock"))
    port = free_port()
    with open(ws_path / "horetsu.toml", "a", encoding="utf-8") as fh:
        fh.write(f'\n[mail]\npublic_url = "http://127.0.0.1:{port}"\n')
    server = start_server(ws_path, "", root / "serve.log", port=port)
    server.db = "sqlite"  # type: ignore[attr-defined]
    try:
        add_users(ws_path, cli_env(""))
        yield server
    finally:
        stop(server)
