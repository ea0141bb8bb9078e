"""``python -m app`` and the ``pulsedesk`` command: ``app.cli.main``, imported with the cyclic
garbage collector held off.

Importing the command line (the settings with pydantic, uvicorn: several hundred modules) would
make about a hundred collections that find next to nothing. What the import leaves alive
(modules, classes, functions: tens of thousands of objects) lives as long as the process, so
it is frozen (``gc.freeze``) before collection is back on: otherwise the first collection
after it, and every full one later, would scan it all again. Collection is back on before
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
        gc.freeze()
        if was_enabled:
            gc.enable()
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
