"""``horetsu user``: accounts of the web app (add, list, set-password, set-role, disable)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from horetsu.cli.common import WorkspaceOpt, console, t

ROLE_HELP = "owner | marketer | analyst | viewer"


def _setup(workspace: Any) -> Any:
    from horetsu.web.setup import setup_django
    from horetsu.workspace import open_workspace

    ws = open_workspace(workspace)
    setup_django(ws)
    return ws


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(t("パスワード", "Password"), hide_input=True, confirmation_prompt=True)


def _check_role(role: str) -> str:
    from horetsu.errors import ConfigError
    from horetsu.web.core.models import ROLES

    if role not in ROLES:
        raise ConfigError(f"--role must be one of {ROLE_HELP}, not {role!r}",
                          ja=f"--role は {ROLE_HELP} のいずれかです（{role!r} は使えません）")
    return role


def _validate_password(password: str, user: Any = None) -> None:
    from horetsu.errors import ConfigError
    from horetsu.web.passwords import check, joined

    found = check(password, user)
    if found:
        raise ConfigError(f"the password is too weak: {joined(found, 'en')}",
                          ja=f"パスワードが弱すぎます: {joined(found, 'ja')}")


def _user(email: str) -> Any:
    from django.contrib.auth import get_user_model

    from horetsu.errors import ConfigError

    user = get_user_model().objects.filter(username=email.strip().lower()).first()
    if user is None:
        raise ConfigError(f"no user {email!r}", ja=f"ユーザー {email!r} はいません")
    return user


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="Web app accounts. / Web アプリのユーザー", no_args_is_help=True,
                        rich_markup_mode="markdown")
    app.add_typer(users, name="user")

    @users.command("add")
    def add(
        email: Annotated[str, typer.Argument(help="The user's e-mail (the login name). / メールアドレス")],
        role: Annotated[str, typer.Option("--role", help=f"{ROLE_HELP}. / 役割")],
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin. / 標準入力から読む")] = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Create a user of the web app. / Web アプリのユーザーを作成します。

        Roles: owner (users, settings, overrides), marketer (campaigns, sends, imports),
        analyst (everything read-only, personal data and exports), viewer (aggregate pages only).

        Example: horetsu user add owner@example.jp --role owner --workspace ./shop-data
        """
        from django.contrib.auth import get_user_model
        from django.core.validators import validate_email
        from django.db import transaction

        from horetsu.errors import ConfigError

        _setup(workspace)
        from horetsu.web.core.models import AuditEntry, Role

        email = email.strip().lower()
        try:
            validate_email(email)
        except Exception:  # noqa: BLE001 - Django's ValidationError
            raise ConfigError(f"{email!r} is not an e-mail address", ja=f"{email!r} はメールアドレスではありません") from None
        _check_role(role)
        model = get_user_model()
        if model.objects.filter(username=email).exists():
            raise ConfigError(f"the user {email} exists already", ja=f"ユーザー {email} はすでにいます")
        password = _read_password(password_stdin)
        _validate_password(password, model(username=email, email=email))
        with transaction.atomic():
            user = model.objects.create_user(username=email, email=email, password=password)
            Role.objects.create(user=user, role=role)
            AuditEntry.objects.create(who="(cli)", action="user_add", detail=f"{email} role={role}")
        console.print(t(f"ユーザーを作成しました: {email}（{role}）", f"User created: {email} ({role})"), highlight=False)

    @users.command("list")
    def list_(workspace: WorkspaceOpt = None) -> None:
        """List the users and their roles. / ユーザーと役割の一覧を表示します。

        Example: horetsu user list --workspace ./shop-data
        """
        _setup(workspace)
        from horetsu.web.core.models import Role

        for r in Role.objects.select_related("user").order_by("user__username"):
            state = "" if r.user.is_active else t(" （無効）", " (disabled)")
            console.print(f"{r.user.get_username()}\t{r.role}{state}", highlight=False)

    @users.command("set-password")
    def set_password(
        email: Annotated[str, typer.Argument(help="The user's e-mail. / メールアドレス")],
        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin. / 標準入力から読む")] = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Set a new password (and lift a login lockout). / パスワードを設定し直します。

        Example: horetsu user set-password owner@example.jp --workspace ./shop-data
        """
        _setup(workspace)
        from horetsu.web.core.access import clear_failures
        from horetsu.web.core.models import AuditEntry

        user = _user(email)
        password = _read_password(password_stdin)
        _validate_password(password, user)
        user.set_password(password)
        user.save()
        clear_failures(user.get_username())
        AuditEntry.objects.create(who="(cli)", action="user_password", detail=user.get_username())
        console.print(t("パスワードを設定しました。", "The password has been set."), highlight=False)

    @users.command("set-role")
    def set_role(
        email: Annotated[str, typer.Argument(help="The user's e-mail. / メールアドレス")],
        role: Annotated[str, typer.Option("--role", help=f"{ROLE_HELP}. / 役割")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change a user's role. / ユーザーの役割を変更します。

        Example: horetsu user set-role staff@example.jp --role analyst --workspace ./shop-data
        """
        _setup(workspace)
        from horetsu.web.core.models import AuditEntry, Role

        user = _user(email)
        Role.objects.update_or_create(user=user, defaults={"role": _check_role(role)})
        AuditEntry.objects.create(who="(cli)", action="user_role", detail=f"{user.get_username()} role={role}")
        console.print(t(f"役割を {role} にしました。", f"The role is now {role}."), highlight=False)

    @users.command("disable")
    def disable(
        email: Annotated[str, typer.Argument(help="The user's e-mail. / メールアドレス")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Disable a user (cannot log in any more; sessions end). / ユーザーを無効にします。

        Example: horetsu user disable staff@example.jp --workspace ./shop-data
        """
        _setup(workspace)
        from horetsu.web.core.models import AuditEntry

        user = _user(email)
        user.is_active = False
        user.save()
        AuditEntry.objects.create(who="(cli)", action="user_disable", detail=user.get_username())
        console.print(t("ユーザーを無効にしました。", "The user has been disabled."), highlight=False)
