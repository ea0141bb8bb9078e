"""``pulsedesk desktop-entry``: the launcher entry and icon of the desktop app, for this user.

The entry (``pulsedesk.desktop``) and the icon (``pulsedesk.svg``) ship in the package, under
``app/assets``. Installing copies them into the XDG data home (``$XDG_DATA_HOME``, else
``~/.local/share``): ``applications/pulsedesk.desktop`` and
``icons/hicolor/scalable/apps/pulsedesk.svg``. The entry's ``Exec`` names the ``pulsedesk``
command this very installation runs, so the launcher works from a pipx or venv install whose
folder is not on the desktop session's ``PATH``. Nothing here imports Qt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

#: The application id: the entry's file name, the icon's name, and Qt's desktop file name.
APP_ID = "pulsedesk"

_ASSETS = files("app") / "assets"


def icon_svg() -> bytes:
    """The application icon, as shipped."""
    return (_ASSETS / f"{APP_ID}.svg").read_bytes()


def icon_path() -> Path:
    """A file holding the icon (the package's own; packages are installed as folders)."""
    return Path(str(_ASSETS / f"{APP_ID}.svg"))


def data_home(environ: Mapping[str, str] = os.environ) -> Path:
    """The XDG data home: ``$XDG_DATA_HOME`` when it is an absolute path, else ~/.local/share."""
    configured = environ.get("XDG_DATA_HOME", "")
    if configured and Path(configured).is_absolute():  # the spec says to ignore a relative one
        return Path(configured)
    return Path.home() / ".local" / "share"


def launch_command() -> str:
    """The ``Exec`` value that starts this installation's desktop app."""
    script = Path(sys.executable).parent / APP_ID
    if script.is_file() and os.access(script, os.X_OK):
        return _quote(str(script))
    return f"{_quote(sys.executable)} -m app"


def _quote(argument: str) -> str:
    """One ``Exec`` argument, quoted as the Desktop Entry spec asks when it needs it."""
    if not any(char in argument for char in " \t\n\"'\\><~|&;$*?#()`"):
        return argument
    escaped = "".join(f"\\{char}" if char in '"`$\\' else char for char in argument)
    return f'"{escaped}"'


def desktop_entry(command: str | None = None) -> str:
    """The shipped entry with ``Exec`` naming ``command`` (this installation's, by default)."""
    command = launch_command() if command is None else command
    lines = (_ASSETS / f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines()
    return "".join(
        f"Exec={command}\n" if line.startswith("Exec=") else f"{line}\n" for line in lines
    )


@dataclass(frozen=True)
class Installed:
    entry: Path
    icon: Path


def install(home: Path | None = None) -> Installed:
    """Write the entry and the icon under ``home`` (the XDG data home); their paths."""
    home = data_home() if home is None else home
    entry = home / "applications" / f"{APP_ID}.desktop"
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    for path in (entry, icon):
        path.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(), encoding="utf-8")
    icon.write_bytes(icon_svg())
    _refresh_caches(home)
    return Installed(entry=entry, icon=icon)


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what ``install`` wrote under ``home``; the paths that were there."""
    home = data_home() if home is None else home
    removed = []
    for path in (
        home / "applications" / f"{APP_ID}.desktop",
        home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
    ):
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh_caches(home)
    return removed


def _refresh_caches(home: Path) -> None:
    """Tell the desktop about the change where its tools are installed; harmless without them."""
    tool = shutil.which("update-desktop-database")
    if tool and (home / "applications").is_dir():
        subprocess.run(
            [tool, str(home / "applications")], check=False, capture_output=True, timeout=30
        )
