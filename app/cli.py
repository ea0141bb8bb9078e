"""``pulsedesk``: the desktop app (default), ``serve`` headless, ``token``, and the traffic tools.

Qt is imported only on the desktop path, so ``pulsedesk serve`` runs where Qt is not installed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from argparse import SUPPRESS
from collections.abc import Sequence

from pydantic import ValidationError

from app import traffic
from server.auth.tokens import InsecureTokenFile, TokenRegistry
from server.settings import Settings

TRAFFIC_COMMANDS = ("load", "record", "replay")


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    # Absent unless given (SUPPRESS), so the environment and config file decide otherwise, and
    # a subcommand's parser does not overwrite what was given before the subcommand.
    add = parser.add_argument
    add("--host", default=SUPPRESS, help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=SUPPRESS, help="port to listen on; 0 picks a free one")
    add("--config", metavar="FILE", default=SUPPRESS, help="TOML config file")
    add("--auth", choices=["auto", "required", "off"], default=SUPPRESS, help="token policy")
    add("--broadcast-url", metavar="URL", default=SUPPRESS, help="redis://host:port/db")
    add("--log-level", choices=["debug", "info", "warning", "error"], default=SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulsedesk", description="A desktop control room for a live FastAPI service."
    )
    _add_server_options(parser)
    parser.add_argument("--connect", metavar="URL", help="watch a server elsewhere instead")
    parser.add_argument("--token", help="token for --connect (default: the local admin token)")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the server headless")
    _add_server_options(serve)
    token = commands.add_parser("token", help="print the admin token (creating it if needed)")
    token.add_argument("--config", metavar="FILE", default=SUPPRESS, help="TOML config file")
    traffic.add_commands(commands)
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    return Settings.load(
        getattr(args, "config", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        auth=getattr(args, "auth", None),
        broadcast_url=getattr(args, "broadcast_url", None),
        log_level=getattr(args, "log_level", None),
    )


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Options given before the subcommand count too: `pulsedesk --port 0 serve`.
    try:
        settings = load_settings(args)
    except (ValidationError, FileNotFoundError, ValueError) as exc:
        print(f"pulsedesk: bad settings: {exc}", file=sys.stderr)
        return 2

    if args.command == "token":
        try:
            print(TokenRegistry(settings).admin_token())
        except InsecureTokenFile as exc:
            print(f"pulsedesk: {exc}", file=sys.stderr)
            return 2
        return 0

    if args.command in TRAFFIC_COMMANDS:
        return traffic.run(args, settings)

    configure_logging(settings.log_level)
    if args.command == "serve":
        from app.headless import serve

        return serve(settings)

    from app.launch import run_desktop

    return run_desktop(settings, connect=args.connect, token=args.token)
