"""Launch at login: an XDG autostart entry (``~/.config/autostart/pulsedesk.desktop``).

Opt-in and off by default; on other systems than Linux it does nothing and says so.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import platformdirs

ENTRY = """\
[Desktop Entry]
Type=Application
Name=PulseDesk
Comment=A desktop control room for a live FastAPI service
Exec={command}
Terminal=false
X-GNOME-Autostart-enabled=true
"""


def entry_path() -> Path:
    """Where the entry goes: ``$XDG_CONFIG_HOME/autostart`` (``~/.config`` unless set)."""
    return platformdirs.user_config_path() / "autostart" / "pulsedesk.desktop"


def supported() -> bool:
    return sys.platform.startswith("linux")


def is_enabled() -> bool:
    return supported() and entry_path().is_file()


def set_enabled(enabled: bool) -> bool:
    """Write or remove the entry; False where launch at login is not supported."""
    if not supported():
        return False
    path = entry_path()
    if not enabled:
        path.unlink(missing_ok=True)
        return True
    found = shutil.which("pulsedesk")
    command = shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -m app"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ENTRY.format(command=command), encoding="utf-8")
    return True
