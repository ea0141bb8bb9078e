from ui.core.pacing import PollPacing


def test_polls_relax_only_while_the_feed_is_live_and_the_server_up() -> None:
    pacing = PollPacing(interval=2.0, live_interval=10.0)
    assert pacing.poll_interval == 2.0
    pacing.feed_live = True
    assert not pacing.relaxed and pacing.poll_interval == 2.0  # not known UP yet
    pacing.server_up = True
    assert pacing.relaxed and pacing.poll_interval == 10.0
    pacing.feed_live = False  # the feed dropped: the polls are the news again
    assert pacing.poll_interval == 2.0


def test_the_live_pace_is_never_faster_than_the_box() -> None:
    pacing = PollPacing(interval=2.0, live_interval=10.0)
    pacing.feed_live = pacing.server_up = True
    pacing.interval = 60.0
    assert pacing.poll_interval == 60.0
    pacing.interval = 0.5
    assert pacing.poll_interval == 10.0


def test_the_first_poll_waits_for_the_feed_no_longer_than_the_default() -> None:
    pacing = PollPacing(interval=2.0)
    pacing.interval = 30.0
    assert pacing.first_wait == 2.0
    pacing.interval = 0.5
    assert pacing.first_wait == 0.5


def test_status_and_table_come_with_every_third_answered_poll() -> None:
    pacing = PollPacing(slow_every=3)
    assert [pacing.polled(answered=True) for _ in range(7)] == [
        True,
        False,
        False,
        True,
        False,
        False,
        True,
    ]


def test_a_server_answering_again_catches_every_panel_up_at_its_first_answer() -> None:
    pacing = PollPacing(slow_every=3)
    assert pacing.polled(True)
    assert not pacing.polled(True)
    assert not pacing.polled(False)  # restarting: no answer, nothing to fetch
    assert pacing.polled(True)  # the first answer brings status and the table at once
    assert not pacing.polled(True)


def test_a_failed_status_fetch_is_tried_again_at_the_next_poll() -> None:
    pacing = PollPacing(slow_every=3)
    assert pacing.polled(True)
    pacing.slow_fetched(ok=False)
    assert pacing.polled(True)
    pacing.slow_fetched(ok=True)
    assert not pacing.polled(True)


def test_reset_forgets_the_server() -> None:
    pacing = PollPacing(slow_every=3)
    pacing.polled(True)
    pacing.feed_live = pacing.server_up = True
    pacing.table_fetched(100.0)
    pacing.reset()
    assert not pacing.relaxed
    assert pacing.polled(True)
    assert pacing.table_wait(100.5) == 0.0


def test_traffic_fetches_the_table_at_most_once_an_interval() -> None:
    pacing = PollPacing(interval=2.0)
    assert pacing.table_wait(50.0) == 0.0  # never fetched: now
    pacing.table_fetched(50.0)
    assert pacing.table_wait(50.5) == 1.5
    assert pacing.table_wait(53.0) == 0.0
    pacing.interval = 10.0  # the user's interval is the limit
    assert pacing.table_wait(53.0) == 7.0
