"""Storms told once, channels told when new, and the words of each notice. The clock is the
caller's: each test says exactly how much time went by."""

from __future__ import annotations

import pytest

from server.observe.events import WARNING, EventLog
from ui.core.notices import (
    ChannelWatch,
    Coalescer,
    Dropped,
    new_channels_notice,
    slow_clients_notice,
)


def test_a_storm_of_500_is_one_batch_told_once_it_is_quiet() -> None:
    batch: Coalescer[int] = Coalescer(quiet=1.0, longest=10.0)
    assert batch.wait(0.0) is None and batch.take(0.0) == []
    for n in range(500):
        batch.add(n, 100.0 + n / 1000)  # half a second of drops
    assert batch.take(100.6) == []  # still coming in: not yet
    assert batch.wait(100.6) == pytest.approx(0.899)  # a second after the last one
    assert batch.take(101.5) == list(range(500))
    assert len(batch) == 0 and batch.wait(102.0) is None


def test_a_trickle_is_told_every_longest_seconds_at_most() -> None:
    batch: Coalescer[int] = Coalescer(quiet=1.0, longest=5.0)
    now = 0.0
    told: list[list[int]] = []
    for n in range(12):  # one every 0.5 s: never quiet for a whole second
        batch.add(n, now)
        told += [got] if (got := batch.take(now)) else []
        now += 0.5
    assert told == [list(range(11))]  # the first ten seconds' worth at 5 s, once
    assert len(batch) == 1


def test_channels_at_the_start_are_the_baseline_and_a_name_is_news_once() -> None:
    watch = ChannelWatch()
    assert not watch.seen("early")  # before the first list, nothing is news
    assert watch.listed(["orders", "audit"]) == []
    assert watch.started
    assert watch.listed(["orders", "audit", "news", "alerts"]) == ["alerts", "news"]
    assert watch.listed(["orders"]) == []  # gone is no news
    assert watch.listed(["orders", "news"]) == []  # and back is the same channel
    assert watch.seen("fresh") and not watch.seen("fresh") and not watch.seen("orders")


def server_event(client: str, user: str | None, queued: int) -> dict[str, object]:
    """A slow-consumer event as the server's own EventLog makes it."""
    log = EventLog(10)
    log.health(
        "hub",
        WARNING,
        f"dropped slow consumer {client}",
        event="dropped_slow",
        client=client,
        user=user,
        address="10.0.0.7:51234",
        queued=queued,
    )
    return log.snapshot()[0].as_dict()


def test_a_drop_is_read_from_the_servers_event_and_named_by_person() -> None:
    dropped = Dropped.from_event(server_event("c12", "alice", 2048))
    assert dropped == Dropped("c12", "alice", "10.0.0.7:51234", 2048)
    assert dropped.who == "alice (c12 from 10.0.0.7:51234)"
    assert Dropped("c3", "", "", 9).who == "c3"
    assert Dropped.from_event({"kind": "health", "data": {"message": "Redis bus degraded"}}) is None
    assert Dropped.from_event({"kind": "ws", "data": {"event": "dropped_slow"}}) is None


def test_the_words_of_one_drop_and_of_a_storm() -> None:
    alice = Dropped("c12", "alice", "10.0.0.7:51234", 2048)
    title, text = slow_clients_notice([alice])
    assert title == "Slow client dropped"
    assert text == (
        "alice (c12 from 10.0.0.7:51234) was closed (1013): too slow to keep up, "
        "2048 messages queued for it"
    )
    storm = [Dropped(f"c{n}", "", "", 2048) for n in range(500)]
    title, text = slow_clients_notice(storm)
    assert title == "500 slow clients dropped"
    assert text.startswith("c0, c1, c2 and 497 more: each too slow to keep up")


def test_the_words_of_new_channels() -> None:
    assert new_channels_notice(["orders"], "http://127.0.0.1:8000") == (
        "New channel: orders",
        "orders appeared on http://127.0.0.1:8000",
    )
    assert new_channels_notice(["a", "b"], "here") == ("2 new channels", "a and b appeared on here")
    assert new_channels_notice(list("abcde"), "here")[1] == "a, b, c and 2 more appeared on here"
