"""The event timeline's models: they name exactly what the timeline records, and every event it
records is a valid ``EventItem`` (the route's response model would turn one that is not into a
500 for every admin reading the timeline)."""

from __future__ import annotations

import logging
from typing import get_args

import pytest
from pydantic import ValidationError

from server.observe.events import KINDS, LEVELS, EventLog
from server.schemas.events import EventItem, EventPage, Kind, LevelName, LogLevel


def test_the_models_name_every_kind_and_level_the_timeline_records() -> None:
    assert get_args(Kind) == KINDS
    assert set(get_args(LevelName)) == set(LEVELS)


def test_every_kind_of_event_recorded_is_an_event_item() -> None:
    events = EventLog()
    events.http("GET", "/x", b"token=secret&page=2", 404, 0.0012, ("127.0.0.1", 50412), "/x")
    events.http("POST", "/api/v1/broadcast", b"", 500, 0.01, None, "", b"curl/8")
    events.ws_open("c1", "127.0.0.1:50413", admin=False)
    events.ws_close("c1", 1008, "bad token", "server", lifetime=1.5, frames_in=3, frames_out=4)
    events.ws_close("", 1003, "", "server")  # refused before it was a connection
    events.record("log", logging.CRITICAL, "uvicorn.error", {"message": "oops"})
    events.health("store", logging.WARNING, "message store set aside", path="/tmp/x")

    items, last_id = events.query(kinds=set(), min_level=0, text="", since=None, limit=100)
    answer = {"items": [item.as_dict() for item in items], "last_id": last_id}
    page = EventPage.model_validate(answer)

    assert [item.kind for item in page.items] == ["http", "http", "ws", "ws", "ws", "log", "health"]
    assert [item.level for item in page.items] == [
        "warning", "error", "info", "warning", "warning", "critical", "warning",
    ]  # fmt: skip
    assert page.last_id == page.items[-1].id
    assert "secret" not in page.model_dump_json()


@pytest.mark.parametrize("level", ["verbose", "INFO", "", "notset"])
def test_a_log_level_is_one_of_the_five_names(level: str) -> None:
    with pytest.raises(ValidationError) as raised:
        LogLevel.model_validate({"level": level})
    assert "'debug', 'info', 'warning', 'error' or 'critical'" in str(raised.value)


def test_an_event_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="kind"):
        EventItem.model_validate(
            {"id": 1, "time": "t", "kind": "tcp", "level": "info", "source": "s", "message": "",
             "data": {}}
        )  # fmt: skip
