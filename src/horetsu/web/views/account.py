"""Log in, log out, change the password, switch the language, health check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from horetsu.web.core.access import audit, clear_failures, client_address, locked, record_failure
from horetsu.web.i18n import LANGS, text


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254)
    password = forms.CharField(max_length=4096, strip=False, widget=forms.PasswordInput)


@login_not_required
@require_GET
def healthz(request: Any) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def _next(request: Any) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return "/"
    return target


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: Any) -> HttpResponse:
    lang = request.lang
    error = ""
    status = 200
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        email = str(request.POST.get("email", "")).strip().lower()[:254]
        address = client_address(request)
        if locked(email, address):
            audit(request, "login_locked", "", who=email)
            error = text(lang, "login.locked", minutes=settings.HORETSU_SERVER.login_lockout_minutes)
            status = 429
        else:
            user = None
            if form.is_valid():
                user = authenticate(request, username=email, password=form.cleaned_data["password"])
            if user is not None and user.is_active:
                login(request, user)  # a new session key: no session fixation
                clear_failures(email)
                audit(request, "login", "")
                return HttpResponseRedirect(_next(request))
            record_failure(email, address)
            audit(request, "login_failed", "", who=email)
            error = text(lang, "login.failed")
            status = 401
    return render(request, "horetsu/login.html",
                  {"form": form, "error": error, "next": _next(request), "bare": True}, status=status)


@require_POST
def logout_view(request: Any) -> HttpResponse:
    audit(request, "logout", "")
    logout(request)
    return HttpResponseRedirect("/login")


@require_http_methods(["GET", "POST"])
def password_view(request: Any) -> HttpResponse:
    lang = request.lang
    done = error = ""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            update_session_auth_hash(request, user)
            audit(request, "password_change", "")
            done = text(lang, "password.done")
        else:
            from horetsu.web.passwords import joined, problems

            error = text(lang, "password.invalid", why=joined(problems(form.errors.as_data()), lang))
    return render(request, "horetsu/password.html", {"form": form, "done": done, "error": error},
                  status=200 if not error else 400)


@login_not_required
@require_POST
def set_lang(request: Any) -> HttpResponse:
    lang = request.POST.get("lang", "ja")
    response = HttpResponseRedirect(_next(request))
    if lang in LANGS:
        response.set_cookie("horetsu_lang", lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=request.is_secure())
    return response
