"""The desktop's log file: a rotating file in the user's log dir, so a window started from a
menu, with no terminal, still leaves a log to read (Help → About links it)."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from server.observe.redaction import RedactTokens

MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def log_file_path() -> Path:
    return platformdirs.user_log_path("pulsedesk") / "pulsedesk.log"


def install(path: Path | None = None, level: str = "info") -> RotatingFileHandler:
    """Send every record of ``level`` and above to ``path`` too (1 MB, then 3 older files)."""
    path = path or log_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setLevel(level.upper())
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactTokens())  # tokens never reach a file, whoever made the record
    logging.getLogger().addHandler(handler)
    return handler
