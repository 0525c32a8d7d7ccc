"""Password rules in both languages: Django's validators decide, this module words the answer.

Django's password validators (``AUTH_PASSWORD_VALIDATORS``: at least 10 characters, not a
common password) and the password-change form give English messages only (Django's own
translations are off: labels are (ja, en) pairs here). Each of their errors carries a
``code`` and ``params``; :func:`problems` turns them into (English, Japanese) sentences,
the same for the web page and for ``horetsu user add`` / ``set-password``.
"""

from __future__ import annotations

from typing import Any

#: Django's error code → (English, Japanese); ``{min_length}`` / ``{field}`` from its params
MESSAGES: dict[str, tuple[str, str]] = {
    "password_too_short": ("The password must have at least {min_length} characters.",
                           "パスワードは{min_length}文字以上にしてください。"),
    "password_too_common": ("This password is too common; choose another one.",
                            "よく使われているパスワードです。別のものにしてください。"),
    "password_too_similar": ("The password is too close to the account's {field}.",
                             "パスワードがアカウントの{field_ja}に似すぎています。"),
    "password_entirely_numeric": ("The password must not be digits only.",
                                  "数字だけのパスワードは使えません。"),
    "password_incorrect": ("The current password is wrong.", "今のパスワードが違います。"),
    "password_mismatch": ("The two new passwords differ.", "新しいパスワードが 2 回で違います。"),
    "required": ("Fill in every field.", "すべての欄を入力してください。"),
}
_FIELDS_JA = {"username": "ユーザー名", "email": "メールアドレス", "email address": "メールアドレス",
              "first name": "名", "last name": "姓"}


def _one(error: Any) -> tuple[str, str]:
    """(en, ja) of one Django ``ValidationError`` (its code; its own text when the code is unknown)."""
    code = getattr(error, "code", None) or ""
    params = dict(getattr(error, "params", None) or {})
    if code not in MESSAGES:
        text = " ".join(error.messages) if hasattr(error, "messages") else str(error)
        return text, text
    field = str(params.get("verbose_name", "") or "")
    values = {**params, "field": field, "field_ja": _FIELDS_JA.get(field.lower(), field)}
    en, ja = MESSAGES[code]
    return en.format_map(_Missing(values)), ja.format_map(_Missing(values))


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""


def problems(errors: Any) -> list[tuple[str, str]]:
    """(en, ja) per error: a ``ValidationError`` (of one or many) or a form's ``errors.as_data()``."""
    if isinstance(errors, dict):
        items = [e for errs in errors.values() for e in errs]
    else:
        items = list(getattr(errors, "error_list", None) or [errors])
    out: list[tuple[str, str]] = []
    for e in items:
        for sub in getattr(e, "error_list", [e]):
            pair = _one(sub)
            if pair not in out:
                out.append(pair)
    return out


def check(password: str, user: Any = None) -> list[tuple[str, str]]:
    """What is wrong with ``password`` by the configured validators, as (en, ja); empty: fine."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        return problems(exc)
    return []


def joined(pairs: list[tuple[str, str]], lang: str) -> str:
    """The sentences in ``lang`` ('ja' or 'en'), one after the other."""
    return ("" if lang == "ja" else " ").join(p[1 if lang == "ja" else 0] for p in pairs)
