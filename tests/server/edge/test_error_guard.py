"""guarded_websocket: an accepted WebSocket whose handler raises is closed 1011 and the fault
logged once; a client that went away is no fault; what happens before the handshake or after
a close is left to the server. Each case drives the guard as uvicorn would, through ASGI."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from server.edge.error_guard import guarded_websocket, internal_error

pytestmark = pytest.mark.anyio

SCOPE: Scope = {"type": "websocket", "path": "/ws"}
Step = Callable[[Send], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def handler(*steps: Step, fault: BaseException) -> App:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for step in steps:
            await step(send)
        raise fault

    return app


async def accept(send: Send) -> None:
    await send({"type": "websocket.accept"})


async def close(send: Send) -> None:
    await send({"type": "websocket.close", "code": 1000})


async def run(app: App) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await guarded_websocket(app, SCOPE, receive, send)
    return sent


async def test_a_fault_after_the_handshake_closes_1011_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, "pulsedesk.errors")
    sent = await run(handler(accept, fault=RuntimeError("boom")))
    assert sent == [{"type": "websocket.accept"}, {"type": "websocket.close", "code": 1011}]
    (record,) = caplog.records
    assert record.getMessage() == "WebSocket /ws failed" and record.exc_info is not None


@pytest.mark.parametrize("gone", [WebSocketDisconnect(1001), ConnectionResetError()])
async def test_a_client_that_went_away_is_no_fault(
    gone: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    sent = await run(handler(accept, fault=gone))
    assert sent == [{"type": "websocket.accept"}]
    assert caplog.records == []


@pytest.mark.parametrize(
    ("steps", "fault"),
    [((), RuntimeError("before the handshake")), ((accept, close), RuntimeError("after close"))],
)
async def test_before_the_handshake_or_after_a_close_the_fault_goes_on(
    steps: tuple[Step, ...], fault: BaseException
) -> None:
    with pytest.raises(RuntimeError):
        await run(handler(*steps, fault=fault))


async def test_a_disconnect_before_the_handshake_goes_on() -> None:
    with pytest.raises(WebSocketDisconnect):
        await run(handler(fault=WebSocketDisconnect(1006)))


def test_the_http_answer_is_a_plain_500() -> None:
    response = internal_error()
    assert response.status_code == 500 and response.body == b'{"detail":"Internal Server Error"}'
