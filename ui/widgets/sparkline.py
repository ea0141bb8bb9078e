"""A small line chart painted by hand: latency history, connections over ten minutes."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.theme import ink, paper


class Sparkline(QWidget):
    """Values spread evenly (``set_values``) or by age in a window (``set_points``)."""

    def __init__(self, color: str = "#1565c0", unit: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.color = QColor(color)
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
        self._show([
            (index / (count - 1) if count > 1 else 1.0, value) for index, value in enumerate(values)
        ])

    def set_points(self, points: Sequence[tuple[float, float]], window: float) -> None:
        """``points`` as (seconds ago, value); x runs from ``window`` ago to now."""
        self._show([(max(0.0, 1 - age / window), value) for age, value in points])

    def _show(self, points: list[tuple[float, float]]) -> None:
        # Painting the antialiased line costs a couple of milliseconds: only for a new picture.
        if points != self._points:
            self._points = points
            self.update()

    @property
    def values(self) -> list[float]:
        return [value for _, value in self._points]

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
        top = max(max(values), 1e-9) * 1.15
        plot = frame.adjusted(4, 14, -4, -4)

        def at(x: float, value: float) -> QPointF:
            y = plot.bottom() - value / top * plot.height()
            return QPointF(plot.left() + x * plot.width(), y)

        points = self._points
        if len(points) == 1:  # one sample: a level line reads better than a dot at the edge
            points = [(0.0, points[0][1]), (1.0, points[0][1])]
        path = QPainterPath(at(*points[0]))
        for x, value in points[1:]:
            path.lineTo(at(x, value))
        area = QPainterPath(path)
        area.lineTo(QPointF(at(1.0, 0).x(), plot.bottom()))
        area.lineTo(QPointF(at(points[0][0], 0).x(), plot.bottom()))
        fill = QColor(ink(self.color.name()))
        fill.setAlpha(40)
        painter.fillPath(area, fill)
        painter.setPen(QPen(QColor(ink(self.color.name())), 1.6))
        painter.drawPath(path)

        painter.setPen(QColor(ink("#424242")))
        label = f"{_fmt(values[-1])}{self.unit}   max {_fmt(max(values))}{self.unit}"
        if self.caption:
            label = f"{self.caption}   {label}"
        painter.drawText(frame.adjusted(5, 1, -5, 0), Qt.AlignmentFlag.AlignLeft, label)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
