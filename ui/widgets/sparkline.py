"""A small line chart painted by hand: latency history, connections over ten minutes.

A measurement (latency) is drawn point to point; a count (connections) with ``steps``: it
holds its value until the next sample, so the line runs level and then jumps. Disabled, the
chart is drawn in grey: the figures of a stopped server.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.theme import ink, paper


class Sparkline(QWidget):
    """Values spread evenly (``set_values``) or by age in a window (``set_points``)."""

    def __init__(
        self,
        color: str = "#1565c0",
        unit: str = "",
        parent: QWidget | None = None,
        *,
        steps: bool = False,
    ) -> None:
        super().__init__(parent)
        self.color = QColor(color)
        self.steps = steps
        self.unit = unit
        self.caption = ""
        # (x in 0..1, value) pairs, oldest first.
        self._points: list[tuple[float, float]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(44)

    def sizeHint(self) -> QSize:
        return QSize(200, 48)

    def set_values(self, values: Sequence[float]) -> None:
        count = len(values)
        self._show(
            [
                (index / (count - 1) if count > 1 else 1.0, value)
                for index, value in enumerate(values)
            ]
        )

    def set_points(self, points: Sequence[tuple[float, float]], window: float) -> None:
        """``points`` as (seconds ago, value); x runs from ``window`` ago to now."""
        self._show([(max(0.0, 1 - age / window), value) for age, value in points])

    def _show(self, points: list[tuple[float, float]]) -> None:
        # Painting the antialiased line is the widget's one real cost: only for a new picture.
        if points != self._points:
            self._points = points
            self.update()

    @property
    def values(self) -> list[float]:
        return [value for _, value in self._points]

    def outline(self, plot: QRectF) -> list[QPointF]:
        """The line's corners inside ``plot``, oldest first (level then up or down in steps)."""
        values = self.values
        top = max(max(values), 1e-9) * 1.15

        def at(x: float, value: float) -> QPointF:
            y = plot.bottom() - value / top * plot.height()
            return QPointF(plot.left() + x * plot.width(), y)

        points = self._points
        if len(points) == 1:  # one sample: a level line reads better than a dot at the edge
            points = [(0.0, points[0][1]), (1.0, points[0][1])]
        corners = [at(*points[0])]
        for (_, held), (x, value) in pairwise(points):
            if self.steps:
                corners.append(at(x, held))
            corners.append(at(x, value))
        return corners

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.fillRect(frame, QColor(paper("#fafafa")))
        painter.setPen(QPen(QColor(ink("#d0d0d0"))))
        painter.drawRect(frame)
        if not self._points:
            painter.setPen(QColor("#9e9e9e"))
            painter.drawText(frame, Qt.AlignmentFlag.AlignCenter, "no data yet")
            return
        values = self.values
        plot = frame.adjusted(4, 14, -4, -4)
        line = self.outline(plot)
        path = QPainterPath(line[0])
        for point in line[1:]:
            path.lineTo(point)
        area = QPainterPath(path)
        area.lineTo(QPointF(line[-1].x(), plot.bottom()))
        area.lineTo(QPointF(line[0].x(), plot.bottom()))
        color = QColor(ink(self.color.name())) if self.isEnabled() else QColor("#9e9e9e")
        fill = QColor(color)
        fill.setAlpha(40)
        painter.fillPath(area, fill)
        painter.setPen(QPen(color, 1.6))
        painter.drawPath(path)

        painter.setPen(QColor(ink("#424242")))
        label = f"{_fmt(values[-1])}{self.unit}   max {_fmt(max(values))}{self.unit}"
        if self.caption:
            label = f"{self.caption}   {label}"
        painter.drawText(frame.adjusted(5, 1, -5, 0), Qt.AlignmentFlag.AlignLeft, label)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
