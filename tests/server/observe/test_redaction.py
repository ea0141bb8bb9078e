"""Tokens never reach a log: redaction of ``?token=`` and Authorization values in every
record, however it was made or printed, on real servers and in process."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from websockets.asyncio.client import connect

from server.observe.redaction import install_redaction, redact
from tests.known_tokens import remember_token
from tests.server.wsclient import recv_json, recv_type
from tests.servers import StartServer, admin_token, ws_url


def test_tokens_in_query_strings_are_redacted_from_the_logs(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = start_server(auth="required")
    token = admin_token(server)
    assert httpx.get(f"{server.url}/healthz?token={token}&x=1").status_code == 200

    async def websocket_with_token() -> None:
        async with connect(ws_url(server, f"since=0&token={token}")) as ws:
            await recv_type(ws, "welcome")

    asyncio.run(websocket_with_token())
    lines = [record.getMessage() for record in caplog.records]
    assert not [line for line in lines if token in line]
    # The lines are there, with the token replaced: redaction, not silence.
    assert any("/healthz?token=[redacted]&x=1" in line for line in lines)
    assert any("/ws?since=0&token=[redacted]" in line for line in lines)


def test_redaction_covers_every_logger_and_argument_style(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_redaction()
    secret = remember_token("secret-for-the-redaction-test")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("pulsedesk.ws.deep.child").warning("GET /ws?token=%s", secret)
    logging.getLogger("uvicorn.access").info("%s", f"/ws?a=1&TOKEN={secret}")
    logging.getLogger("anything").error(f"/x?token={secret} failed")
    assert len(caplog.records) == 3
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert all("[redacted]" in record.getMessage() for record in caplog.records)


def test_redaction_covers_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    secret = remember_token("secret-in-a-traceback-0123")
    try:
        raise ConnectionError(f"GET http://h/ws?token={secret} failed")
    except ConnectionError:
        logging.getLogger("pulsedesk.probe").exception("probe failed")
    handler_output = logging.Formatter().format(caplog.records[-1])
    assert secret not in handler_output and "token=[redacted]" in handler_output


def test_a_debug_level_server_logs_no_bearer_token_from_a_handshake(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, uvicorn's WebSocket protocol logs every request header it receives."""
    server = start_server(log_level="debug")
    token = admin_token(server)
    caplog.set_level(logging.DEBUG)

    async def handshake() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with connect(ws_url(server), additional_headers=headers) as ws:
            await recv_json(ws)

    asyncio.run(handshake())
    lines = [record.getMessage() for record in caplog.records]
    assert any("authorization: [redacted]" in line.lower() for line in lines)
    assert not any(token in line for line in lines)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("< authorization: Bearer {t}", "< authorization: [redacted]"),  # websockets, debug
        ("> Authorization: Basic {t}", "> Authorization: [redacted]"),
        ("headers=[('authorization', 'Bearer {t}')]", "headers=[('authorization', '[redacted]')]"),
        ("(b'authorization', b'Bearer {t}')", "(b'authorization', b'[redacted]')"),
        ('{{"Authorization": "Bearer {t}"}}', '{"Authorization": "[redacted]"}'),
        ("rejected bearer {t} at /ws", "rejected bearer [redacted] at /ws"),
        ("authorization required", "authorization required"),  # no value: left alone
        ("a valid bearer token is required", "a valid bearer token is required"),
    ],
)
def test_authorization_headers_are_redacted_however_printed(line: str, shown: str) -> None:
    secret = remember_token("Zm9vYmFy-secret.in_a~header+/=")
    assert redact(line.format(t=secret)) == shown


def test_a_handler_redacts_records_made_without_the_factory(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every handler there is at install time filters what reaches it, for records that did
    not pass the record factory (rebuilt from a dict, say, as a record from another process)."""
    secret = remember_token("secret-for-a-rebuilt-record")
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    logger = logging.getLogger("pulsedesk.test.own-handler")
    logger.propagate = False
    handler = Lines()
    logger.addHandler(handler)
    try:
        install_redaction()
        # Made by the factory with an empty message, then filled in from the dict.
        fields = {"msg": "< authorization: Bearer %s", "args": (secret,), "levelno": logging.INFO}
        record = logging.makeLogRecord(fields)
        logger.handle(record)
    finally:
        logger.removeHandler(handler)
    assert lines == ["< authorization: [redacted]"]
