"""Connections: the live count, ten minutes of it as a chart, and who is connected.

Updated through ``display(ConnectionsView)`` alone; a stopped server greys the chart and the
table and counts 0. The table's columns always fit its width: when the rows want more room,
the widest text columns give way first (their cells elided, the full text in the tooltip).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.core.connections import ConnectionsView
from ui.core.series import TimeSeries
from ui.models.connections import ADDRESS_COLUMN, SHRINKABLE, ConnectionsModel
from ui.widgets.fact_grid import wrap_within
from ui.widgets.sparkline import Sparkline


class ConnectionsPanel(QGroupBox):
    disconnect_requested = Signal(str)
    #: The selected rows changed (``selected_id`` and ``selected_ids`` say which now).
    selection_changed = Signal()

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
        self.table = _FittedTable(self._fit_columns)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows: the send box's "selected clients" target sends each a direct message.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        # An address elided in the middle keeps its port, which tells one host's clients apart.
        self.table.setItemDelegateForColumn(ADDRESS_COLUMN, _MiddleElided(self.table))
        header = self.table.horizontalHeader()
        # The panel sets the widths (_fit_columns); a width dragged by hand would be undone
        # at the next refresh, so none is offered.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Widths from the rows in view only: measuring every row (Qt's default, up to 1,000)
        # asks the model for every cell at each refresh, which stalls the GUI thread with a
        # thousand clients connected.
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
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
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
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Each column as wide as its header and the rows in view want, within the table's
        width; the last column takes what is left."""
        if not self.table.isVisible():
            return  # hidden, Qt would measure every row; the resize on showing fits them
        header = self.table.horizontalHeader()
        columns = range(self.model.columnCount())
        wanted = [max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in columns]
        # A column that gives way keeps its title and about ten characters of its cells.
        least = self.table.fontMetrics().horizontalAdvance("0") * 10
        floors = [
            min(want, max(header.sectionSizeHint(c), least)) if c in SHRINKABLE else want
            for c, want in zip(columns, wanted, strict=True)
        ]
        for column, width in enumerate(squeeze(wanted, floors, self.table.viewport_width)):
            header.resizeSection(column, width)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.connection_id(rows[0].row()) if rows else None

    def selected_ids(self) -> list[str]:
        """Every selected client, in table order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.connection_id(row) for row in rows]

    def _selection_changed(self) -> None:
        self.disconnect_button.setEnabled(self.selected_id() is not None)
        self.selection_changed.emit()

    def _disconnect_selected(self) -> None:
        conn_id = self.selected_id()
        if conn_id is not None:
            self.disconnect_requested.emit(conn_id)


class _FittedTable(QTableView):
    """A table that calls ``fit`` when its viewport gets a new width and when it is shown
    (rows may have come while it was hidden), and keeps the viewport's width.

    The width comes from the viewport's resize events, which a scroll area receives as its
    own ``resizeEvent``: asking ``viewport()`` for it would have PySide, to wrap the QWidget it
    returns, make the Python type of every QWidget subclass there is (about 40 enums), at the
    launch.
    """

    def __init__(self, fit: Callable[[], None]) -> None:
        super().__init__()
        self._fit = fit
        #: The viewport's width, from its last resize.
        self.viewport_width = 0

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.viewport_width = event.size().width()
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()


class _MiddleElided(QStyledItemDelegate):
    """Cells elided in the middle ("127.0…:40312") rather than at the end."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


def squeeze(wanted: Sequence[int], floors: Sequence[int], room: int) -> list[int]:
    """Widths for columns that want ``wanted`` within ``room``: all they want when that fits;
    else the widest give way first, down to a common cap, none below its floor (floors that
    do not fit overflow ``room``)."""
    if sum(wanted) <= room:
        return list(wanted)

    def capped(cap: int) -> list[int]:
        return [max(floor, min(want, cap)) for want, floor in zip(wanted, floors, strict=True)]

    low, high = 0, max(wanted)  # the widest cap that fits lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if sum(capped(middle)) <= room:
            low = middle
        else:
            high = middle - 1
    return capped(low)


def _span_text(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
