from ui.core.series import TimeSeries


def test_keeps_the_window_and_the_newest_sample() -> None:
    now = [0.0]
    series = TimeSeries(window=10.0, clock=lambda: now[0])
    for value in (1, 2, 3):
        series.add(value)
        now[0] += 4.0
    assert series.points() == [(8.0, 2), (4.0, 3)]  # the sample at t=0 is 12 s old
    now[0] += 100.0
    assert series.points() == [(104.0, 3)]  # the last value is kept, however old
    assert series.last == 3
