"""Preferences, People and About wired to the running desktop: what those dialogs need from
the server's side (the Settings model, the config file, the paths, the versions).

Server settings are saved into the config file (``app.config_file``) and take effect through
a restart of the embedded server, only when one of them changed. Window settings live in
QSettings, as the window's geometry does: they belong to this desktop, not to the server.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import sys
from collections.abc import Coroutine, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, qVersion

from app import autostart, config_file
from app.embedded import ServerState
from app.log_file import log_file_path
from server.config_errors import ConfigError
from server.observe.probes import probe
from server.settings import Settings, is_ip_address
from server.transport.server import CannotListen, PortInUse, bind_socket
from ui.core.api import ApiClient

if TYPE_CHECKING:
    from app.desktop import Desktop
    from ui.dialogs.about import AboutDialog
    from ui.dialogs.people import PeopleDialog
    from ui.dialogs.preferences import PreferencesDialog

logger = logging.getLogger("pulsedesk.desktop")

#: Window settings: QSettings key and default.
WINDOW_KEYS: dict[str, tuple[str, Any]] = {
    "close_to_tray": ("window/close_to_tray", False),
    "start_server": ("window/start_server", True),
    "launch_at_login": ("window/launch_at_login", False),
    "log_cap": ("log/cap", 50_000),
    "theme": ("appearance/theme", "system"),
    "notify_down": ("notify/down", True),
    "notify_up": ("notify/up", True),
    "notify_slow_client": ("notify/slow_client", True),
    "notify_new_channel": ("notify/new_channel", True),
}


#: Tasks started from a dialog's signal, kept until done (the loop holds weak references only).
_running: set[asyncio.Future[Any]] = set()


def spawn(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    task = asyncio.ensure_future(coroutine)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


def read_window_values(qsettings: QSettings) -> dict[str, Any]:
    """The window settings saved in QSettings, with their defaults."""
    values: dict[str, Any] = {}
    for name, (key, default) in WINDOW_KEYS.items():
        raw = qsettings.value(key, default)
        if isinstance(default, bool):
            values[name] = str(raw).lower() == "true"
        elif isinstance(default, int):
            values[name] = int(str(raw))
        else:
            values[name] = str(raw)
    return values


def muted_kinds(values: Mapping[str, Any]) -> set[str]:
    """Notification kinds turned off: "down", "up", "slow_client", "new_channel"."""
    return {
        name.removeprefix("notify_")
        for name, on in values.items()
        if name.startswith("notify_") and not on
    }


def check_server_values(values: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The Preferences dialog's check: the server's own Settings model, nothing else."""
    errors = config_file.validation_errors(values)
    if errors:
        return errors, {}
    settings = Settings.model_validate(dict(values))
    return {}, {key: getattr(settings, key) for key in values}


async def test_target(url: str) -> str:
    """Probe a check target from this machine, as the server would; one line in words."""
    result = await probe(url, timeout=5.0)
    if result.healthy:
        return f"healthy, {result.latency_ms:.0f} ms"
    return f"unhealthy: {result.error or 'no answer'}"


def listen_problem(host: str, port: int, *, own_port: int | None = None) -> str | None:
    """Why the server could not listen on host:port now, in one line for Preferences; None
    when it could. Tried as the server binds (``bind_socket``), except where trying tells
    nothing: port 0 (any free one), ``own_port`` (the running server's: it lets go of it to
    restart) and a host name (looking it up could keep the window waiting)."""
    if port in (0, own_port) or not is_ip_address(host.strip("[]")):
        return None
    try:
        bind_socket(host, port).close()
    except PortInUse as exc:
        who = exc.holder or "another program"
        return f"Port {port} is already in use by {who}: pick another port, or 0 for any free one."
    except CannotListen as exc:
        reason = str(exc)  # "cannot listen on 10.0.0.9:8000: Cannot assign requested address"
        return f"{reason[:1].upper()}{reason[1:]}."
    return None


def held_port(desktop: Desktop) -> int | None:
    """The port the embedded server holds now: in use by PulseDesk itself, not by another."""
    server = desktop.server
    if server is None or server.state not in (ServerState.RUNNING, ServerState.STARTING):
        return None
    return server.port


def server_values(settings: Settings) -> dict[str, Any]:
    from ui.dialogs.preferences import SERVER_KEYS

    return {key: getattr(settings, key) for key in SERVER_KEYS}


def open_preferences(desktop: Desktop) -> PreferencesDialog:
    # The dialog's module, with the list of server keys, is imported when it is first opened.
    from ui.dialogs.preferences import SERVER_KEYS, PreferencesDialog

    settings = desktop.server.settings if desktop.server is not None else desktop.settings
    locked = {
        key: where
        for key in SERVER_KEYS
        if (where := desktop.origin.sources().locked(key)) is not None
    }
    running = desktop.server is not None and desktop.server.state.value == "running"
    dialog = PreferencesDialog(
        server_values(settings),
        {
            **read_window_values(desktop.window.settings),
            # What the window shows now: the View menu and the panel change these too.
            "poll_interval": desktop.window.health.interval_seconds,
            "close_to_tray": desktop.window.close_to_tray.isChecked(),
            "launch_at_login": autostart.is_enabled(),  # the entry as it is, whoever made it
        },
        check=check_server_values,
        locked=locked,
        help_text=config_file.HELP,
        remote=desktop.remote_url,
        server_running=running,
        test_target=test_target,
        listen_check=lambda host, port: listen_problem(host, port, own_port=held_port(desktop)),
        parent=desktop.window,
    )
    if not autostart.supported():
        login = dialog.checks["launch_at_login"]
        login.setEnabled(False)
        login.setToolTip("Launch at login is made with an XDG autostart entry: Linux only.")
    dialog.saved.connect(lambda changes, window: spawn(save_preferences(desktop, changes, window)))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def apply_window_values(desktop: Desktop, values: Mapping[str, Any]) -> None:
    window = desktop.window
    for name, (key, _default) in WINDOW_KEYS.items():
        if name in values:
            value = values[name]
            window.settings.setValue(
                key, ("true" if value else "false") if isinstance(value, bool) else value
            )
    if "poll_interval" in values:
        window.health.set_interval(float(values["poll_interval"]))
    window.close_to_tray.setChecked(
        bool(values.get("close_to_tray", window.close_to_tray.isChecked()))
    )
    window.tray.muted = muted_kinds(values)
    if "theme" in values:
        desktop.theme.set_choice(values["theme"])
    wanted = bool(values.get("launch_at_login", False))
    if "launch_at_login" in values and wanted != autostart.is_enabled():
        autostart.set_enabled(wanted)
    window.save()  # the interval and "close to tray" with the rest of the window's state


async def save_preferences(
    desktop: Desktop, changes: Mapping[str, Any], window_values: Mapping[str, Any]
) -> bool:
    """Apply what the dialog saved; True when the embedded server was restarted for it."""
    apply_window_values(desktop, window_values)
    if not changes:
        return False
    path = desktop.origin.file
    status = desktop.window.statusBar()
    try:
        config_file.save(path, changes)
        settings = desktop.origin.load()
    except (OSError, ConfigError) as exc:  # a read-only file, or a mistake elsewhere in it
        logger.warning("preferences not applied: %s", exc)
        status.showMessage(f"Preferences not applied: {exc}")
        return False
    logger.info("saved %s to %s", ", ".join(sorted(changes)), path)
    desktop.settings = settings
    server = desktop.server
    if server is None or desktop.control is None:
        return False
    was_running = server.state.value in ("running", "starting")
    await asyncio.get_running_loop().run_in_executor(None, server.stop)
    server.settings = settings
    if "port" in changes or server.port == 0:
        server.port = settings.port
    desktop.restarts += 1
    if was_running:
        status.showMessage("Restarting the server with the new settings…", 5000)
        desktop.control.start()
    desktop.show_title(server.url)
    return True


def open_people(desktop: Desktop) -> PeopleDialog:
    from ui.dialogs.people import PeopleDialog

    url = desktop.remote_url or (desktop.server.url if desktop.server is not None else "")
    api = ApiClient(url, desktop.token, timeout=5.0)
    dialog = PeopleDialog(
        api, desktop.share_url(), open_share=desktop.share_with_token, parent=desktop.window
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    desktop.dialog_clients.add(api)  # closed by quitting, if the dialog is still open then

    def closed(_result: int) -> None:
        desktop.dialog_clients.discard(api)
        spawn(api.aclose())

    dialog.finished.connect(closed)
    dialog.open()
    spawn(dialog.reload())
    return dialog


def versions() -> dict[str, str]:
    def of(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

    return {
        "PulseDesk": of("pulsedesk"),
        "Python": f"{platform.python_version()} ({sys.executable})",
        "Qt": f"{qVersion()} (PySide6 {of('PySide6-Essentials')})",
        "FastAPI": of("fastapi"),
        "uvicorn": of("uvicorn"),
    }


def paths(desktop: Desktop) -> dict[str, Path]:
    settings = desktop.settings
    return {
        "Config file": desktop.origin.file,
        "Data dir": settings.data_path,
        "Admin token": settings.token_file,
        "People (token digests)": settings.config_path / "users.json",
        "Window settings (QSettings)": Path(desktop.window.settings.fileName()),
        "Log file": log_file_path(),
    }


def open_about(desktop: Desktop) -> AboutDialog:
    from ui.dialogs.about import AboutDialog

    dialog = AboutDialog(versions(), paths(desktop), parent=desktop.window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
