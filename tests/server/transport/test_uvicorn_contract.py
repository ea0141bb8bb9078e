"""What server.transport's subclasses rely on in uvicorn, checked against the installed uvicorn.

Each subclass replaces or reads attributes that uvicorn does not promise to keep. These tests read
uvicorn's own source and fail naming the attribute when an upgrade changes what the subclass
relies on, long before a user would see a half-working server.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from server.transport.http import BoundedHttpProtocol
from server.transport.keepalive import PingTimer
from server.transport.server import QuietServer
from server.transport.websocket import Flag, FrameWritingProtocol, ReceiveQueue


def _self_attributes(cls: type) -> Iterator[ast.Attribute]:
    """Every ``self.<name>`` in the methods ``cls`` defines itself."""
    tree = ast.parse(inspect.getsource(cls))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            yield node


def assigned(cls: type) -> set[str]:
    """The attributes ``cls``'s own methods assign on ``self``."""
    return {a.attr for a in _self_attributes(cls) if isinstance(a.ctx, ast.Store)}


def read(cls: type) -> set[str]:
    return {a.attr for a in _self_attributes(cls) if isinstance(a.ctx, ast.Load)}


def used_on(cls: type, attribute: str) -> set[str]:
    """What ``cls``'s methods use of ``self.<attribute>``: ``self.queue.get`` gives ``get``."""
    tree = ast.parse(inspect.getsource(cls))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == attribute
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "self"
    }


def own_methods(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items() if callable(value)}


@pytest.mark.parametrize(
    ("attribute", "replacement"),
    [("queue", ReceiveQueue), ("writable", Flag), ("ping_timer", PingTimer)],
)
def test_frame_writer_replaces_only_what_uvicorn_uses_of_queue_and_writable(
    attribute: str, replacement: type
) -> None:
    assert attribute in assigned(WebSocketsSansIOProtocol), f"uvicorn no longer sets {attribute}"
    missing = used_on(WebSocketsSansIOProtocol, attribute) - set(dir(replacement))
    assert not missing, f"uvicorn now uses self.{attribute}.{sorted(missing)}: add to {replacement}"


def test_frame_writer_reads_attributes_uvicorn_still_sets() -> None:
    relied_on = {
        "handshake_complete", "handshake_initiated", "close_sent", "conn", "transport",
        "scope", "request", "response", "initial_response", "close_timer", "read_paused",
        "queue", "loop",
    }  # fmt: skip
    missing = relied_on - assigned(WebSocketsSansIOProtocol)
    assert not missing, f"uvicorn's WebSocketsSansIOProtocol no longer sets {sorted(missing)}"
    overridden = own_methods(FrameWritingProtocol) - {"write_frame", "flush_frames", "__init__"}
    gone = overridden - own_methods(WebSocketsSansIOProtocol)
    assert not gone, f"FrameWritingProtocol overrides {sorted(gone)}, which uvicorn no longer has"
    called = {"stop_keepalive"} - own_methods(WebSocketsSansIOProtocol)
    assert not called, f"FrameWritingProtocol calls {sorted(called)}, which uvicorn no longer has"


def test_http_limits_hook_uvicorns_callbacks() -> None:
    overridden = own_methods(BoundedHttpProtocol) - {"__init__"}
    private = {name for name in overridden if name.startswith("_")}
    gone = overridden - private - own_methods(HttpToolsProtocol)
    assert not gone, f"BoundedHttpProtocol overrides {sorted(gone)}, gone from HttpToolsProtocol"
    relied_on = {"loop", "transport", "client", "url", "headers", "cycle", "flow", "app"}
    missing = relied_on - assigned(HttpToolsProtocol)
    assert not missing, f"uvicorn's HttpToolsProtocol no longer sets {sorted(missing)}"
    of_the_cycle = {"response_started", "disconnected", "message_event"}
    missing = of_the_cycle - assigned(RequestResponseCycle)
    assert not missing, f"uvicorn's RequestResponseCycle no longer sets {sorted(missing)}"
    clash = private & own_methods(HttpToolsProtocol)
    assert not clash, f"uvicorn now defines {sorted(clash)} too: rename ours"


def test_quiet_server_replaces_uvicorns_main_loop_and_should_exit() -> None:
    assert "should_exit" in assigned(uvicorn.Server), "uvicorn.Server no longer sets should_exit"
    assert "on_tick" in own_methods(uvicorn.Server), "uvicorn.Server has no on_tick any more"
    assert list(inspect.signature(uvicorn.Server.on_tick).parameters) == ["self", "counter"]
    serve = inspect.getsource(uvicorn.Server._serve)
    assert "self.main_loop()" in serve, "uvicorn.Server._serve no longer awaits main_loop"
    assert "should_exit" in read(uvicorn.Server)
    overridden = own_methods(QuietServer) - {"__init__"}
    assert overridden - own_methods(uvicorn.Server) == set()


def test_frame_writer_empties_the_handshake_request_in_place() -> None:
    """uvicorn's ``request`` is the very object websockets' parser keeps (a local of
    ``ServerProtocol.parse``), so the frame writer empties its headers rather than only
    dropping its own reference."""
    from websockets.datastructures import Headers
    from websockets.server import ServerProtocol

    handle_connect = inspect.getsource(WebSocketsSansIOProtocol.handle_connect)
    assert "self.request = event" in handle_connect, "uvicorn's request is no longer the event"
    assert "request = yield from Request.parse" in inspect.getsource(ServerProtocol.parse)
    assert callable(getattr(Headers, "clear", None)), "websockets' Headers has no clear()"


def test_frame_writer_schedules_pings_as_uvicorn_does() -> None:
    """``schedule_ping`` is uvicorn's with the wheel in place of ``call_later``: same delay,
    same callback."""
    source = inspect.getsource(WebSocketsSansIOProtocol.schedule_ping)
    assert "max(0.0, self.ping_interval - self.last_ping_rtt)" in source, "the delay changed"
    assert "call_later(delay, self.send_keepalive_ping)" in source, "the callback changed"
    ours = inspect.getsource(FrameWritingProtocol.schedule_ping)
    assert "max(0.0, self.ping_interval - self.last_ping_rtt)" in ours
