"""The server's log level, read and changed while it runs (``GET|PUT /api/v1/log-level``).

It is the level of PulseDesk's loggers and uvicorn's, which are the process's: every server
in one process shares them. uvicorn sets its own loggers' levels at start-up, so each is set
by name rather than through their common parent.
"""

from __future__ import annotations

import logging

from server.observe.events import LEVELS, level_name

LOGGERS = ("pulsedesk", "uvicorn", "uvicorn.error", "uvicorn.asgi")


def current_level() -> str:
    """PulseDesk's effective level, as a name: ``debug``, ``info``, ``warning``..."""
    return level_name(logging.getLogger(LOGGERS[0]).getEffectiveLevel())


def set_level(name: str) -> str:
    """Set every server logger to ``name`` (one of ``LEVELS``); return the level before."""
    before = current_level()
    number = LEVELS[name]
    for logger in LOGGERS:
        logging.getLogger(logger).setLevel(number)
    return before
