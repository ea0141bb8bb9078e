from ui.core.health import Health, HealthTracker, PollResult


def test_down_only_after_the_threshold_of_consecutive_failures() -> None:
    tracker = HealthTracker(down_after=3)
    assert tracker.record(PollResult(True, 4.0))
    assert tracker.state is Health.UP
    states = []
    for _ in range(3):
        tracker.record(PollResult.failed("connection refused"))
        states.append(tracker.state)
    assert states == [Health.DEGRADED, Health.DEGRADED, Health.DOWN]
    assert tracker.failures == 3
    assert tracker.last_error == "connection refused"


def test_one_success_resets_the_streak() -> None:
    tracker = HealthTracker(down_after=3)
    for _ in range(2):
        tracker.record(PollResult.failed("timeout"))
    tracker.record(PollResult(True, 2.0))
    tracker.record(PollResult.failed("timeout"))
    tracker.record(PollResult.failed("timeout"))
    assert tracker.state is Health.DEGRADED
    assert tracker.record(PollResult.failed("timeout"))
    assert tracker.state is Health.DOWN
    assert tracker.record(PollResult(True, 3.0))
    assert tracker.state is Health.UP


def test_answering_with_a_problem_is_degraded_and_latencies_are_kept() -> None:
    tracker = HealthTracker(history=2)
    tracker.record(PollResult(True, 1.0))
    tracker.record(PollResult(True, 2.0, problem="the broadcast bus is degraded"))
    tracker.record(PollResult(True, 3.0, problem="the broadcast bus is degraded"))
    assert tracker.state is Health.DEGRADED
    assert list(tracker.latencies) == [2.0, 3.0]
    assert tracker.last_latency == 3.0
