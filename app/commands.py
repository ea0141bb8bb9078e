"""``pulsedesk config ...`` and ``pulsedesk users ...``: the config file and the people with
tokens, from a terminal.

``users`` talks to the running server when one answers at the configured address (so a
revoke takes effect at once), and edits the user store directly otherwise.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app import config_file
from server.auth.tokens import InsecureTokenFile, TokenRegistry
from server.auth.users import UnknownUser, UserExists, UserStoreError, check_name
from server.settings import Settings
from server.transport.server import display_url

if TYPE_CHECKING:
    import httpx

#: Commands that need no valid settings: they must work to repair a broken file.
NO_SETTINGS = {("config", "path"), ("config", "init")}


def add_commands(commands: Any) -> None:
    """Add ``config`` and ``users`` to the ``pulsedesk`` command's subparsers."""
    config = commands.add_parser("config", help="the config file: path, init, show")
    config.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS)
    actions = config.add_subparsers(dest="action", required=True)
    actions.add_parser("path", help="print where the config file is (read when it exists)")
    init = actions.add_parser("init", help="write a commented config file with the defaults")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    actions.add_parser("show", help="print the effective settings and where each came from")

    users = commands.add_parser("users", help="people and tools with tokens of their own")
    users.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS)
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="make a user and print their token, once")
    add.add_argument("name")
    add.add_argument("--role", choices=["user", "admin"], default="user")
    actions.add_parser("list", help="names, roles, created and last used")
    revoke = actions.add_parser("revoke", help="revoke a user's token now")
    revoke.add_argument("name")


def fail(message: str) -> int:
    print(f"pulsedesk: {message}", file=sys.stderr)
    return 2


def run_without_settings(args: argparse.Namespace) -> int:
    """``config path`` and ``config init``."""
    path = config_file.file_in_use(getattr(args, "config", None))
    if args.action == "path":
        print(path)
        return 0
    if path.exists() and not args.force:
        return fail(f"{path} already exists; edit it, or pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_file.init_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def run(args: argparse.Namespace, settings: Settings, flags: dict[str, Any]) -> int:
    """``config show`` and ``users ...``, with the settings already loaded."""
    if args.command == "config":
        where = config_file.sources(flags, getattr(args, "config", None))
        print(config_file.show_text(settings, where), end="")
        return 0
    try:
        return _users(args, settings)
    except (UserStoreError, InsecureTokenFile) as exc:
        return fail(str(exc))


def _server(settings: Settings) -> httpx.Client | None:
    """A client for the server at the configured address when it answers, else None."""
    # Here, not at the top: `pulsedesk` imports this module for its parser at every launch.
    import httpx

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    url = display_url(host, settings.port)
    token = TokenRegistry(settings).admin_token()
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    try:
        client.get("/healthz").raise_for_status()
    except httpx.HTTPError:
        client.close()
        return None
    return client


def _users(args: argparse.Namespace, settings: Settings) -> int:
    if args.action in ("add", "revoke"):
        try:
            check_name(args.name)
        except ValueError as exc:
            return fail(f"{args.name!r}: {exc}")
    client = _server(settings) if settings.port else None
    if client is not None:
        try:
            return _users_over_http(args, client)
        finally:
            client.close()
    store = TokenRegistry(settings).store
    if args.action == "add":
        if args.name in settings.users:
            return fail(f"{args.name!r} is defined in the config file already")
        try:
            user, token = store.add(args.name, args.role)
        except UserExists as exc:
            return fail(str(exc))
        _print_token(user.name, user.role, token)
    elif args.action == "list":
        rows: list[tuple[str, str, str, str]] = [
            (name, spec.role, "config file", "-") for name, spec in settings.users.items()
        ]
        for user in store.users():
            info = user.public()
            rows.append((user.name, user.role, _day(info["created"]), _when(info["last_used"])))
        _print_rows(rows)
    else:
        try:
            store.revoke(args.name)
        except UnknownUser:
            return fail(f"no user {args.name!r} (pulsedesk users list shows who there is)")
        print(f"revoked {args.name}")
    return 0


def _users_over_http(args: argparse.Namespace, client: httpx.Client) -> int:
    if args.action == "add":
        response = client.post("/api/v1/users", json={"name": args.name, "role": args.role})
    elif args.action == "list":
        response = client.get("/api/v1/users")
    else:
        response = client.delete(f"/api/v1/users/{args.name}")
    if response.is_error:
        detail = response.json().get("detail", response.text)
        return fail(f"the server at {client.base_url} said {response.status_code}: {detail}")
    if args.action == "add":
        body = response.json()
        _print_token(body["name"], body["role"], body["token"])
    elif args.action == "list":
        rows = []
        for user in response.json()["users"]:
            if user["source"] == "config":
                rows.append((user["name"], user["role"], "config file", "-"))
                continue
            created, last = (_parsed(user[key]) for key in ("created", "last_used"))
            rows.append((user["name"], user["role"], _day(created), _when(last)))
        _print_rows(rows)
    else:
        print(f"revoked {args.name} (their connections are closed)")
    return 0


def _parsed(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else "-"


def _when(moment: datetime | None) -> str:
    """A last-used time the same way from the server and from the file, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "never"


def _print_token(name: str, role: str, token: str) -> None:
    print(f"made {name} ({role}); their token, shown this once:")
    print(token)


def _print_rows(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("NAME", "ROLE", "CREATED", "LAST USED")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  ".join([*cells, row[3]]))
