"""Channels in process: the index, the hub's fan-out, the replay race, and a Hypothesis state
machine against a model of who should get what.

The service, hub, bus, store and the /ws frame handler are the real ones; only the socket is a
stand-in: a frame writer that takes every frame at once and keeps its text (``Recorder``), which
is what uvicorn's writer does with a socket that keeps up.
"""

from __future__ import annotations

import asyncio
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from server.api.ws import handle_frame
from server.realtime.channels import ChannelIndex, ChannelRules, Rule, check_name
from server.realtime.connection import Connection
from server.realtime.hub import Hub
from server.realtime.wire import ClientFrame, ProtocolError
from server.service import Service
from server.settings import Settings


def decode(frame: bytes) -> str:
    """The text of one unmasked server frame (server.realtime.framing.text_frame's output)."""
    size = frame[1] & 0x7F
    offset = 2 if size < 126 else 4 if size == 126 else 10
    if size == 126:
        assert struct.unpack("!H", frame[2:4])[0] == len(frame) - 4
    return frame[offset:].decode()


class Recorder:
    """A socket that keeps up: every frame is written at once, and kept as parsed JSON."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    def write(self, frame: bytes) -> bool:
        self.frames.append(json.loads(decode(frame)))
        return True

    async def send(self, text: str) -> None:
        self.frames.append(json.loads(text))

    async def close(self, code: int, reason: str) -> None:
        pass

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame["type"] == kind]


async def connect(hub: Hub, *, admin: bool = False) -> tuple[Connection, Recorder]:
    socket = Recorder()
    conn = hub.register("test", admin, socket.send, socket.close, write_frame=socket.write)
    return conn, socket


def frame(kind: str, channel: str | None = None, **data: Any) -> ClientFrame:
    return ClientFrame(kind, data, channel)


# The index on its own ---------------------------------------------------------------------------


def test_names() -> None:
    assert check_name("orders/eu:1.a-b_c") == "orders/eu:1.a-b_c"
    assert check_name("x" * 128)
    for bad in ("", "x" * 129, "a b", "é", "$events", "*", None, 3, ["a"]):
        with pytest.raises(ProtocolError) as refused:
            check_name(bad)
        assert refused.value.code == "invalid_channel"


def test_rules_first_matching_glob_wins_and_admins_may_do_everything() -> None:
    rules = ChannelRules(
        {"ops-db": Rule(subscribe=("user",)), "ops-*": Rule(subscribe=("admin",), history=5)},
        default_history=100,
    )
    assert rules.may_subscribe("ops-db", "user") and not rules.may_subscribe("ops-web", "user")
    assert rules.may_subscribe("ops-web", "admin")
    assert not rules.may_subscribe("ops-db", None)  # anonymous: no role to name
    assert rules.may_subscribe("chat", None) and rules.may_publish("chat", None)
    assert not rules.may_publish("ops-web", "user")  # publish defaults to subscribe's roles
    assert (rules.history_size("ops-web"), rules.history_size("chat")) == (5, 100)


def test_churn_leaves_every_index_empty() -> None:
    index: ChannelIndex[str] = ChannelIndex(ChannelRules({}, 10))
    for round_number in range(3):
        for conn in (f"c{n}" for n in range(50)):
            for name in (f"ch{k}" for k in range(100)):
                assert index.subscribe(conn, name, covers_after=0)
            index.subscribe(conn, "*", covers_after=0)
        for conn in (f"c{n}" for n in range(0, 50, 2)):
            for name in (f"ch{k}" for k in range(0, 100, 3)):
                assert index.unsubscribe(conn, name)
                assert not index.unsubscribe(conn, name)
        assert index.sizes()["channels"] == 100, round_number
        for conn in (f"c{n}" for n in range(50)):
            index.drop(conn)
        assert index.sizes() == {"channels": 0, "idle": 0, "subscriptions": 0, "everything": 0}


def test_a_full_server_lets_the_least_recent_idle_channel_go() -> None:
    from server.realtime.wire import Broadcast

    index: ChannelIndex[str] = ChannelIndex(ChannelRules({}, 10), max_channels=2)
    index.record(Broadcast(1, "c", {}, channel="old"))
    index.record(Broadcast(2, "c", {}, channel="newer"))
    index.subscribe("c1", "newer", covers_after=2)
    index.record(Broadcast(3, "c", {}, channel="third"))  # "old" was idle: it goes
    assert [c.name for c in index.channels()] == ["newer", "third"]
    index.subscribe("c2", "third", covers_after=3)
    assert not index.has_room_for("fourth")  # both have subscribers now


# The hub's fan-out --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_channel_of_ten_among_ten_thousand_costs_ten_deliveries() -> None:
    hub = Hub(presence_delay=3600)
    everyone = [await connect(hub) for _ in range(10_000)]
    few = everyone[:10]
    for conn, _ in few:
        hub.subscribe(conn, "small")
    sockets = [socket for _, socket in everyone]

    def written() -> list[Recorder]:  # the sockets a broadcast was written to, in order
        return [socket for socket in sockets for _ in socket.of("broadcast")]

    before = hub.delivered
    await hub.broadcast("server", {"n": 1}, "small")
    assert hub.delivered - before == 10
    assert written() == [socket for _, socket in few]
    await hub.broadcast("server", {"n": 2})
    assert hub.delivered - before == 10_010
    assert [len(socket.of("broadcast")) for _, socket in few] == [2] * 10
    assert len(everyone[10][1].of("broadcast")) == 1


@pytest.mark.anyio
async def test_a_live_message_racing_a_store_replay_arrives_once_in_order(tmp_path: Path) -> None:
    # History of one message in memory: a replay from 0 must come from the SQLite store, on its
    # worker thread, and messages published meanwhile race it.
    service = Service.create(Settings(data_dir=tmp_path, history_size=1, store_flush_interval=1))
    await service.open_store()
    hub = service.hub
    try:
        publisher, _ = await connect(hub)
        for n in range(5):
            await handle_frame(service, publisher, None, frame("message", "orders", n=n))
            await hub.broadcast("server", {"global": n})
        conn, socket = await connect(hub)
        request = ClientFrame("subscribe", {"channel": "orders", "since": 0})
        subscribing = asyncio.create_task(handle_frame(service, conn, None, request))
        await asyncio.sleep(0)
        for n in range(5, 8):
            await handle_frame(service, publisher, None, frame("message", "orders", n=n))
            await hub.broadcast("server", {"global": n})
        assert not subscribing.done(), "the replay was to be still on its way"
        await subscribing
        await handle_frame(service, publisher, None, frame("message", "orders", n=8))
        assert socket.frames[0]["type"] == "subscribed"
        orders = [f["data"]["n"] for f in socket.of("broadcast") if f.get("channel") == "orders"]
        assert orders == list(range(9))
        live = [f["data"]["global"] for f in socket.of("broadcast") if "global" in f["data"]]
        assert live == [5, 6, 7]  # live ones only: it joined after the first five
        assert socket.of("subscribed")[0]["data"]["replayed"] >= 5
    finally:
        await service.close_store()


@pytest.mark.anyio
async def test_release_drops_only_the_replayed_channels_held_messages() -> None:
    hub = Hub(presence_delay=3600)
    conn, socket = await connect(hub)
    hub.subscribe(conn, "x")
    hub.hold(conn)
    await hub.broadcast("server", {"n": 1})  # global: not in a replay of "x"
    await hub.broadcast("server", {"n": 2}, "x")  # in the replay below
    await hub.broadcast("server", {"n": 3}, "x")  # after it
    channel = hub.channels.get("x")
    assert channel is not None
    replay = channel.history.since(0)
    assert replay is not None
    first = [replay[0].frame]
    hub.release(conn, first, replay[0].id, lambda item: item.channel == "x")
    assert [f["data"]["n"] for f in socket.of("broadcast")] == [2, 1, 3]


# The state machine ------------------------------------------------------------------------------

CHANNELS = ["a", "b", "ops-x", "*"]


class ChannelModel(RuleBasedStateMachine):
    """Random subscribe/unsubscribe/publish/disconnect from several clients, against a model.

    The model is plain sets: who is connected, who subscribes to what, every message with its
    channel. After every step each client must have received exactly the broadcasts the model
    says, in id order, each once; refused subscriptions must be refused with the right code.
    """

    clients = Bundle("clients")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        settings = Settings(
            channels={"ops-*": {"subscribe": ["admin"]}}, max_subscriptions=3, history_size=1000
        )
        self.service = Service.create(settings)
        self.hub = self.service.hub
        self.hub.presence_delay = 3600  # presence frames are not what is modelled
        self.sockets: dict[str, Recorder] = {}
        self.conns: dict[str, Connection] = {}
        self.roles: dict[str, str | None] = {}
        self.subs: dict[str, set[str]] = {}
        self.expected: dict[str, list[int]] = {}
        self.messages: list[tuple[int, str | None]] = []

    def teardown(self) -> None:
        self.loop.close()

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def receives(self, client: str, channel: str | None) -> bool:
        subs = self.subs[client]
        return channel is None or channel in subs or "*" in subs

    @rule(target=clients, admin=st.booleans())
    def connect(self, admin: bool) -> str:
        conn, socket = self.run(connect(self.hub, admin=admin))
        self.conns[conn.id], self.sockets[conn.id] = conn, socket
        self.roles[conn.id] = "admin" if admin else None
        self.subs[conn.id], self.expected[conn.id] = set(), []
        return conn.id

    def handle(self, client: str, client_frame: ClientFrame) -> None:
        """What /ws's reader does with a frame: handle it, or answer with an error frame."""
        conn = self.conns[client]
        try:
            self.run(handle_frame(self.service, conn, self.roles[client], client_frame))
        except ProtocolError as exc:
            self.hub.send_error(conn, exc.code, exc.message)

    @rule(client=clients, channel=st.sampled_from(CHANNELS), since=st.none() | st.integers(0, 30))
    def subscribe(self, client: str, channel: str, since: int | None) -> None:
        if client not in self.conns:
            return
        subs = self.subs[client]
        errors_before = len(self.sockets[client].of("error"))
        data: dict[str, Any] = {"channel": channel}
        if since is not None:
            data["since"] = since
        self.handle(client, ClientFrame("subscribe", data))
        restricted = channel == "*" or channel.startswith("ops-")
        if restricted and self.roles[client] != "admin":
            refused = "forbidden"
        elif channel not in subs and len(subs) >= 3:
            refused = "too_many_subscriptions"
        else:
            refused = None
        errors = self.sockets[client].of("error")[errors_before:]
        assert [e["data"]["code"] for e in errors] == ([refused] if refused else [])
        if refused:
            return
        covered = channel in subs or ("*" in subs and channel != "*")
        if since is not None and not covered:
            for item_id, item_channel in self.messages:
                replayed = item_channel == channel or (
                    channel == "*" and item_channel is not None and item_channel not in subs
                )
                if item_id > since and replayed:
                    self.expected[client].append(item_id)
        subs.add(channel)

    @rule(client=clients, channel=st.sampled_from(CHANNELS))
    def unsubscribe(self, client: str, channel: str) -> None:
        if client not in self.conns:
            return
        self.handle(client, ClientFrame("unsubscribe", {"channel": channel}))
        self.subs[client].discard(channel)

    @rule(client=clients, channel=st.none() | st.sampled_from(["a", "b"]))
    def publish(self, client: str, channel: str | None) -> None:
        if client not in self.conns:
            return
        self.handle(client, ClientFrame("message", {}, channel))
        item_id = self.hub.bus.last_id()
        self.messages.append((item_id, channel))
        for other in self.conns:
            if self.receives(other, channel):
                self.expected[other].append(item_id)

    @rule(client=consumes(clients))
    def disconnect(self, client: str) -> None:
        conn = self.conns.pop(client, None)
        if conn is not None:
            self.run(self.hub.unregister(conn))

    @invariant()
    def everyone_got_exactly_what_the_model_says(self) -> None:
        for client in self.conns:
            got = [f["id"] for f in self.sockets[client].of("broadcast")]
            want = self.expected[client]
            assert got == want, f"{client}: got {got}, the model says {want}"

    @invariant()
    def nobody_left_behind(self) -> None:
        index = self.hub.channels
        live = set(self.conns.values())
        for channel in index.channels():
            assert set(channel.subscribers) <= live
        assert set(index.everything) <= live
        sizes = index.sizes()
        assert sizes["subscriptions"] == sum(1 for c in self.conns if self.subs[c])


TestChannelModel = ChannelModel.TestCase
TestChannelModel.settings = hypothesis_settings(
    max_examples=300, stateful_step_count=40, deadline=None
)
