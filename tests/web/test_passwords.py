"""Password rules answered in both languages: on the password page and by ``horetsu user``.

Django's validators decide (at least 10 characters, not a common password); the sentences
are ours, in Japanese and in English (Django's own messages are English only).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("web")
SQLITE = pytest.mark.parametrize("served", ["sqlite"], indirect=True)

SHORT = ("パスワードは10文字以上にしてください。", "The password must have at least 10 characters.")
COMMON = ("よく使われているパスワードです。", "This password is too common")


@SQLITE
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_cli_explains_a_weak_password_in_the_users_language(served, web, lang):
    env = {**web.cli_env(), "HORETSU_LANG": lang}
    i = 0 if lang == "ja" else 1
    who = f"weak-{lang}@example.jp"
    short = web.horetsu("user", "add", who, "--role", "viewer", "--password-stdin", "-w", str(served.ws),
                        env=env, stdin="abc123xyz\n", check=False)
    assert short.returncode != 0
    out = short.stdout + short.stderr
    assert SHORT[i] in out and SHORT[1 - i] not in out, out
    common = web.horetsu("user", "add", who, "--role", "viewer", "--password-stdin", "-w", str(served.ws),
                         env=env, stdin="password1234\n", check=False)
    out = common.stdout + common.stderr
    assert common.returncode != 0 and COMMON[i] in out and SHORT[i] not in out, out  # 12 characters: long enough
    listed = web.horetsu("user", "list", "-w", str(served.ws), env=env).stdout
    assert who not in listed
    reset = web.horetsu("user", "set-password", web.email("viewer"), "--password-stdin", "-w", str(served.ws),
                        env=env, stdin="qwertyuiop\n", check=False)
    out = reset.stdout + reset.stderr
    assert reset.returncode != 0 and COMMON[i] in out, out


@SQLITE
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_password_page_explains_in_the_pages_language(served, client_for, web, lang):
    c = client_for(served, "marketer")
    c.get("/password")
    assert c.post("/lang", {"lang": lang, "next": "/password"}).status == 302
    assert ('lang="ja"' if lang == "ja" else 'lang="en"') in c.get("/password").text
    i = 0 if lang == "ja" else 1
    r = c.post("/password", {"old_password": web.PASSWORD, "new_password1": "abc", "new_password2": "abc"})
    assert r.status == 400
    assert SHORT[i] in r.text and COMMON[i] in r.text and SHORT[1 - i] not in r.text
    wrong = ("今のパスワードが違います。", "The current password is wrong.")[i]
    r = c.post("/password", {"old_password": "not my password", "new_password1": "a much longer one 77",
                             "new_password2": "a much longer one 77"})
    assert r.status == 400 and wrong in r.text
    differ = ("新しいパスワードが 2 回で違います。", "The two new passwords differ.")[i]
    r = c.post("/password", {"old_password": web.PASSWORD, "new_password1": "a much longer one 77",
                             "new_password2": "a much longer one 78"})
    assert r.status == 400 and differ in r.text
    assert client_for(served, "marketer").get("/").status == 200  # nothing changed: the old password works
