"""A small HTTP client for the served app: cookies, the CSRF token of the last form, no redirects followed."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass


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
