"""Keeping tokens out of the logs.

Browsers can only pass a WebSocket token in the query string, and uvicorn logs each request's
path with its query. This filter rewrites ``token=...`` before any handler sees the record.
"""

from __future__ import annotations

import logging
import re

_TOKEN_IN_QUERY = re.compile(r"(?i)([?&]token=)[^&\s\"']+")
REDACTED = r"\1[redacted]"

# Every logger that prints request paths.
PATH_LOGGERS = ("uvicorn.access", "uvicorn.error", "pulsedesk")


def redact(text: str) -> str:
    return _TOKEN_IN_QUERY.sub(REDACTED, text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str) and "token=" in record.msg.lower():
            record.msg = redact(record.msg)
        return True


def install_redaction() -> None:
    """Attach the filter once to each logger that may print a URL."""
    for name in PATH_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
