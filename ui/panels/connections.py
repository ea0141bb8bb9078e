"""Connections: the live count, ten minutes of it as a chart, and who is connected.

Updated through ``display(ConnectionsView)`` alone; a stopped server greys the chart and the
table and counts 0.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.core.connections import ConnectionsView
from ui.core.series import TimeSeries
from ui.models.connections import ConnectionsModel
from ui.widgets.fact_grid import wrap_within
from ui.widgets.sparkline import Sparkline


class ConnectionsPanel(QGroupBox):
    disconnect_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Connections", parent)
        self.history = TimeSeries(600.0)
        self.count = QLabel("–")
        self.count.setStyleSheet("font-size:22px;font-weight:bold;")
        self.source = QLabel()
        self.source.setStyleSheet("color:#616161;")
        # Beside this instance's count: the whole cluster's, when servers share a Redis bus.
        self.cluster_count = QLabel()
        self.cluster_count.setStyleSheet("font-size:22px;font-weight:bold;color:#00838f;")
        self.cluster_label = QLabel()
        self.cluster_label.setStyleSheet("color:#616161;")
        self.chart = Sparkline("#00838f", steps=True)
        self.chart.caption = "count over time"
        self.model = ConnectionsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows: the send box's "selected clients" target sends each a direct message.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Widths from the rows in view only: measuring every row (Qt's default, up to 1,000)
        # asks the model for every cell at each refresh, which stalls the GUI thread for
        # 100-600 ms with a thousand clients connected.
        header.setResizeContentsPrecision(0)
        header.setStretchLastSection(True)
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setToolTip("Close the selected client's WebSocket (code 1008)")

        top = QHBoxLayout()
        top.addWidget(self.count)
        top.addWidget(wrap_within(self.source), 1)
        top.addSpacing(16)
        top.addWidget(self.cluster_count)
        top.addWidget(self.cluster_label, 1)
        top.addWidget(self.disconnect_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.chart)
        layout.addWidget(self.table, 1)

        self.disconnect_button.clicked.connect(self._disconnect_selected)
        self.disconnect_button.setEnabled(False)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.disconnect_button.setEnabled(self.selected_id() is not None)
        )
        self.model.modelReset.connect(lambda: self.disconnect_button.setEnabled(False))
        self.view = ConnectionsView()
        self._show_cluster(None)

    def display(self, view: ConnectionsView) -> None:
        """Show what ``view`` says (the panel's one way in); the chart runs on to now."""
        before, self.view = self.view, view
        if view.count is not None:
            self.count.setText(str(view.count))
            self.history.add(view.count)
        else:
            self.count.setText("–")
        if view.table_error is not None:
            self.source.setText(f"table unavailable: {view.table_error}")
        elif view.stopped:
            self.source.setText("server stopped")
        else:
            self.source.setText(f"on this instance ({view.source})" if view.source else "")
        if view.cluster != before.cluster:
            self._show_cluster(view.cluster)
        if view.rows is not before.rows or view.own_id != before.own_id:
            self._show_rows(view.rows, view.own_id)
        for part in (self.chart, self.table):
            part.setEnabled(not view.stopped)
        self.refresh_chart()

    def _show_cluster(self, cluster: dict[str, Any] | None) -> None:
        """The cluster totals ({instances, connections}) or None for a server on its own."""
        if not cluster:
            self.cluster_count.setText("")
            self.cluster_label.setText("")
            self.cluster_label.setToolTip("")
            return
        instances = int(cluster.get("instances", 0))
        self.cluster_count.setText(str(cluster.get("connections", "–")))
        self.cluster_label.setText(
            f"in the cluster ({instances} instance{'s' if instances != 1 else ''})"
        )
        self.cluster_label.setToolTip("Servers sharing broadcasts through Redis")

    def refresh_chart(self) -> None:
        """Redraw up to now: the count holds between changes, so the last value runs on."""
        points = self.history.points()
        if not points:
            return
        points.append((0.0, points[-1][1]))
        # Span what we have, up to ten minutes, so a young chart is not a sliver at the edge.
        span = min(self.history.window, max(30.0, points[0][0]))
        self.chart.caption = f"last {_span_text(span)}"
        self.chart.set_points(points, span)

    def _show_rows(self, rows: tuple[dict[str, Any], ...], own_id: str | None) -> None:
        """New rows from the server; the selected clients stay selected if still there."""
        keep = set(self.selected_ids())
        self.model.own_id = own_id
        self.model.set_rows(list(rows))
        selection = self.table.selectionModel()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row, record in enumerate(rows):
            if record.get("id") in keep:
                selection.select(self.model.index(row, 0), flags)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.connection_id(rows[0].row()) if rows else None

    def selected_ids(self) -> list[str]:
        """Every selected client, in table order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.connection_id(row) for row in rows]

    def _disconnect_selected(self) -> None:
        conn_id = self.selected_id()
        if conn_id is not None:
            self.disconnect_requested.emit(conn_id)


def _span_text(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
