"""Keeping tokens out of the logs, and client garbage out of the crash reports.

Browsers can only pass a WebSocket token in the query string, and uvicorn logs each request's
path with its query (and, at DEBUG, each WebSocket handshake's headers, Authorization too).
Redaction rewrites ``token=...`` and Authorization values in every log record as it is created,
before any handler or filter sees it. It hooks the record factory rather than filtering
chosen loggers because a logger's filters do not see records from its children
(``pulsedesk.ws`` bypasses a filter on ``pulsedesk``), and a new module's logger would be
missed silently.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_TOKEN_IN_QUERY = re.compile(r"(?i)([?&]token=)[^&\s\"']+")
# At DEBUG, uvicorn's WebSocket protocol logs each handshake's headers ("< authorization:
# Bearer ..."): the credentials go, whatever their scheme.
_AUTHORIZATION_HEADER = re.compile(r"(?im)(authorization:[ \t]*)[^\r\n]+")
REDACTED = r"\1[redacted]"

# uvicorn logs a client's invalid UTF-8 text frame with a traceback, as if the server had
# crashed. It closes the connection with 1007, which is the whole right answer.
_CLIENT_FAULTS = ("Invalid UTF-8 sequence received from client.",)


def redact(text: str) -> str:
    text = _TOKEN_IN_QUERY.sub(REDACTED, text)
    if "authorization" in text.lower():
        text = _AUTHORIZATION_HEADER.sub(REDACTED, text)
    return text


def _needs_redaction(text: str) -> bool:
    lowered = text.lower()
    return "token=" in lowered or "authorization:" in lowered


def _redact_record(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place when its message or traceback holds ``token=...``.

    The message is checked as formatted, so a token in any argument is found whatever its
    type (httpx logs a URL object), and a ``%s`` in the format string is never mistaken for
    a token value. A record that holds no token is left exactly as it was.
    """
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it when the record is handled
        return
    if _needs_redaction(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = _traceback_formatter.formatException(record.exc_info)
        if _needs_redaction(text):
            record.exc_text = redact(text)  # formatters use exc_text when it is set


_traceback_formatter = logging.Formatter()


class RedactTokens(logging.Filter):
    """Redaction as a filter, for a handler that receives records made elsewhere."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


class ClientFaultsAreWarnings(logging.Filter):
    """Log what uvicorn reports about a client's bad frame as a one-line warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in _CLIENT_FAULTS and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def install_redaction() -> None:
    """Redact every record made from now on, and quiet client faults. Idempotent."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts_tokens", False):

        def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            _redact_record(record)
            return record

        make_record.redacts_tokens = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(make_record)
    uvicorn_error = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ClientFaultsAreWarnings) for f in uvicorn_error.filters):
        uvicorn_error.addFilter(ClientFaultsAreWarnings())
