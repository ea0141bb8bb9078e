"""``python -m app`` and the ``pulsedesk`` command: ``app.cli.main``, imported with the cyclic
garbage collector held off.

Importing the command line (the settings with pydantic, uvicorn: several hundred modules) would
make about a hundred collections that find next to nothing. Collection is back on before
``main`` runs; the desktop keeps it off through its own start-up (``app.launch``).
"""

from __future__ import annotations

import gc


def run() -> int:
    """Import the command line with collection off, then run it; the exit code."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from app.cli import main
    finally:
        if was_enabled:
            gc.enable()
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
