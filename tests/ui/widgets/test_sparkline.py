"""The sparkline repaints for a new picture only: polls that bring the same values cost no
painting (it is the dearest thing an idle window does)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QApplication

from ui.widgets.sparkline import Sparkline


class CountingSparkline(Sparkline):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1
        super().paintEvent(event)


def test_the_same_values_again_do_not_repaint_and_new_ones_do(qtbot: Any) -> None:
    line = CountingSparkline()
    qtbot.addWidget(line)
    line.show()
    qtbot.waitExposed(line)
    line.set_values([1.0, 2.0, 3.0])
    qtbot.waitUntil(lambda: line.paints > 0)
    painted = line.paints

    line.set_values([1.0, 2.0, 3.0])
    line.set_points([(20.0, 1.0), (10.0, 2.0), (0.0, 3.0)], window=20.0)  # the same picture
    QApplication.processEvents()
    assert line.paints == painted

    line.set_values([1.0, 2.0, 4.0])
    QApplication.processEvents()  # the same call delivers a repaint when one was asked for
    assert line.paints == painted + 1
    assert line.values == [1.0, 2.0, 4.0]


def test_a_count_is_drawn_in_steps_and_a_measurement_point_to_point(qtbot: Any) -> None:
    from ui.panels.connections import ConnectionsPanel

    points = [(60.0, 1.0), (30.0, 6.0), (0.0, 6.0)]  # 1 for half a minute, then 6
    plot = QRectF(0, 0, 120, 60)
    chart = ConnectionsPanel().chart
    chart.set_points(points, window=60.0)
    corners = [(point.x(), point.y()) for point in chart.outline(plot)]
    for (x0, y0), (x1, y1) in pairwise(corners):
        assert x0 == x1 or y0 == y1  # level, or a jump: never a ramp
    low, high = corners[0][1], corners[-1][1]
    assert corners[:3] == [(0.0, low), (60.0, low), (60.0, high)]

    latency = Sparkline()
    latency.set_points(points, window=60.0)
    assert len(latency.outline(plot)) == 3  # straight from one sample to the next
