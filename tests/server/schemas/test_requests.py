"""What clients send: the bounds the API enforces before any handler runs, and a channel name
accepted over HTTP exactly when the WebSocket side accepts it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.realtime.channels import check_name
from server.realtime.wire import ProtocolError
from server.schemas.requests import BroadcastRequest, HealthCheckRequest, NewUserRequest


@pytest.mark.parametrize(
    "name",
    ["orders", "sensors/lab", "a.b:c_d-e", "x" * 128, "x" * 129, "", "with space", "$events", "*"],
)
def test_a_broadcast_channel_is_valid_exactly_when_the_websocket_side_says_so(name: str) -> None:
    try:
        check_name(name)
    except ProtocolError:
        websocket_accepts = False
    else:
        websocket_accepts = True
    try:
        BroadcastRequest.model_validate({"data": {}, "channel": name})
    except ValidationError:
        http_accepts = False
    else:
        http_accepts = True
    assert http_accepts == websocket_accepts


def test_a_broadcast_needs_its_data_and_goes_to_everyone_by_default() -> None:
    assert BroadcastRequest.model_validate({"data": {"text": "hi"}}).channel is None
    with pytest.raises(ValidationError):
        BroadcastRequest.model_validate({"channel": "orders"})


@pytest.mark.parametrize("timeout", [0, -1, 60.5])
def test_a_health_check_timeout_is_above_0_and_at_most_a_minute(timeout: float) -> None:
    assert HealthCheckRequest.model_validate({"service": "db"}).timeout == 5
    with pytest.raises(ValidationError):
        HealthCheckRequest.model_validate({"service": "db", "timeout": timeout})


@pytest.mark.parametrize("name", ["", "-dash-first", "has space", "x" * 65, "ünïcode"])
def test_a_new_user_name_is_plain_and_short(name: str) -> None:
    assert NewUserRequest.model_validate({"name": "grafana.bot_1-x"}).role == "user"
    with pytest.raises(ValidationError):
        NewUserRequest.model_validate({"name": name})
    with pytest.raises(ValidationError):
        NewUserRequest.model_validate({"name": "ok", "role": "root"})
