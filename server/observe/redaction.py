"""Keeping tokens out of the logs, and client garbage out of the crash reports.

A token travels as ``?token=`` (browsers can pass a WebSocket token no other way, and uvicorn
logs each request's path with its query) or in an ``Authorization: Bearer`` header (which the
websockets library logs, header by header, at debug level). Both are rewritten to
``[redacted]`` in every log record, wherever and however they are printed.

Redaction happens twice over, so that no path is left open: every record is rewritten as it is
created (a record factory: a logger's own filters do not see its children's records, and a new
module's logger would be missed silently), and every handler there is when
``install_redaction`` runs gets a filter that rewrites what reaches it, for records made
without the factory or changed after it (``logging.makeLogRecord``, records from another
process). A record examined once is not examined again while its message stays the same.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_TOKEN_IN_QUERY = re.compile(r"(?i)([?&]token=)[^&\s\"']+")
# An Authorization header's value as websockets prints it (``authorization: Bearer x``), as a
# header tuple or mapping (``('authorization', 'Bearer x')``, ``{"authorization": ...}``).
_AUTHORIZATION = re.compile(
    r"""(?i)(authorization(?:\s*[:=]\s*|['"]\s*[:,]\s*b?)['"]?)[^'"\r\n]+"""
)
# A bearer credential anywhere else ("bearer" then 8 or more token characters, so that prose
# such as "a valid bearer token is required" is left alone).
_BEARER = re.compile(r"(?i)(\bbearer\s+)[^\s'\",;]{8,}")
REDACTED = r"\1[redacted]"
_MARKERS = ("token=", "authorization", "bearer")

# uvicorn logs a client's invalid UTF-8 text frame with a traceback, as if the server had
# crashed. It closes the connection with 1007, which is the whole right answer.
_CLIENT_FAULTS = ("Invalid UTF-8 sequence received from client.",)


def redact(text: str) -> str:
    text = _TOKEN_IN_QUERY.sub(REDACTED, text)
    text = _AUTHORIZATION.sub(REDACTED, text)
    return _BEARER.sub(REDACTED, text)


def _may_hold_a_token(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _MARKERS)


def _redact_record(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place when its message or traceback may hold a token.

    The message is checked as formatted, so a token in any argument is found whatever its
    type (httpx logs a URL object), and a ``%s`` in the format string is never mistaken for
    a token value. A record that holds no token is left exactly as it was.
    """
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it when the record is handled
        return
    if _may_hold_a_token(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = _traceback_formatter.formatException(record.exc_info)
        if _may_hold_a_token(text):
            record.exc_text = redact(text)  # formatters use exc_text when it is set
    # What was examined: a record whose message is replaced afterwards is examined again.
    record.pulsedesk_redacted = (record.msg, record.args)


_traceback_formatter = logging.Formatter()


class RedactTokens(logging.Filter):
    """Redaction as a handler's filter, for records that were not made redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        examined = record.__dict__.get("pulsedesk_redacted")
        if examined is None or examined[0] is not record.msg or examined[1] is not record.args:
            _redact_record(record)
        return True


class ClientFaultsAreWarnings(logging.Filter):
    """Log what uvicorn reports about a client's bad frame as a one-line warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in _CLIENT_FAULTS and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def _all_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()]
    loggers += [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    return [handler for logger in loggers for handler in logger.handlers]


def install_redaction() -> None:
    """Redact every record made from now on and every record that reaches a handler there
    is now (uvicorn's own, when it configured logging), and quiet client faults. Idempotent."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts_tokens", False):

        def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            _redact_record(record)
            return record

        make_record.redacts_tokens = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(make_record)
    for handler in _all_handlers():
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())
    uvicorn_error = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ClientFaultsAreWarnings) for f in uvicorn_error.filters):
        uvicorn_error.addFilter(ClientFaultsAreWarnings())
