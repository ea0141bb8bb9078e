"""``pulsedesk``: the desktop app (default), ``serve`` headless, ``token``, and the traffic tools.

Qt is imported only on the desktop path, so ``pulsedesk serve`` runs where Qt is not installed;
the desktop path checks that Qt is there before it starts anything.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import platform
import sys
from argparse import SUPPRESS
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from app import commands as commands_module
from app import traffic
from app.config_file import Origin
from app.events import add_command as add_events_command
from server.auth.tokens import InsecureTokenFile, TokenRegistry
from server.config_errors import ConfigError
from server.settings import Settings

SETTINGS_HELP = """\
settings, highest first: these flags, PULSEDESK_* environment variables (every setting,
e.g. PULSEDESK_PORT=8001, PULSEDESK_BROADCAST_URL; nested ones with __), the TOML config file
(--config FILE or PULSEDESK_CONFIG), then the defaults. The README lists every setting."""

TRAFFIC_COMMANDS = ("load", "record", "replay")

# What the window needs beyond the server: the desktop extra.
DESKTOP_MODULES = ("PySide6", "qasync", "segno")


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    # Absent unless given (SUPPRESS), so the environment and config file decide otherwise, and
    # a subcommand's parser does not overwrite what was given before the subcommand.
    add = parser.add_argument
    defaults = Settings.model_fields
    add(
        "--host",
        default=SUPPRESS,
        help=f"address to listen on (default {defaults['host'].default})",
    )
    add(
        "--port",
        type=int,
        default=SUPPRESS,
        help=f"port to listen on; 0 picks a free one (default {defaults['port'].default})",
    )
    add("--config", metavar="FILE", default=SUPPRESS, help="TOML config file (PULSEDESK_CONFIG)")
    add(
        "--auth",
        choices=["auto", "required", "off"],
        default=SUPPRESS,
        help="token policy (default auto: required when listening beyond loopback)",
    )
    add(
        "--broadcast-url",
        metavar="URL",
        default=SUPPRESS,
        help="share broadcasts: redis://host:port/db",
    )
    add(
        "--data-dir",
        metavar="DIR",
        default=SUPPRESS,
        help="where the message stores live (PULSEDESK_DATA_DIR; default the user data dir)",
    )
    add(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default=SUPPRESS,
        help=f"(default {defaults['log_level'].default})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulsedesk",
        description="A desktop control room for a live FastAPI service: opens the window with\n"
        "the server embedded in it, watches a server elsewhere (--connect), or runs the server\n"
        "alone (serve).",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_server_options(parser)
    parser.add_argument("--connect", metavar="URL", help="watch a server elsewhere instead")
    parser.add_argument("--token", help="token for --connect (default: the local admin token)")
    parser.add_argument(
        "-V", "--version", action="store_true", help="print the version and exit (-v: more)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="with --version: Python and Qt versions too"
    )
    commands = parser.add_subparsers(dest="command", title="commands")
    serve = commands.add_parser(
        "serve",
        help="run the server headless (no window, no Qt needed)",
        description="Run the PulseDesk server alone, in the foreground, until Ctrl+C or SIGTERM.\n"
        "It prints its URL and needs no Qt and no display (the window is `pulsedesk`).",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_server_options(serve)
    token = commands.add_parser(
        "token",
        help="print the admin token (creating it if needed)",
        description="Print the admin token: the configured one, else the one in the user "
        "config dir, created (mode 0600) on first use.",
    )
    token.add_argument("--config", metavar="FILE", default=SUPPRESS, help="TOML config file")
    traffic.add_commands(commands)
    commands_module.add_commands(commands)
    add_events_command(commands)
    return parser


def version_text(verbose: bool) -> str:
    """``pulsedesk X.Y.Z``; verbose adds Python and, when it can be imported, Qt."""
    try:
        ours = version("pulsedesk")
    except PackageNotFoundError:  # a source tree that was never installed
        ours = "0.0.0+source"
    lines = [f"pulsedesk {ours}"]
    if verbose:
        lines.append(f"Python {platform.python_version()} ({sys.executable})")
        try:
            import PySide6
            from PySide6 import QtCore
        except ImportError:
            lines.append("Qt: not installed (the window needs pip install 'pulsedesk[desktop]')")
        else:
            lines.append(f"Qt {QtCore.qVersion()} (PySide6 {PySide6.__version__})")
    return "\n".join(lines)


def missing_desktop_modules() -> list[str]:
    """The modules the window needs that cannot be imported here."""
    missing = []
    for name in DESKTOP_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def given_flags(args: argparse.Namespace) -> dict[str, object]:
    """The settings given as flags, by setting name."""
    names = ("host", "port", "auth", "broadcast_url", "data_dir", "log_level")
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def load_settings(args: argparse.Namespace) -> Settings:
    return Settings.load(getattr(args, "config", None), **given_flags(args))


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(version_text(args.verbose))
        return 0
    if args.command is None:
        missing = missing_desktop_modules()
        if missing:
            print(
                f"pulsedesk: the window needs {' and '.join(missing)}: "
                "pip install 'pulsedesk[desktop]' (pulsedesk serve runs the server without it)",
                file=sys.stderr,
            )
            return 2
    if (args.command, getattr(args, "action", None)) in commands_module.NO_SETTINGS:
        return commands_module.run_without_settings(args)
    # Options given before the subcommand count too: `pulsedesk --port 0 serve`.
    for warning in Settings.unknown_variables():
        print(f"pulsedesk: warning: {warning}", file=sys.stderr)
    try:
        settings = load_settings(args)
    except ConfigError as exc:
        print(f"pulsedesk: {exc}", file=sys.stderr)
        return 2

    if args.command in ("config", "users"):
        return commands_module.run(args, settings, given_flags(args))

    if args.command == "token":
        try:
            print(TokenRegistry(settings).admin_token())
        except InsecureTokenFile as exc:
            print(f"pulsedesk: {exc}", file=sys.stderr)
            return 2
        return 0

    if args.command in TRAFFIC_COMMANDS:
        return traffic.run(args, settings)

    if args.command == "events":
        from app.events import command

        return command(args, settings)

    configure_logging(settings.log_level)
    if args.command == "serve":
        from app.headless import serve

        return serve(settings)

    from app.launch import run_desktop

    origin = Origin(getattr(args, "config", None), given_flags(args))
    return run_desktop(settings, connect=args.connect, token=args.token, origin=origin)
