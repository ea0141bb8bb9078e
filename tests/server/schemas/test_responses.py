"""What the routes answer: each response model describes exactly what the domain hands it (a key
the model lacks would vanish from the answer without a word), every frame the server sends is a
``WebSocketResponse``, and only the answer that makes a token holds one."""

from __future__ import annotations

import inspect
import json

import pytest
from pydantic import BaseModel

from server.auth.users import StoredUser
from server.realtime.cluster import ClusterSnapshot
from server.realtime.connection import Connection
from server.realtime.wire import Broadcast, direct_frame, encode_frame, error_frame
from server.schemas import responses
from server.schemas.responses import (
    ClusterInfo,
    ConnectionInfo,
    MessageRecord,
    UserInfo,
    WebSocketResponse,
)


def _models() -> list[type[BaseModel]]:
    return [
        model
        for _, model in inspect.getmembers(responses, inspect.isclass)
        if issubclass(model, BaseModel) and model.__module__ == responses.__name__
    ]


def test_only_the_answer_that_makes_a_token_holds_one() -> None:
    holding = {
        model.__name__
        for model in _models()
        if any("token" in name.lower() for name in model.model_fields)
    }
    assert holding == {"NewToken"}


async def _never(*_args: object) -> None:
    raise AssertionError("nothing is sent in this test")


def test_a_connection_record_is_exactly_a_connection_info() -> None:
    conn = Connection("c1", "127.0.0.1:50412", False, _never, _never)
    record = conn.info(["orders"])
    assert set(record) == set(ConnectionInfo.model_fields)
    assert ConnectionInfo.model_validate(record).channels == ["orders"]


@pytest.mark.parametrize("channel", [None, "orders"])
def test_a_stored_broadcast_is_exactly_a_message_record(channel: str | None) -> None:
    record = Broadcast(7, "c1", {"text": "hi"}, channel=channel).record()
    assert set(record) == set(MessageRecord.model_fields)
    assert MessageRecord.model_validate(record).channel == channel


def test_a_user_as_shown_is_a_user_info_less_where_it_comes_from() -> None:
    user = StoredUser("ana", "user", "digest", created=1_700_000_000.0)
    shown = user.public()
    assert set(shown) | {"source"} == set(UserInfo.model_fields)
    assert "digest" not in UserInfo.model_validate({**shown, "source": "store"}).model_dump()


def test_the_cluster_snapshot_is_exactly_a_cluster_info() -> None:
    snapshot = ClusterSnapshot(instances=2, connections=31).as_dict()
    assert set(snapshot) == set(ClusterInfo.model_fields)


FRAMES = {
    "welcome": encode_frame("welcome", {"client": "c1", "connections": 1, "last_id": 0}),
    "error": error_frame("invalid_json", "not JSON"),
    "direct": direct_frame("c1", {"text": "for you"}),
    "broadcast": Broadcast(7, "c1", {"text": "hi"}).frame,
    "channel broadcast": Broadcast(8, "c1", {"text": "hi"}, channel="orders").frame,
    "echo": Broadcast(9, "c1", {"text": "hi"}).echo_frame(),
    "event": encode_frame("event", {"id": 1}, channel="$events"),
}


@pytest.mark.parametrize("frame", FRAMES.values(), ids=FRAMES.keys())
def test_every_frame_the_server_sends_is_a_websocket_response(frame: str) -> None:
    value = json.loads(frame)
    assert set(value) <= set(WebSocketResponse.model_fields)
    assert WebSocketResponse.model_validate(value).model_dump(exclude_none=True).keys() == (
        value.keys()
    )
