"""Hypothesis-generated WebSocket frames against a real uvicorn, and garbage instead of HTTP.

Each generated frame comes with the outcome the protocol promises for it (an echo of the
right data, a pong, an error frame with its code, or a close code), and the test checks that
exact outcome. Meanwhile a bystander stays connected: it must receive one broadcast for every
echo, and the server must log nothing at ERROR level.
"""

from __future__ import annotations

import json
import socket
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.servers import StartServer, ws_url

LIMIT = 64 * 1024


@dataclass(frozen=True)
class Expect:
    """What the server must answer: ("echo", data), ("pong", data), ("error", code) or
    ("close", code)."""

    kind: str
    value: Any


def plain_text_outcome(text: str) -> Expect:
    return Expect("echo", {"text": text})


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=5)
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


@st.composite
def plain_texts(draw: st.DrawFn) -> tuple[str, Expect]:
    """Any text, including NULs and JSON that is not an envelope: a message with that text."""
    text = draw(any_text | json_values.map(json.dumps) | st.just("\x00\x00{\x00"))
    try:
        value = json.loads(text) if text.lstrip().startswith("{") else None
    except ValueError:
        value = None
    assume(not (isinstance(value, dict) and "type" in value))
    return text, plain_text_outcome(text)


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[str, Expect]:
    kind = draw(st.sampled_from(["message", "ping", "other", "bad-type", "bad-data"]))
    data = draw(json_objects)
    if kind == "message":
        return json.dumps({"type": "message", "data": data}), Expect("echo", data)
    if kind == "ping":
        return json.dumps({"type": "ping", "data": data}), Expect("pong", data)
    if kind == "other":
        name = draw(st.text(min_size=1, max_size=64).filter(lambda t: t not in ("message", "ping")))
        assume(all(not 0xD800 <= ord(c) <= 0xDFFF for c in name))
        return json.dumps({"type": name, "data": data}), Expect("error", "unknown_type")
    if kind == "bad-type":
        bad = draw(
            st.just("")
            | st.text(min_size=65, max_size=80)
            | json_scalars.filter(lambda v: not isinstance(v, str))
        )
        assume(not isinstance(bad, str) or all(not 0xD800 <= ord(c) <= 0xDFFF for c in bad))
        return json.dumps({"type": bad, "data": data}), Expect("error", "invalid_envelope")
    bad_data = draw(json_values.filter(lambda v: not isinstance(v, dict)))
    return json.dumps({"type": "message", "data": bad_data}), Expect("error", "invalid_envelope")


@st.composite
def hostile_envelopes(draw: st.DrawFn) -> tuple[str, Expect]:
    """Valid-looking envelopes whose data no encoder can write back, or nests too deep."""
    choice = draw(st.sampled_from(["deep", "deep-list", "nan", "inf", "huge", "surrogate"]))
    if choice in ("deep", "deep-list"):
        depth = draw(st.integers(99, 3000))
        opener, closer = ('{"a":', "}") if choice == "deep" else ("[", "]")
        tail = "1" if choice == "deep" else ""
        inner = opener * depth + tail + closer * depth
        return '{"type":"message","data":{"x":' + inner + "}}", Expect("error", "too_deep")
    literal = {"nan": "NaN", "inf": "-Infinity", "huge": "1e400", "surrogate": '"\\udc00"'}[choice]
    code = "invalid_text" if choice == "surrogate" else "invalid_json"
    return '{"type":"message","data":{"v":' + literal + "}}", Expect("error", code)


@st.composite
def sized_texts(draw: st.DrawFn) -> tuple[str, Expect]:
    """Texts a few bytes either side of the frame limit, in one- and two-byte characters."""
    char = draw(st.sampled_from(["x", "é"]))
    size = draw(st.integers(LIMIT - 4, LIMIT + 4))
    text = char * (size // len(char.encode()))
    if len(text.encode()) > LIMIT:
        return text, Expect("close", 1009)
    return text, plain_text_outcome(text)


binary_frames = st.binary(max_size=64).map(lambda b: (b, Expect("close", 1003)))
frames = plain_texts() | envelopes() | hostile_envelopes() | sized_texts() | binary_frames


def answer(ws: ClientConnection) -> tuple[str, Any]:
    """The server's reply to the last frame: skips presence and broadcasts."""
    try:
        while True:
            frame = json.loads(ws.recv(timeout=10))
            if frame["type"] in ("echo", "pong"):
                return frame["type"], frame["data"]
            if frame["type"] == "error":
                assert frame["success"] is False
                return "error", frame["data"]["code"]
    except ConnectionClosed as closed:
        return "close", closed.rcvd.code if closed.rcvd else None


def test_generated_frames_get_the_promised_answer(
    start_server: StartServer, caplog: pytest.LogCaptureFixture
) -> None:
    # No rate limit here: this is about content; test_ws_limits covers the flood.
    server = start_server(rate_limit=1e9, rate_burst=10**9)
    url = ws_url(server)
    connections = ExitStack()
    bystander = connections.enter_context(connect(url, max_size=None))
    echoes = 0
    client: list[ClientConnection] = []

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
    )
    @given(frames)
    def check(case: tuple[str | bytes, Expect]) -> None:
        nonlocal echoes
        payload, expect = case
        if not client:
            client.append(connections.enter_context(connect(url, max_size=None)))
            assert json.loads(client[0].recv(timeout=10))["type"] == "welcome"
        ws = client[0]
        ws.send(payload)
        kind, value = answer(ws)
        if kind == "close":
            client.clear()
        assert (kind, value) == (expect.kind, expect.value)
        echoes += kind == "echo"

    try:
        check()
        # The bystander saw one broadcast per echo, and is still served.
        broadcasts = 0
        while broadcasts < echoes:
            broadcasts += json.loads(bystander.recv(timeout=10))["type"] == "broadcast"
        bystander.send('{"type": "ping", "data": {"alive": true}}')
        assert answer(bystander) == ("pong", {"alive": True})
    finally:
        connections.close()
    crashes = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert crashes == [], [r.getMessage() for r in crashes]


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",  # TLS hello
        b"\x00\xff\xfe\xfd\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: \x00\r\n\r\n",
        b"HELLO THERE\r\n\r\n",
    ],
)
def test_garbage_instead_of_http_gets_400(start_server: StartServer, garbage: bytes) -> None:
    server = start_server()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(garbage)
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:80]
