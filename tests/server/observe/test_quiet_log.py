"""QuietLog: the first line at once, then one per interval saying how many were held back."""

from __future__ import annotations

import logging

import pytest

from server.observe.quiet_log import REFUSED_HANDSHAKE, QuietLog, QuietRecords


def test_one_line_per_interval_and_the_count_of_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    logger = logging.getLogger("pulsedesk.test")
    quiet = QuietLog(logger, logging.WARNING, interval=10, clock=lambda: now[0])
    caplog.set_level(logging.INFO)
    for _ in range(5):
        quiet.log("refused %s", "a")
    now[0] += 9.9
    quiet.log("refused %s", "b")
    assert [r.getMessage() for r in caplog.records] == ["refused a"]
    now[0] += 0.1
    quiet.log("refused %s", "c")
    now[0] += 10
    quiet.log("refused %s", "d")
    assert [r.getMessage() for r in caplog.records] == [
        "refused a",
        "refused c (and 5 more like it since the last such line)",
        "refused d",
    ]
    assert {r.levelno for r in caplog.records} == {logging.WARNING}


def test_nothing_is_counted_when_the_level_is_off(caplog: pytest.LogCaptureFixture) -> None:
    quiet = QuietLog(logging.getLogger("pulsedesk.test.off"), logging.INFO)
    caplog.set_level(logging.WARNING, logger="pulsedesk.test.off")
    quiet.log("refused")
    assert caplog.records == []


def test_quiet_records_holds_back_matching_lines_of_another_library(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    logger = logging.getLogger("pulsedesk.test.library")
    quiet = QuietRecords(REFUSED_HANDSHAKE, interval=10, clock=lambda: now[0])
    logger.addFilter(quiet)
    caplog.set_level(logging.INFO)
    try:
        for port in range(4):
            logger.info('%s - "WebSocket %s" %d', f"10.0.0.1:{port}", "/ws", 400)
            logger.info('%s - "WebSocket %s" [accepted]', "10.0.0.1:9", "/ws")  # not a refusal
        now[0] = 10
        logger.info('%s - "WebSocket %s" 403', "10.0.0.1:5", "/ws?token=[redacted]")
    finally:
        logger.removeFilter(quiet)
    assert [r.getMessage() for r in caplog.records] == [
        '10.0.0.1:0 - "WebSocket /ws" 400',
        *['10.0.0.1:9 - "WebSocket /ws" [accepted]'] * 4,
        '10.0.0.1:5 - "WebSocket /ws?token=[redacted]" 403'
        " (and 3 more like it since the last such line)",
    ]
