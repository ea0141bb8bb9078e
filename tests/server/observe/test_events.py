"""The event ring on its own: ids, bounds, queries, and the log capture."""

from __future__ import annotations

import logging
import threading

from server.observe.events import INFO, WARNING, EventCapture, EventLog, level_name
from server.observe.redaction import install_redaction


def filled(count: int, capacity: int = 100) -> EventLog:
    log = EventLog(capacity)
    for number in range(count):
        log.health("test", WARNING if number % 2 else INFO, f"event {number}", number=number)
    return log


def test_ids_increase_and_the_ring_keeps_the_newest() -> None:
    log = filled(10, capacity=4)
    assert [event.id for event in log.snapshot()] == [7, 8, 9, 10]
    assert log.last_id == 10


def test_after_returns_the_newest_and_counts_the_rest() -> None:
    log = filled(10, capacity=4)
    items, skipped = log.after(2, limit=3)
    # 8 events came after id 2: 4 are still in the ring and 3 are asked for.
    assert [event.id for event in items] == [8, 9, 10] and skipped == 5
    assert log.after(10, limit=3) == ([], 0)
    assert log.after(12, limit=3) == ([], 0)  # a reader ahead of the server sees nothing


def test_query_pages_from_since_and_says_where_to_go_on() -> None:
    log = filled(10)
    items, last = log.query(since=3, limit=2)
    assert [event.id for event in items] == [4, 5] and last == 5
    items, last = log.query(since=last, min_level=WARNING)
    assert [event.id for event in items] == [6, 8, 10] and last == 10
    items, last = log.query(text="EVENT 7")
    assert [event.id for event in items] == [8] and last == 10
    items, _ = log.query(kinds={"http"})
    assert items == []
    # A reader ahead of the ring (it saw a server that has since restarted) is told so.
    assert log.query(since=25) == ([], 10)


def test_a_log_of_size_zero_records_nothing() -> None:
    log = filled(3, capacity=0)
    assert log.snapshot() == [] and log.last_id == 0


def test_records_from_many_threads_keep_their_ids_in_order() -> None:
    log = EventLog(100_000)

    def record() -> None:
        for _ in range(2000):
            log.health("t", INFO, "x")

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [event.id for event in log.snapshot()]
    assert ids == list(range(1, 8001))


def test_the_capture_keeps_records_without_tokens_and_skips_the_access_log() -> None:
    log = EventLog(10)
    capture = EventCapture(log)
    logger = logging.getLogger("pulsedesk.tests.capture")
    logger.addHandler(capture)
    access = logging.getLogger("uvicorn.access")
    access.addHandler(capture)
    try:
        logger.warning("GET /ws?token=%s failed", "s3cret-value")
        access.warning('"GET / HTTP/1.1" 200')
        # uvicorn's handshake line, whose ?token= the redaction formatted in place.
        install_redaction()
        logging.getLogger("uvicorn.error").addHandler(capture)
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]', "127.0.0.1:5", "/ws?token=s3cret-value"
        )
        logging.getLogger("uvicorn.error").removeHandler(capture)
        # A frame sent, as websockets logs it at DEBUG: a pushed event must not make another.
        logging.getLogger("uvicorn.error").addHandler(capture)
        logging.getLogger("uvicorn.error").log(logging.CRITICAL, "> %s", "TEXT '{...}' [80 bytes]")
        try:
            raise ValueError("boom at /x?token=s3cret-value")
        except ValueError:
            logger.exception("it broke")
    finally:
        logger.removeHandler(capture)
        access.removeHandler(capture)
        logging.getLogger("uvicorn.error").removeHandler(capture)
    events = log.snapshot()
    assert [event.source for event in events] == ["pulsedesk.tests.capture"] * 2
    assert events[0].data["message"] == "GET /ws?token=[redacted] failed"
    assert "s3cret-value" not in repr([event.as_dict() for event in events])
    assert "ValueError" in events[1].data["exception"]
    assert events[1].as_dict()["level"] == "error"


def test_level_names() -> None:
    assert [level_name(n) for n in (5, 10, 25, 30, 45, 50)] == [
        "debug",
        "debug",
        "info",
        "warning",
        "error",
        "critical",
    ]
